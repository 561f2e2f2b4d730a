/**
 * Call signalling and media grants (docs/design.md §5, §6). The relay routes by client id and states the
 * caller's authenticated id itself (docs/lessons.md #7); call data is sealed end to end and opaque here.
 */
import { bytes, enumOf, optional, struct, u32, u64, utf8, varBytes } from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';
import { defineMessage } from './message-definition.js';

/** Caller → relay. Asks the relay to ring `callee`. */
export interface CallRequest {
  type: 'CALL_REQUEST';
  /** Random call id chosen by the caller. 16 bytes. */
  callId: Uint8Array;
  /** The callee's client id. 32 bytes. */
  callee: Uint8Array;
  /** Call data signed by the caller and sealed to the callee. ≤ 4096 bytes. */
  sealedCallData: Uint8Array;
}

export const callRequestMessage = defineMessage<CallRequest>()(
  'CALL_REQUEST',
  'client',
  struct({
    callId: bytes(L.callIdBytes),
    callee: bytes(L.clientIdBytes),
    sealedCallData: varBytes(L.sealedCallDataMaxBytes),
  }),
);

/** Relay → callee. Someone is calling. */
export interface IncomingCall {
  type: 'INCOMING_CALL';
  /** The caller's call id. 16 bytes. */
  callId: Uint8Array;
  /** The caller's client id, taken by the relay from the caller's authenticated connection. 32 bytes. */
  caller: Uint8Array;
  /** The caller's bound directory name (display only). ≤ 64 bytes. */
  callerName: string;
  /** The CALL_REQUEST's sealed call data, unchanged. ≤ 4096 bytes. */
  sealedCallData: Uint8Array;
}

export const incomingCallMessage = defineMessage<IncomingCall>()(
  'INCOMING_CALL',
  'relay',
  struct({
    callId: bytes(L.callIdBytes),
    caller: bytes(L.clientIdBytes),
    callerName: utf8(L.nameMaxBytes),
    sealedCallData: varBytes(L.sealedCallDataMaxBytes),
  }),
);

/** The callee's answer. */
export type CallDecision = 'accept' | 'reject' | 'busy';

/** Callee → relay → caller. The callee's answer to INCOMING_CALL. */
export interface CallResponse {
  type: 'CALL_RESPONSE';
  /** The call's id. 16 bytes. */
  callId: Uint8Array;
  /** Accept, reject or busy. */
  decision: CallDecision;
  /** Callee's ephemeral X25519 public key; present exactly when accepting. 32 bytes. */
  ephemeral?: Uint8Array;
  /** Callee's key confirmation (format: docs/protocol.md, call keys). ≤ 1024 bytes. */
  confirm?: Uint8Array;
  /**
   * Callee's ML-KEM-768 ciphertext to the caller's encapsulation key (the post-quantum share,
   * docs/session-protocol.md §3); present exactly when accepting. 1 088 bytes.
   */
  kem?: Uint8Array;
}

export const callResponseMessage = defineMessage<CallResponse>()(
  'CALL_RESPONSE',
  'either',
  struct({
    callId: bytes(L.callIdBytes),
    decision: enumOf(['accept', 'reject', 'busy']),
    ephemeral: optional(bytes(L.x25519PublicKeyBytes)),
    confirm: optional(varBytes(L.confirmMaxBytes)),
    kem: optional(bytes(L.kemCipherTextBytes)),
  }),
);

/** Why a call ended. */
export type CallEndReason =
  | 'hangup'
  | 'rejected'
  | 'busy'
  | 'offline'
  | 'timeout'
  | 'error'
  | 'relay-shutdown';

/** Either side. Ends (or refuses) a call; the relay frees the call's state and media session. */
export interface CallEnd {
  type: 'CALL_END';
  /** The call's id. 16 bytes. */
  callId: Uint8Array;
  /** Why the call ended. */
  reason: CallEndReason;
}

export const callEndMessage = defineMessage<CallEnd>()(
  'CALL_END',
  'either',
  struct({
    callId: bytes(L.callIdBytes),
    reason: enumOf(['hangup', 'rejected', 'busy', 'offline', 'timeout', 'error', 'relay-shutdown']),
  }),
);

/** Client → relay after failover (docs/design.md §6). Continue a live call through this relay, keys unchanged. */
export interface CallResume {
  type: 'CALL_RESUME';
  /** The call's id. 16 bytes. */
  callId: Uint8Array;
  /** The other party's client id. 32 bytes. */
  peer: Uint8Array;
  /** Highest media sequence number this client sent before the failover. u32. */
  lastSequence?: number;
}

export const callResumeMessage = defineMessage<CallResume>()(
  'CALL_RESUME',
  'client',
  struct({ callId: bytes(L.callIdBytes), peer: bytes(L.clientIdBytes), lastSequence: optional(u32) }),
);

/** Which party of a call a media grant is for. */
export type CallSide = 'caller' | 'callee';

/** Relay → each party. A media session on the relay's UDP port and the token to bind to it. */
export interface MediaGrant {
  type: 'MEDIA_GRANT';
  /** The call's id. 16 bytes. */
  callId: Uint8Array;
  /** Media session id, the `sessionId` of every UDP packet of this call. u32. */
  sessionId: number;
  /** Secret the party proves in its UDP BIND. 32 bytes. */
  token: Uint8Array;
  /** The party this grant is for; fixes its direction bit. */
  side: CallSide;
  /** Time after which an unbound session is freed, milliseconds since the Unix epoch. u64. */
  expiresAt: number;
  /**
   * The relay that hosts the media session, by its fingerprint (relay cluster, docs/protocol.md §4.5):
   * the client binds to that relay of its pinned relay list. Absent: the relay sending the grant. 32 bytes.
   * Never an address: clients never learn each other's addresses (docs/design.md §3.6).
   */
  mediaRelay?: Uint8Array;
}

export const mediaGrantMessage = defineMessage<MediaGrant>()(
  'MEDIA_GRANT',
  'relay',
  struct({
    callId: bytes(L.callIdBytes),
    sessionId: u32,
    token: bytes(L.mediaTokenBytes),
    side: enumOf(['caller', 'callee']),
    expiresAt: u64,
    mediaRelay: optional(bytes(L.relayFingerprintBytes)),
  }),
);
