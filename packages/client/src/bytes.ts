/**
 * Byte helpers the client needs in several places: hex (ids and fingerprints) and equality. Plain
 * Uint8Array code, no `Buffer`: the sans-I/O core imports this file (docs/design.md §1).
 */

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Lower-case or upper-case hex of even length; undefined for anything else. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Bytes of hex this client made or has already checked (client ids, fingerprints, log ids). Anything else
 * gives no bytes rather than a guess: an id that names nothing then fails the check it is used in.
 */
export function hexBytes(hex: string): Uint8Array {
  return fromHex(hex) ?? new Uint8Array(0);
}

/** Equality of public values (ids, roots). Not for secrets: use crypto's constant-time compare there. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
