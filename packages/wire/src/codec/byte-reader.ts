import { MessageError } from '../errors.js';

/**
 * Cursor over one message payload. Every read first checks that the bytes are there and reports a
 * shortfall as WIRE_ERR_TRUNCATED naming the field being read.
 */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** Throws WIRE_ERR_TRUNCATED unless `count` more bytes are available. */
  need(count: number, field: string): void {
    if (count > this.remaining) {
      throw new MessageError(
        'WIRE_ERR_TRUNCATED',
        field,
        `needs ${count} bytes but only ${this.remaining} remain`,
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.#view.getUint8(this.#offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.#view.getUint16(this.#offset, false);
    this.#offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.#view.getUint32(this.#offset, false);
    this.#offset += 4;
    return value;
  }

  /** A fresh copy of the next `count` bytes (callers own and may erase it). */
  copy(count: number, field: string): Uint8Array {
    this.need(count, field);
    const out = new Uint8Array(count);
    out.set(this.#bytes.subarray(this.#offset, this.#offset + count));
    this.#offset += count;
    return out;
  }

  /** A view of the next `count` bytes, valid only until the caller returns. */
  view(count: number, field: string): Uint8Array {
    this.need(count, field);
    const out = this.#bytes.subarray(this.#offset, this.#offset + count);
    this.#offset += count;
    return out;
  }
}
