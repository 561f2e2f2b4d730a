/**
 * Allocation-free validation of a received media packet, for the relay's hot path: junk is dropped
 * on these integer checks before any session lookup or cryptography (docs/design.md §6 "UDP packets from
 * unbound sources dropped before any crypto").
 */
import { requireBytes } from '../argument-checks.js';
import type { MediaPacketErrorCode } from '../errors.js';
import {
  DIRECTION_BIT,
  MEDIA_HEADER_SIZE,
  MEDIA_NONCE_SIZE,
  MEDIA_PROTOCOL_VERSION,
  MEDIA_TAG_SIZE,
  MEDIA_TYPE_NAMES,
  type MediaPacketOptions,
  MediaPacketType,
  resolveMaxPacketSize,
} from './media-format.js';

/** Checks a packet's size and header; returns the error code it deserves, or `undefined` if it is valid. */
export function checkMediaPacket(
  bytes: Uint8Array,
  options?: MediaPacketOptions,
): MediaPacketErrorCode | undefined {
  return checkPacket(requireBytes(bytes, 'packet'), resolveMaxPacketSize(options));
}

export function checkPacket(bytes: Uint8Array, maxPacketSize: number): MediaPacketErrorCode | undefined {
  const length = bytes.length;
  if (length > maxPacketSize) return 'WIRE_ERR_MEDIA_TOO_LARGE';
  if (length < MEDIA_HEADER_SIZE) return 'WIRE_ERR_MEDIA_TRUNCATED';
  const first = bytes[0]!;
  if (first >>> 4 !== MEDIA_PROTOCOL_VERSION) return 'WIRE_ERR_MEDIA_UNSUPPORTED_VERSION';
  const typeId = first & 0x0f;
  if (MEDIA_TYPE_NAMES[typeId] === undefined) return 'WIRE_ERR_MEDIA_UNKNOWN_TYPE';
  if ((bytes[1]! & ~DIRECTION_BIT) !== 0) return 'WIRE_ERR_MEDIA_BAD_FLAGS';
  const bodyLength = length - MEDIA_HEADER_SIZE;
  if (typeId === MediaPacketType.BIND_CONFIRM) {
    // The echoed relay nonce, then the tag.
    if (bodyLength < MEDIA_NONCE_SIZE + MEDIA_TAG_SIZE) return 'WIRE_ERR_MEDIA_TRUNCATED';
    if (bodyLength > MEDIA_NONCE_SIZE + MEDIA_TAG_SIZE) return 'WIRE_ERR_MEDIA_TRAILING_BYTES';
    return undefined;
  }
  if (bodyLength < MEDIA_TAG_SIZE) return 'WIRE_ERR_MEDIA_TRUNCATED';
  // BIND, BIND_ACK and KEEPALIVE carry nothing but their tag, BIND_CHALLENGE nothing but its nonce.
  if (typeId !== MediaPacketType.DATA && bodyLength > MEDIA_TAG_SIZE) return 'WIRE_ERR_MEDIA_TRAILING_BYTES';
  return undefined;
}

/**
 * The session id of a valid media packet, or `undefined` for anything {@link checkMediaPacket}
 * rejects. Allocates nothing and never throws on packet contents (only on a non-Uint8Array argument
 * or a bad option: WIRE_ERR_INVALID_ARGUMENT).
 */
export function peekSessionId(bytes: Uint8Array, options?: MediaPacketOptions): number | undefined {
  if (checkMediaPacket(bytes, options) !== undefined) return undefined;
  return ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
}
