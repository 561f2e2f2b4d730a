/**
 * PKCS#7 padding for AES-CBC (RFC 5652 §6.3), done in the core for both backends so that unpadding is
 * uniformly strict (node-forge's own unpad checks only the last byte). Callers check the MAC first
 * (encrypt-then-MAC), so the padding check is never reachable by a forger and cannot act as an oracle.
 */
export const AES_BLOCK = 16;

/** A CBC ciphertext with PKCS#7 padding is at least one block and a whole number of blocks. */
export function isPaddedCiphertextLength(length: number): boolean {
  return length >= AES_BLOCK && length % AES_BLOCK === 0;
}

export function pad(data: Uint8Array): Uint8Array {
  const n = AES_BLOCK - (data.length % AES_BLOCK);
  const out = new Uint8Array(data.length + n);
  out.set(data);
  out.fill(n, data.length);
  return out;
}

/** The unpadded view of `data`, or `undefined` when the padding is malformed. */
export function unpad(data: Uint8Array): Uint8Array | undefined {
  const length = data.length;
  if (length === 0 || length % AES_BLOCK !== 0) return undefined;
  const n = data[length - 1]!;
  // Branch-free scan of the last block: bad when n = 0, n > 16, or any of the last n bytes ≠ n.
  let bad = ((n - 1) >>> 31) | ((AES_BLOCK - n) >>> 31);
  for (let i = 0; i < AES_BLOCK; i++) {
    const inPadding = -((i - n) >>> 31); // all ones when i < n
    bad |= (data[length - 1 - i]! ^ n) & inPadding;
  }
  return bad === 0 ? data.subarray(0, length - n) : undefined;
}
