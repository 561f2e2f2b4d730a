/**
 * BIND, BIND_ACK, KEEPALIVE, BIND_CHALLENGE and BIND_CONFIRM packets (docs/session-protocol.md §4,
 * docs/design.md §5 step 5). BIND, BIND_ACK and KEEPALIVE prove knowledge of the side's grant token with a
 * 16-byte HMAC over the 14-byte header under a per-type label; BIND_CONFIRM proves it over the header and
 * the relay nonce it echoes. BIND_CHALLENGE carries only the relay's nonce (the relay computes it; it is
 * not authenticated to the client, whose only answer is one BIND_CONFIRM per BIND it sent). The header's
 * sequence is a strictly increasing per-side counter and its timestamp the sender's Unix time in seconds
 * mod 2^32 (docs/protocol.md §5), so the relay can refuse a captured BIND replayed from another address.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import {
  encodeMediaHeader,
  MEDIA_NONCE_SIZE,
  MEDIA_TAG_SIZE,
  type MediaDirection,
  type MediaPacket,
  type MediaPacketTypeName,
} from '@leitung/wire';
import { concat } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { LABEL_BIND, LABEL_BIND_ACK, LABEL_BIND_CONFIRM, LABEL_KEEPALIVE } from './labels.js';
import type { CallRole } from './media-keys.js';

/** The control packets whose body is just the token's tag ({@link buildControlPacket}). */
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

/**
 * Input of `buildControlPacket`: packet kind, the side's 32-byte grant token, media session id, side, control
 * counter and clock (ms) (docs/session-protocol.md §4.1).
 */
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

/**
 * Input of `buildBindChallenge` (relay side): session id, the side and counter of the BIND answered, the
 * relay clock (ms) and its 16-byte nonce (docs/session-protocol.md §4.1).
 */
export interface BindChallengeInput {
  readonly sessionId: number;
  /** The side whose BIND is answered (its direction bit). */
  readonly side: CallRole;
  /** The counter of the BIND answered. */
  readonly counter: number;
  /** Relay's clock in ms (Unix epoch); sent as whole seconds mod 2^32. */
  readonly nowMs: number;
  /** The relay's nonce, `MEDIA_NONCE_SIZE` (16) bytes of @leitung/wire. */
  readonly nonce: Uint8Array;
}

/**
 * A BIND_CHALLENGE datagram: header ‖ nonce, exactly as long as the BIND it answers, so a relay that
 * answers BINDs from unconfirmed addresses never sends them more than they sent (docs/session-protocol.md §4).
 */
export function buildBindChallenge(input: BindChallengeInput): Uint8Array {
  if (input.nonce.length !== MEDIA_NONCE_SIZE) throw invalidNonce();
  const header = encodeMediaHeader({
    type: 'BIND_CHALLENGE',
    direction: directionOf(input.side),
    sessionId: input.sessionId,
    sequence: input.counter >>> 0,
    timestamp: Math.floor(input.nowMs / 1000) % 2 ** 32,
  });
  return concat(header, input.nonce);
}

/**
 * Input of `buildBindConfirm`: the side's grant token, session id, side, next control counter, clock (ms) and
 * the BIND_CHALLENGE nonce it echoes (docs/session-protocol.md §4.1–4.2).
 */
export interface BindConfirmInput {
  readonly token: Uint8Array;
  readonly sessionId: number;
  readonly side: CallRole;
  /** Strictly increasing per side, shared with BIND and KEEPALIVE. */
  readonly counter: number;
  /** Sender's clock in ms (Unix epoch); sent as whole seconds mod 2^32. */
  readonly nowMs: number;
  /** The nonce of the BIND_CHALLENGE answered. */
  readonly nonce: Uint8Array;
}

/** A BIND_CONFIRM datagram: header ‖ nonce ‖ HMAC(token, "leitung/v1 bind-confirm" ‖ header ‖ nonce)[0..16]. */
export function buildBindConfirm(crypto: LeitungCrypto, input: BindConfirmInput): Uint8Array {
  if (input.nonce.length !== MEDIA_NONCE_SIZE) throw invalidNonce();
  const header = encodeMediaHeader({
    type: 'BIND_CONFIRM',
    direction: directionOf(input.side),
    sessionId: input.sessionId,
    sequence: input.counter >>> 0,
    timestamp: Math.floor(input.nowMs / 1000) % 2 ** 32,
  });
  const tag = crypto.hmac('sha256', input.token, [LABEL_BIND_CONFIRM, header, input.nonce]);
  return concat(header, input.nonce, tag.subarray(0, MEDIA_TAG_SIZE));
}

/**
 * True when `packet` (a decoded BIND / BIND_ACK / KEEPALIVE / BIND_CONFIRM) carries a valid tag for
 * `token`. A BIND_CONFIRM's nonce is covered by the tag; whether it is the relay's is the relay's check.
 */
export function verifyControlPacket(crypto: LeitungCrypto, token: Uint8Array, packet: MediaPacket): boolean {
  const kind = packet.type;
  const body = packet.body;
  if (kind === 'BIND_CONFIRM') {
    if (body.length !== MEDIA_NONCE_SIZE + MEDIA_TAG_SIZE) return false;
    const nonce = body.subarray(0, MEDIA_NONCE_SIZE);
    const tag = body.subarray(MEDIA_NONCE_SIZE);
    return crypto.hmacVerify(
      'sha256',
      token,
      [LABEL_BIND_CONFIRM, packet.header, nonce],
      tag,
      MEDIA_TAG_SIZE,
    );
  }
  if (!isControlKind(kind) || body.length !== MEDIA_TAG_SIZE) return false;
  return crypto.hmacVerify('sha256', token, [labelOf(kind), packet.header], body, MEDIA_TAG_SIZE);
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

function invalidNonce(): SessionError {
  return new SessionError(SessionErrorCode.InvalidArgument, `nonce must be ${MEDIA_NONCE_SIZE} bytes`);
}
