/**
 * Media keys of a call (docs/session-protocol.md §3 "Hybrid call keys", docs/design.md §5 step 4):
 *
 *   ikm  = secret(48) ‖ X25519(own, peer)(32) ‖ ML-KEM-768 shared secret(32)
 *   info = "leitung/v1 media" ‖ callerId ‖ calleeId ‖ callerEphemeral ‖ calleeEphemeral
 *          ‖ SHA3-256(callerKem) ‖ SHA3-256(kemCipherText)
 *   HKDF-SHA256(ikm, salt = callId, info) → callerToCallee ‖ calleeToCaller ‖ confirmKey
 *
 * Three independent secrets, each enough on its own against a classical attacker: the RSA-sealed secret, the
 * ephemeral X25519 share (forward secrecy) and the ML-KEM-768 share (forward secrecy against a future
 * quantum computer: harvest now, decrypt later). As in X-Wing, both X25519 public values and the KEM's
 * public key and ciphertext are bound into the derivation, so the key confirmation covers every share.
 */
import type { LeitungCrypto, X25519PrivateKey } from '@leitung/crypto';
import { concat } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { LABEL_CONFIRM, LABEL_MEDIA } from './labels.js';

/**
 * Which side of a call: the `caller` made the offer, the `callee` accepted it. Fixes key directions and the
 * media direction bit.
 */
export type CallRole = 'caller' | 'callee';

/** The two direction keys of a call, seen from one side. */
export class MediaKeys {
  readonly role: CallRole;
  readonly callId: Uint8Array;
  readonly #send: Uint8Array;
  readonly #receive: Uint8Array;
  #destroyed = false;

  constructor(role: CallRole, callId: Uint8Array, send: Uint8Array, receive: Uint8Array) {
    this.role = role;
    this.callId = callId;
    this.#send = send;
    this.#receive = receive;
  }

  /** Key material of the packet cipher for what this side sends. */
  get sendKey(): Uint8Array {
    return this.#live(this.#send);
  }

  /** Key material of the packet cipher for what this side receives. */
  get receiveKey(): Uint8Array {
    return this.#live(this.#receive);
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Erases both keys (hang-up). Idempotent. */
  destroy(): void {
    this.#send.fill(0);
    this.#receive.fill(0);
    this.#destroyed = true;
  }

  #live(key: Uint8Array): Uint8Array {
    if (this.#destroyed) throw new SessionError(SessionErrorCode.Destroyed, 'media keys were erased');
    return key;
  }
}

/**
 * Input of `deriveMediaKeys`: the call's ids, 48-byte secret, own X25519 key, both ephemeral public values
 * and the ML-KEM-768 share, all bound into the hybrid HKDF (docs/session-protocol.md §3 "Hybrid call keys").
 */
export interface MediaKeyInput {
  readonly role: CallRole;
  readonly callId: Uint8Array;
  readonly callerId: Uint8Array;
  readonly calleeId: Uint8Array;
  readonly secret: Uint8Array;
  readonly ownEphemeral: X25519PrivateKey;
  readonly callerEphemeral: Uint8Array;
  readonly calleeEphemeral: Uint8Array;
  /** The ML-KEM-768 shared secret (32 bytes): encapsulated by the callee, decapsulated by the caller. */
  readonly kemSecret: Uint8Array;
  /** The caller's encapsulation key and the callee's ciphertext, bound into `info`. */
  readonly callerKem: Uint8Array;
  readonly kemCipherText: Uint8Array;
}

/** Media keys and the confirmation tag for one side. Throws CRYPTO_ERR_ZERO_SHARED_SECRET for a low-order peer key. */
export function deriveMediaKeys(
  crypto: LeitungCrypto,
  input: MediaKeyInput,
): { keys: MediaKeys; confirm: Uint8Array } {
  const peer = input.role === 'caller' ? input.calleeEphemeral : input.callerEphemeral;
  const shared = crypto.x25519(input.ownEphemeral, peer);
  const ikm = concat(input.secret, shared, input.kemSecret);
  const okm = crypto.hkdf(
    'sha256',
    ikm,
    input.callId,
    concat(
      LABEL_MEDIA,
      input.callerId,
      input.calleeId,
      input.callerEphemeral,
      input.calleeEphemeral,
      crypto.sha3_256(input.callerKem),
      crypto.sha3_256(input.kemCipherText),
    ),
    96,
  );
  shared.fill(0);
  ikm.fill(0);
  const callerToCallee = okm.slice(0, 32);
  const calleeToCaller = okm.slice(32, 64);
  const confirmKey = okm.slice(64, 96);
  okm.fill(0);
  const confirm = crypto.hmac('sha256', confirmKey, concat(LABEL_CONFIRM, input.callId)).slice(0, 16);
  confirmKey.fill(0);
  const keys =
    input.role === 'caller'
      ? new MediaKeys('caller', input.callId, callerToCallee, calleeToCaller)
      : new MediaKeys('callee', input.callId, calleeToCaller, callerToCallee);
  return { keys, confirm };
}
