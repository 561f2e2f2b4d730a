/**
 * Byte helpers the client needs in several places: hex (ids and fingerprints) and equality. Plain
 * Uint8Array code, no `Buffer`: the sans-I/O core imports this file (docs/design.md §1). Hex encoding is
 * @leitung/crypto's, the one encoder of the workspace.
 */
import { fromHex } from '@leitung/crypto';

export { toHex } from '@leitung/crypto';

/** Lower-case or upper-case hex of even length; undefined for anything else (a parse that may fail). */
export function parseHex(hex: string): Uint8Array | undefined {
  try {
    return fromHex(hex);
  } catch {
    return undefined;
  }
}

/**
 * Bytes of hex this client made or has already checked (client ids, fingerprints, log ids). Anything else
 * gives no bytes rather than a guess: an id that names nothing then fails the check it is used in.
 */
export function hexBytes(hex: string): Uint8Array {
  return parseHex(hex) ?? new Uint8Array(0);
}

/** Equality of public values (ids, roots). Not for secrets: use crypto's constant-time compare there. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
