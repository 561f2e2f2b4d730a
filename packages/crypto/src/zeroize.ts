/**
 * Overwrites a byte array with zeros in place.
 *
 * What this can do in JavaScript: clear the bytes of this one ArrayBuffer region, which is where this
 * package keeps every key it derives. What it cannot do: clear copies the engine or the application made
 * earlier (strings, Buffers from a pool, garbage-collected arrays, memory moved by a compacting GC, swap),
 * or bytes held inside native libraries (OpenSSL cleanses its own key structures when they are freed, which
 * happens when the owning KeyObject is garbage-collected, not when `zeroize` runs). docs/crypto.md §Zeroize.
 */
export function zeroize(...arrays: readonly (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}
