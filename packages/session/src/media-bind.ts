/**
 * BIND, BIND_ACK and KEEPALIVE packets (docs/session-protocol.md §4, DESIGN.md §5 step 5). Each proves
 * knowledge of the side's grant token with a 16-byte HMAC over the 14-byte header under a per-type label.
 * The header's sequence is a strictly increasing per-side counter and its timestamp the sender's Unix
 * time in seconds mod 2^32 (docs/protocol.md §5), so the relay can refuse a captured BIND replayed from
 * another address.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import {
  encodeMediaHeader,
  MEDIA_TAG_SIZE,
  type MediaDirection,
  type MediaPacket,
  type MediaPacketTypeName,
} from '@leitung/wire';
import { concat } from './bytes.js';
import { LABEL_BIND, LABEL_BIND_ACK, LABEL_KEEPALIVE } from './labels.js';
import type { CallRole } from './media-keys.js';

export type ControlPacketKind = 'BIND' | 'BIND_ACK' | 'KEEPALIVE';

/** How far a BIND's clock may be from the relay's (ms). */
export const BIND_MAX_SKEW_MS = 30_000;

/** The direction bit a side sends with. */
export function directionOf(side: CallRole): MediaDirection {
  return side === 'caller' ? 'caller-to-callee' : 'callee-to-caller';
}

/** The side that sends packets with `direction`. */
export function senderOf(direction: MediaDirection): CallRole {
  return direction === 'caller-to-callee' ? 'caller' : 'callee';
}

export interface ControlPacketInput {
  readonly kind: ControlPacketKind;
  readonly token: Uint8Array;
  readonly sessionId: number;
  readonly side: CallRole;
  /** Strictly increasing per side (BIND/KEEPALIVE); BIND_ACK echoes the BIND's counter. */
  readonly counter: number;
  /** Sender's clock in ms (Unix epoch); sent as whole seconds mod 2^32. */
  readonly nowMs: number;
}

/** A complete BIND / BIND_ACK / KEEPALIVE datagram. */
export function buildControlPacket(crypto: LeitungCrypto, input: ControlPacketInput): Uint8Array {
  const header = encodeMediaHeader({
    type: input.kind,
    direction: directionOf(input.side),
    sessionId: input.sessionId,
    sequence: input.counter >>> 0,
    timestamp: Math.floor(input.nowMs / 1000) % 2 ** 32,
  });
  return concat(header, controlTag(crypto, input.kind, input.token, header));
}

/** True when `packet` (a decoded BIND / BIND_ACK / KEEPALIVE) carries a valid tag for `token`. */
export function verifyControlPacket(crypto: LeitungCrypto, token: Uint8Array, packet: MediaPacket): boolean {
  const kind = packet.type;
  if (!isControlKind(kind) || packet.body.length !== MEDIA_TAG_SIZE) return false;
  return crypto.hmacVerify('sha256', token, [labelOf(kind), packet.header], packet.body, MEDIA_TAG_SIZE);
}

/**
 * Distance in ms between a packet's clock (Unix seconds mod 2^32) and the receiver's clock `nowMs`,
 * tolerant of wrap-around; whole-second resolution.
 */
export function clockSkewMs(timestamp: number, nowMs: number): number {
  const d = (Math.floor(nowMs / 1000) - timestamp) % 2 ** 32;
  const wrapped = d < 0 ? d + 2 ** 32 : d;
  return Math.min(wrapped, 2 ** 32 - wrapped) * 1000;
}

function controlTag(crypto: LeitungCrypto, kind: ControlPacketKind, token: Uint8Array, header: Uint8Array) {
  return crypto.hmac('sha256', token, [labelOf(kind), header]).slice(0, MEDIA_TAG_SIZE);
}

function isControlKind(kind: MediaPacketTypeName): kind is ControlPacketKind {
  return kind === 'BIND' || kind === 'BIND_ACK' || kind === 'KEEPALIVE';
}

function labelOf(kind: ControlPacketKind): Uint8Array {
  switch (kind) {
    case 'BIND':
      return LABEL_BIND;
    case 'BIND_ACK':
      return LABEL_BIND_ACK;
    case 'KEEPALIVE':
      return LABEL_KEEPALIVE;
  }
}
