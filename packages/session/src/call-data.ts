/**
 * The call data a caller signs and seals to the callee (docs/session-protocol.md §3, docs/design.md §5):
 *
 *   "LCD2" ‖ callId(16) ‖ callerId(32) ‖ calleeId(32) ‖ secret(48) ‖ callerEphemeral(32) ‖ callerKem(1184)
 *   ‖ u64(time ms) ‖ u8(count) ‖ codecs(count) [‖ u16(n) ‖ treeHead(n)]
 *
 * `callerKem` is the caller's ML-KEM-768 encapsulation key: every call has a post-quantum share
 * (docs/session-protocol.md §3 "Hybrid call keys"). Version 1 call data ("LCD1", without it) is refused with
 * SESSION_ERR_PQ_REQUIRED — there is no classical-only fallback a relay could force.
 *
 * The optional tail is the caller's last accepted signed tree head, opaque here (the encoded signed head
 * of @leitung/merkle): gossip between the parties of a call, so a relay that shows them two different
 * logs is caught (docs/key-transparency.md "Gossip in calls"). Signed with the rest.
 *
 * Fixed offsets, one encoding per value: the signature covers exactly these bytes.
 */
import { SessionError, SessionErrorCode } from './errors.js';

/**
 * Bytes of a call id: random per call, chosen by the caller, signed in the call data and used as the salt of
 * the media-key HKDF (docs/session-protocol.md §3).
 */
export const CALL_ID_BYTES = 16;
export const CLIENT_ID_BYTES = 32;
/** The seed's call secret: 16-byte IV ‖ 32-byte AES key. */
export const CALL_SECRET_BYTES = 48;
export const EPHEMERAL_BYTES = 32;
/** ML-KEM-768 encapsulation key (FIPS 203). */
export const KEM_PUBLIC_KEY_BYTES = 1184;
const MAGIC = [0x4c, 0x43, 0x44, 0x32]; // "LCD2"
const MAGIC_V1 = [0x4c, 0x43, 0x44, 0x31]; // "LCD1": classical only, refused
const FIXED_BYTES =
  4 +
  CALL_ID_BYTES +
  2 * CLIENT_ID_BYTES +
  CALL_SECRET_BYTES +
  EPHEMERAL_BYTES +
  KEM_PUBLIC_KEY_BYTES +
  8 +
  1;
export const MAX_CODECS = 16;
/** Bound on the gossiped head (an RSA-4096 signed head is ~600 bytes). */
export const MAX_GOSSIP_HEAD_BYTES = 2048;

/**
 * The call data a caller signs and seals to the callee (docs/session-protocol.md §3): ids, the 48-byte call
 * secret, the caller's X25519 and ML-KEM-768 public keys, time, codecs and an optional gossiped tree head.
 */
export interface CallData {
  readonly callId: Uint8Array;
  readonly callerId: Uint8Array;
  readonly calleeId: Uint8Array;
  readonly secret: Uint8Array;
  readonly callerEphemeral: Uint8Array;
  /** The caller's ML-KEM-768 encapsulation key (1 184 bytes). */
  readonly callerKem: Uint8Array;
  /** Caller's clock when the offer was made, ms since the Unix epoch. */
  readonly time: number;
  /** Codec ids the caller offers, in preference order. */
  readonly codecs: readonly number[];
  /** The caller's last accepted signed tree head, encoded (opaque here); absent when it has none. */
  readonly treeHead?: Uint8Array | undefined;
}

/**
 * The canonical `LCD2` bytes of `data` (fixed offsets, one encoding per value), which the caller's signature
 * covers; SESSION_ERR_INVALID_ARGUMENT for a field of the wrong size or range.
 */
export function encodeCallData(data: CallData): Uint8Array {
  const fields: [string, Uint8Array, number][] = [
    ['callId', data.callId, CALL_ID_BYTES],
    ['callerId', data.callerId, CLIENT_ID_BYTES],
    ['calleeId', data.calleeId, CLIENT_ID_BYTES],
    ['secret', data.secret, CALL_SECRET_BYTES],
    ['callerEphemeral', data.callerEphemeral, EPHEMERAL_BYTES],
    ['callerKem', data.callerKem, KEM_PUBLIC_KEY_BYTES],
  ];
  for (const [name, value, length] of fields) {
    if (!(value instanceof Uint8Array) || value.length !== length)
      throw invalid(`${name} must be ${length} bytes`);
  }
  if (!Number.isSafeInteger(data.time) || data.time < 0) throw invalid('time must be a non-negative integer');
  if (data.codecs.length > MAX_CODECS || data.codecs.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw invalid(`codecs must be at most ${MAX_CODECS} ids of 0..255`);
  }
  const head = data.treeHead;
  if (head !== undefined && (head.length === 0 || head.length > MAX_GOSSIP_HEAD_BYTES)) {
    throw invalid(`treeHead must be 1..${MAX_GOSSIP_HEAD_BYTES} bytes`);
  }
  const out = new Uint8Array(FIXED_BYTES + data.codecs.length + (head === undefined ? 0 : 2 + head.length));
  out.set(MAGIC, 0);
  let offset = 4;
  for (const [, value] of fields) {
    out.set(value, offset);
    offset += value.length;
  }
  new DataView(out.buffer).setBigUint64(offset, BigInt(data.time));
  offset += 8;
  out[offset++] = data.codecs.length;
  out.set(data.codecs, offset);
  offset += data.codecs.length;
  if (head !== undefined) {
    new DataView(out.buffer).setUint16(offset, head.length);
    out.set(head, offset + 2);
  }
  return out;
}

/** Parses call data; SESSION_ERR_CALL_DATA_INVALID for anything but the exact layout. */
export function decodeCallData(bytes: Uint8Array): CallData {
  if (bytes.length >= 4 && MAGIC_V1.every((b, i) => bytes[i] === b)) {
    throw new SessionError(
      SessionErrorCode.PqRequired,
      'classical-only call data (version 1) is refused: every call needs its post-quantum share',
    );
  }
  if (bytes.length < FIXED_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) throw malformed();
  const count = bytes[FIXED_BYTES - 1]!;
  if (count > MAX_CODECS || bytes.length < FIXED_BYTES + count) throw malformed();
  const tail = bytes.length - FIXED_BYTES - count;
  let headLength = 0;
  if (tail > 0) {
    if (tail < 3) throw malformed();
    headLength = new DataView(bytes.buffer, bytes.byteOffset + FIXED_BYTES + count, 2).getUint16(0);
    if (headLength === 0 || headLength > MAX_GOSSIP_HEAD_BYTES || tail !== 2 + headLength) throw malformed();
  }
  let offset = 4;
  const take = (length: number): Uint8Array => {
    const v = bytes.slice(offset, offset + length);
    offset += length;
    return v;
  };
  const callId = take(CALL_ID_BYTES);
  const callerId = take(CLIENT_ID_BYTES);
  const calleeId = take(CLIENT_ID_BYTES);
  const secret = take(CALL_SECRET_BYTES);
  const callerEphemeral = take(EPHEMERAL_BYTES);
  const callerKem = take(KEM_PUBLIC_KEY_BYTES);
  const time = new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed();
  offset += 9;
  return {
    callId,
    callerId,
    calleeId,
    secret,
    callerEphemeral,
    callerKem,
    time: Number(time),
    codecs: [...take(count)],
    ...(headLength === 0 ? {} : { treeHead: bytes.slice(offset + 2, offset + 2 + headLength) }),
  };
}

function invalid(message: string): SessionError {
  return new SessionError(SessionErrorCode.InvalidArgument, message);
}

function malformed(): SessionError {
  return new SessionError(SessionErrorCode.CallDataInvalid, 'call data is malformed');
}
