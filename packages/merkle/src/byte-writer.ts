/**
 * Writes big-endian integers and byte strings into one buffer for the canonical encodings. Callers
 * pass the exact final length when they know it, so an encoding costs one allocation (appending a
 * million directory entries makes this path hot).
 */

const TWO_32 = 0x1_0000_0000;

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(capacity = 128) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  u16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
  }

  /** `value` must already be checked to be a safe non-negative integer. */
  u64(value: number): void {
    this.reserve(8);
    this.view.setUint32(this.length, Math.floor(value / TWO_32));
    this.view.setUint32(this.length + 4, value % TWO_32);
    this.length += 8;
  }

  finish(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.length + extra, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
