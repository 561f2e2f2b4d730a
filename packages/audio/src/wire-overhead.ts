/**
 * What one transport frame costs on the wire, for bitrate reports. The default is the Leitung media
 * packet (docs/design.md §5): a 14-byte header, the payload under AES-256-CBC with PKCS#7 padding (always
 * 1–16 bytes, up to the next 16-byte boundary; the IV is derived from the sequence number, so it costs
 * nothing), and a 16-byte truncated HMAC-SHA256 tag; then 20 bytes IPv4 + 8 bytes UDP, plus 20 bytes
 * per extra IPv4 fragment when a datagram exceeds the MTU (RFC 791).
 */
export interface MediaPacketOverhead {
  readonly headerBytes: number;
  /** Cipher block size for PKCS#7 padding; 0 or 1 for a stream cipher (no padding). */
  readonly blockBytes: number;
  readonly tagBytes: number;
  readonly ipHeaderBytes: number;
  readonly udpHeaderBytes: number;
  readonly mtu: number;
}

/**
 * The wire overhead of a Leitung media packet (docs/design.md §5): a 14-byte header, AES-256-CBC with 16-byte
 * blocks, a 16-byte tag, then IPv4 (20 bytes) and UDP (8 bytes) headers at an MTU of 1500. The default of every
 * bitrate figure in this package.
 */
export const LEITUNG_MEDIA_OVERHEAD: MediaPacketOverhead = {
  headerBytes: 14,
  blockBytes: 16,
  tagBytes: 16,
  ipHeaderBytes: 20,
  udpHeaderBytes: 8,
  mtu: 1500,
};

/**
 * What one frame costs on the wire ({@link mediaPacketSize}): the UDP payload, everything IPv4 carries, and the
 * number of IPv4 fragments.
 */
export interface WireSize {
  /** UDP payload: media header + ciphertext + tag. */
  readonly packetBytes: number;
  /** Everything IPv4 carries: packet + UDP header + one IPv4 header per fragment. */
  readonly ipBytes: number;
  readonly fragments: number;
}

/** Wire size of one frame whose payload (codec id + codec bytes) has `payloadBytes` bytes. */
export function mediaPacketSize(
  payloadBytes: number,
  overhead: MediaPacketOverhead = LEITUNG_MEDIA_OVERHEAD,
): WireSize {
  const b = overhead.blockBytes;
  const ciphertext = b > 1 ? (Math.floor(payloadBytes / b) + 1) * b : payloadBytes;
  const packetBytes = overhead.headerBytes + ciphertext + overhead.tagBytes;
  const datagram = packetBytes + overhead.udpHeaderBytes;
  const perFragment = Math.floor((overhead.mtu - overhead.ipHeaderBytes) / 8) * 8;
  const fragments = Math.max(1, Math.ceil(datagram / perFragment));
  return { packetBytes, ipBytes: datagram + fragments * overhead.ipHeaderBytes, fragments };
}
