/** Lower-case hex of bytes: the map key and display form of client ids (docs/design.md §2). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of lower-case or upper-case hex (relay fingerprints and client ids read from the cluster). */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
