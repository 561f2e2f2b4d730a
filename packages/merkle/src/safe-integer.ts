/**
 * Sizes, indices and times are JavaScript numbers restricted to 0 … 2^53 − 1 (Number.MAX_SAFE_INTEGER):
 * exact in every arithmetic step here, and what @leitung/wire writes as u64. Bit operations on such
 * numbers cannot use JS's 32-bit operators, so the tree arithmetic below works with division instead.
 */
import { InvalidNumberError } from './errors.js';

/** Throws {@link InvalidNumberError} unless `value` is an integer in 0 … 2^53 − 1. */
export function assertSafeInteger(field: string, value: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidNumberError(field, value);
  }
}

const TWO_32 = 0x1_0000_0000;

/** Number of bits needed to write `x` (0 for 0), for 0 ≤ x ≤ 2^53 − 1. */
export function bitLength(x: number): number {
  if (x < TWO_32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO_32));
}

/**
 * The largest power of two strictly smaller than `n`, for n ≥ 2: the split point k of
 * RFC 9162 §2.1.1 (D[0:k] on the left, D[k:n] on the right).
 */
export function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/** `x >> 1` for 0 ≤ x ≤ 2^53 − 1. */
export function half(x: number): number {
  return x < TWO_32 ? x >>> 1 : Math.floor(x / 2);
}

/** Least significant bit of `x` is set. */
export function isOdd(x: number): boolean {
  return x % 2 === 1;
}
