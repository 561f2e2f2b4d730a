/** Lower-case hex of bytes: the map key and display form of client ids (DESIGN.md §2). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
