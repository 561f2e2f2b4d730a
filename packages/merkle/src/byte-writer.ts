/** Appends big-endian integers and length-prefixed byte strings for the canonical encodings. */

const TWO_32 = 0x1_0000_0000;

export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  bytes(data: Uint8Array): void {
    this.parts.push(data);
    this.length += data.length;
  }

  u8(value: number): void {
    this.bytes(Uint8Array.of(value));
  }

  u16(value: number): void {
    this.bytes(Uint8Array.of(value >>> 8, value & 0xff));
  }

  /** `value` must already be checked to be a safe non-negative integer. */
  u64(value: number): void {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    view.setUint32(0, Math.floor(value / TWO_32));
    view.setUint32(4, value % TWO_32);
    this.bytes(out);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}
