/** Reads what {@link ByteWriter} writes; every shortfall or excess is an {@link EncodingError}. */
import { EncodingError } from './errors.js';

const TWO_32 = 0x1_0000_0000;
/** The high 32-bit word of 2^53 − 1: larger u64 values cannot be a JavaScript number exactly. */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

export class ByteReader {
  private offset = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly what: string,
  ) {}

  bytes(length: number, field: string): Uint8Array {
    if (this.offset + length > this.data.length) {
      throw new EncodingError(`${this.what}: truncated in ${field}`);
    }
    // A plain Uint8Array copy, also when `data` is a Buffer: decoded fields never alias the input.
    const out = new Uint8Array(this.data.subarray(this.offset, this.offset + length));
    this.offset += length;
    return out;
  }

  u8(field: string): number {
    return this.bytes(1, field)[0]!;
  }

  u16(field: string): number {
    const b = this.bytes(2, field);
    return (b[0]! << 8) | b[1]!;
  }

  u64(field: string): number {
    const b = this.bytes(8, field);
    const view = new DataView(b.buffer, b.byteOffset, 8);
    const high = view.getUint32(0);
    if (high > MAX_SAFE_HIGH_WORD) throw new EncodingError(`${this.what}: ${field} exceeds 2^53 − 1`);
    return high * TWO_32 + view.getUint32(4);
  }

  /** Fails unless every byte was consumed: canonical encodings have exactly one length. */
  end(): void {
    if (this.offset !== this.data.length) {
      throw new EncodingError(`${this.what}: ${this.data.length - this.offset} trailing bytes`);
    }
  }

  get position(): number {
    return this.offset;
  }
}
