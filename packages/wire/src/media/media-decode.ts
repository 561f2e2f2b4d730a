import { requireBytes } from '../argument-checks.js';
import { MediaPacketError, type MediaPacketErrorCode } from '../errors.js';
import { checkPacket } from './media-check.js';
import {
  DIRECTION_BIT,
  MEDIA_HEADER_SIZE,
  MEDIA_TYPE_NAMES,
  type MediaPacket,
  type MediaPacketOptions,
  resolveMaxPacketSize,
} from './media-format.js';

const REASONS: { readonly [C in MediaPacketErrorCode]: string } = {
  WIRE_ERR_MEDIA_TOO_LARGE: 'packet exceeds the maximum size',
  WIRE_ERR_MEDIA_TRUNCATED: 'packet is shorter than its header and minimum body',
  WIRE_ERR_MEDIA_UNSUPPORTED_VERSION: 'media packet version is not supported',
  WIRE_ERR_MEDIA_UNKNOWN_TYPE: 'media packet type is not defined',
  WIRE_ERR_MEDIA_BAD_FLAGS: 'reserved flag bits are set',
  WIRE_ERR_MEDIA_TRAILING_BYTES: 'control packet body is longer than its tag',
  WIRE_ERR_MEDIA_MALFORMED: 'media packet field is invalid',
};

export function mediaError(code: MediaPacketErrorCode, detail?: string): MediaPacketError {
  return new MediaPacketError(code, detail ?? REASONS[code]);
}

/**
 * Decodes a received media packet (docs/design.md §5). `header` and `body` of the result are views into
 * `bytes` (no copy): authenticate `header` as associated data before trusting anything else. Throws
 * {@link MediaPacketError} for anything {@link checkMediaPacket} rejects.
 */
export function decodeMediaPacket(bytes: Uint8Array, options?: MediaPacketOptions): MediaPacket {
  requireBytes(bytes, 'packet');
  const code = checkPacket(bytes, resolveMaxPacketSize(options));
  if (code !== undefined) throw mediaError(code);
  const view = new DataView(bytes.buffer, bytes.byteOffset, MEDIA_HEADER_SIZE);
  return {
    type: MEDIA_TYPE_NAMES[bytes[0]! & 0x0f]!,
    direction: (bytes[1]! & DIRECTION_BIT) === 0 ? 'caller-to-callee' : 'callee-to-caller',
    sessionId: view.getUint32(2, false),
    sequence: view.getUint32(6, false),
    timestamp: view.getUint32(10, false),
    header: bytes.subarray(0, MEDIA_HEADER_SIZE),
    body: bytes.subarray(MEDIA_HEADER_SIZE),
  };
}
