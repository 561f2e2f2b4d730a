/**
 * Media keys of a call (docs/session-protocol.md §3, docs/design.md §5 step 4):
 * HKDF-SHA256(secret ‖ X25519(own, peer), salt = callId, info = "leitung/v1 media" ‖ callerId ‖ calleeId ‖
 * callerEphemeral ‖ calleeEphemeral) → callerToCallee ‖ calleeToCaller ‖ confirmKey. The ephemeral
 * X25519 share is what gives forward secrecy: the RSA-sealed secret alone does not determine the keys.
 */
import type { LeitungCrypto, X25519PrivateKey } from '@leitung/crypto';
import { concat } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { LABEL_CONFIRM, LABEL_MEDIA } from './labels.js';

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

export interface MediaKeyInput {
  readonly role: CallRole;
  readonly callId: Uint8Array;
  readonly callerId: Uint8Array;
  readonly calleeId: Uint8Array;
  readonly secret: Uint8Array;
  readonly ownEphemeral: X25519PrivateKey;
  readonly callerEphemeral: Uint8Array;
  readonly calleeEphemeral: Uint8Array;
}

/** Media keys and the confirmation tag for one side. Throws CRYPTO_ERR_ZERO_SHARED_SECRET for a low-order peer key. */
export function deriveMediaKeys(
  crypto: LeitungCrypto,
  input: MediaKeyInput,
): { keys: MediaKeys; confirm: Uint8Array } {
  const peer = input.role === 'caller' ? input.calleeEphemeral : input.callerEphemeral;
  const shared = crypto.x25519(input.ownEphemeral, peer);
  const ikm = concat(input.secret, shared);
  const okm = crypto.hkdf(
    'sha256',
    ikm,
    input.callId,
    concat(LABEL_MEDIA, input.callerId, input.calleeId, input.callerEphemeral, input.calleeEphemeral),
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
