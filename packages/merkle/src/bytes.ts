/** Byte helpers used by the verifiers and encoders: comparison and hex for error reports. */

/** Equal length and equal bytes. Inputs are public (hashes), so an early exit leaks nothing secret. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lowercase hex (for error reports): @noble/hashes' encoder, the same one @leitung/crypto's `toHex` uses. */
export { bytesToHex as toHex } from '@noble/hashes/utils.js';

/** Lexicographic order of byte strings (shorter first on a common prefix). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
