import { isUint8Array } from '../argument-checks.js';
import { checkPacket } from './media-check.js';
import { mediaError } from './media-decode.js';
import {
  DIRECTION_BIT,
  MEDIA_HEADER_SIZE,
  MEDIA_PROTOCOL_VERSION,
  type MediaHeader,
  type MediaPacketOptions,
  MediaPacketType,
  resolveMaxPacketSize,
} from './media-format.js';

function requireU32(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw mediaError('WIRE_ERR_MEDIA_MALFORMED', `${name} must be an integer in [0, 2^32 - 1]`);
  }
  return value;
}

function writeHeader(target: Uint8Array, header: MediaHeader): void {
  if (typeof header !== 'object' || header === null) {
    throw mediaError('WIRE_ERR_MEDIA_MALFORMED', 'header must be an object');
  }
  const { type, direction } = header;
  if (typeof type !== 'string' || !Object.hasOwn(MediaPacketType, type)) {
    throw mediaError(
      'WIRE_ERR_MEDIA_UNKNOWN_TYPE',
      'type must be DATA, BIND, BIND_ACK, KEEPALIVE, BIND_CHALLENGE or BIND_CONFIRM',
    );
  }
  if (direction !== 'caller-to-callee' && direction !== 'callee-to-caller') {
    throw mediaError('WIRE_ERR_MEDIA_MALFORMED', 'direction must be caller-to-callee or callee-to-caller');
  }
  const view = new DataView(target.buffer, target.byteOffset, MEDIA_HEADER_SIZE);
  view.setUint8(0, (MEDIA_PROTOCOL_VERSION << 4) | MediaPacketType[type]);
  view.setUint8(1, direction === 'callee-to-caller' ? DIRECTION_BIT : 0);
  view.setUint32(2, requireU32(header.sessionId, 'sessionId'), false);
  view.setUint32(6, requireU32(header.sequence, 'sequence'), false);
  view.setUint32(10, requireU32(header.timestamp, 'timestamp'), false);
}

/**
 * The 14 header bytes of a packet, e.g. to authenticate as associated data before the body exists.
 * Throws {@link MediaPacketError} (WIRE_ERR_MEDIA_UNKNOWN_TYPE, WIRE_ERR_MEDIA_MALFORMED).
 */
export function encodeMediaHeader(header: MediaHeader): Uint8Array {
  const out = new Uint8Array(MEDIA_HEADER_SIZE);
  writeHeader(out, header);
  return out;
}

/**
 * Header and body in one packet. The same rules as the decoder apply (body sizes per type, maximum
 * packet size), so nothing is sent that a relay would drop.
 */
export function encodeMediaPacket(
  packet: MediaHeader & { body: Uint8Array },
  options?: MediaPacketOptions,
): Uint8Array {
  const maxPacketSize = resolveMaxPacketSize(options);
  if (typeof packet !== 'object' || packet === null || !isUint8Array(packet.body)) {
    throw mediaError('WIRE_ERR_MEDIA_MALFORMED', 'body must be a Uint8Array');
  }
  const body = packet.body;
  if (MEDIA_HEADER_SIZE + body.length > maxPacketSize) throw mediaError('WIRE_ERR_MEDIA_TOO_LARGE');
  const out = new Uint8Array(MEDIA_HEADER_SIZE + body.length);
  writeHeader(out, packet);
  out.set(body, MEDIA_HEADER_SIZE);
  const code = checkPacket(out, maxPacketSize);
  if (code !== undefined) throw mediaError(code);
  return out;
}
