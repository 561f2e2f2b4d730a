/** Byte helpers the client needs in several places: hex (ids and fingerprints) and equality. */

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

/** Equality of public values (ids, roots). Not for secrets: use crypto's constant-time compare there. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 (canonical re-encoding must match); undefined for anything else. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const buffer = Buffer.from(text, 'base64');
  if (buffer.toString('base64') !== text) return undefined;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
