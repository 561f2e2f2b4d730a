import { writeUtf8 } from './utf8.js';

/** Cursor over an output buffer sized exactly by the measuring pass of the encoder. */
export class ByteWriter {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.#view = new DataView(this.bytes.buffer);
  }

  u8(value: number): void {
    this.#view.setUint8(this.#offset++, value);
  }

  u16(value: number): void {
    this.#view.setUint16(this.#offset, value, false);
    this.#offset += 2;
  }

  u32(value: number): void {
    this.#view.setUint32(this.#offset, value, false);
    this.#offset += 4;
  }

  /** Writes a number in 0 … 2^53 − 1 as 8 big-endian bytes. */
  u64(value: number): void {
    this.u32(Math.floor(value / 0x1_0000_0000));
    this.u32(value % 0x1_0000_0000);
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.#offset);
    this.#offset += bytes.length;
  }

  utf8(text: string, byteLength: number): void {
    writeUtf8(text, this.bytes.subarray(this.#offset, this.#offset + byteLength));
    this.#offset += byteLength;
  }
}
