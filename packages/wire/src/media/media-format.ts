/**
 * Layout of a UDP media packet (docs/design.md §5; docs/protocol.md "Media packets"):
 *
 *   byte 0      version (high 4 bits) | packet type (low 4 bits)
 *   byte 1      flags: bit 0 = direction (0 caller→callee, 1 callee→caller); bits 1–7 must be 0
 *   bytes 2–5   sessionId  u32 big-endian
 *   bytes 6–9   sequence   u32 big-endian
 *   bytes 10–13 timestamp  u32 big-endian
 *   bytes 14–   body (DATA: ciphertext ‖ 16-byte tag; BIND, BIND_ACK, KEEPALIVE: exactly a 16-byte tag;
 *               BIND_CHALLENGE: exactly a 16-byte relay nonce; BIND_CONFIRM: 16-byte nonce ‖ 16-byte tag)
 */
import { resolveIntegerOption } from '../argument-checks.js';

/** Media packet format version, the high nibble of byte 0. */
export const MEDIA_PROTOCOL_VERSION = 1;

/** Bytes of the fixed media packet header. */
export const MEDIA_HEADER_SIZE = 14;

/** Bytes of the authentication tag that ends every media packet body. */
export const MEDIA_TAG_SIZE = 16;

/** Bytes of the relay nonce in BIND_CHALLENGE and BIND_CONFIRM (docs/session-protocol.md §4). */
export const MEDIA_NONCE_SIZE = 16;

/** Default largest media packet, in bytes: stays below common path MTUs without fragmentation. */
export const DEFAULT_MAX_MEDIA_PACKET_SIZE = 1200;

/** The largest UDP payload over IPv4; no configuration may exceed it. */
export const MEDIA_PACKET_SIZE_LIMIT = 65_507;

/** Media packet types, the low nibble of byte 0. 0 and 7–15 are unassigned and rejected. */
export const MediaPacketType = {
  /** Encrypted codec frame. */
  DATA: 1,
  /** Client → relay: binds the sender's UDP address to a media session by proving the grant's token. */
  BIND: 2,
  /** Relay → client: the BIND was accepted. */
  BIND_ACK: 3,
  /** Client → relay: keeps the UDP mapping and the session alive when no audio flows. */
  KEEPALIVE: 4,
  /**
   * Relay → client: a valid BIND came from an address that is not the side's confirmed one; the relay
   * nonce must come back from that address in BIND_CONFIRM before the binding moves (return routability).
   */
  BIND_CHALLENGE: 5,
  /** Client → relay: echoes a BIND_CHALLENGE nonce under the grant's token; moves the binding. */
  BIND_CONFIRM: 6,
} as const;

/** Name of a media packet type. */
export type MediaPacketTypeName = keyof typeof MediaPacketType;

/** Direction bit of the flags byte. */
export type MediaDirection = 'caller-to-callee' | 'callee-to-caller';

/** Decoded fixed header of a media packet. */
export interface MediaHeader {
  type: MediaPacketTypeName;
  direction: MediaDirection;
  /** Media session id from MEDIA_GRANT. u32. */
  sessionId: number;
  /** Per (session, direction) packet counter; for DATA the input of the per-packet IV. u32. */
  sequence: number;
  /** DATA: 48 kHz sample clock of the frame; other types: sender's Unix time in seconds mod 2^32. u32. */
  timestamp: number;
}

/** A decoded media packet. `header` and `body` are views into the decoded buffer, not copies. */
export interface MediaPacket extends MediaHeader {
  /** The 14 header bytes, to authenticate as associated data. */
  header: Uint8Array;
  /** Everything after the header. */
  body: Uint8Array;
}

/** Options of the media packet codec. */
export interface MediaPacketOptions {
  /** Largest packet accepted, in bytes, 30 … 65507. Default {@link DEFAULT_MAX_MEDIA_PACKET_SIZE}. */
  maxPacketSize?: number;
}

/** Type names by id (index = low nibble of byte 0). */
export const MEDIA_TYPE_NAMES: readonly (MediaPacketTypeName | undefined)[] = [
  undefined,
  'DATA',
  'BIND',
  'BIND_ACK',
  'KEEPALIVE',
  'BIND_CHALLENGE',
  'BIND_CONFIRM',
];

/** Flags byte bit 0. */
export const DIRECTION_BIT = 0x01;

export function resolveMaxPacketSize(options: MediaPacketOptions | undefined): number {
  const value = options?.maxPacketSize;
  if (value === undefined) return DEFAULT_MAX_MEDIA_PACKET_SIZE;
  return resolveIntegerOption(
    value,
    DEFAULT_MAX_MEDIA_PACKET_SIZE,
    MEDIA_HEADER_SIZE + MEDIA_TAG_SIZE,
    MEDIA_PACKET_SIZE_LIMIT,
    'maxPacketSize',
  );
}
