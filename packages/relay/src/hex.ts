/**
 * Hex of client ids and fingerprints (docs/design.md §2). Plain Uint8Array code, no `Buffer`: the sans-I/O
 * relay core imports this file (docs/design.md §1).
 */

/** Lower-case hex of bytes: the map key and display form of client ids. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

/**
 * Bytes of lower-case or upper-case hex (relay fingerprints and client ids read from the cluster). Decoding
 * stops at the first pair that is not hex and ignores a lone last digit, as Node's hex decoding does: the
 * callers compare the bytes with known ids, so a damaged value matches nothing.
 */
export function fromHex(hex: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i + 2 <= hex.length; i += 2) {
    const pair = hex.slice(i, i + 2);
    if (!HEX_PAIR.test(pair)) break;
    out.push(Number.parseInt(pair, 16));
  }
  return Uint8Array.from(out);
}
