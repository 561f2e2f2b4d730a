/**
 * Hex for client ids and relay fingerprints (docs/design.md §2). Plain `Uint8Array` work, no `Buffer`: the
 * sans-I/O core uses it and must run where Node's globals do not exist (docs/design.md §1).
 */

const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes: the map key and display form of client ids. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += BYTE_HEX[byte];
  return hex;
}

/**
 * Bytes of lower-case or upper-case hex (relay fingerprints and client ids read from the cluster). Like
 * Node's hex decoding, it stops at the first pair that is not hex and ignores a trailing odd digit.
 */
export function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) {
    const high = hexDigit(hex.charCodeAt(2 * i));
    const low = hexDigit(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return bytes.slice(0, i);
    bytes[i] = (high << 4) | low;
  }
  return bytes;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}
