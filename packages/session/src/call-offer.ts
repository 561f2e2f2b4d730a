/**
 * Both ends of call setup (docs/session-protocol.md §3, docs/design.md §5). The caller signs and seals call
 * data to the callee; the callee checks it against the caller the relay authenticated, the caller's
 * directory key, its own id, freshness and replay; accept adds the callee's X25519 share, the ML-KEM-768
 * ciphertext to the caller's encapsulation key (the post-quantum share) and a key confirmation over all of it.
 * Secrets, ephemeral keys and the decapsulation key are erased as soon as the media keys exist.
 */
import type {
  LeitungCrypto,
  MlKemKeyPair,
  MlKemPrivateKey,
  RsaPrivateKey,
  RsaPublicKey,
  X25519PrivateKey,
} from '@leitung/crypto';
import { bytesEqual, concat, lengthPrefixed } from './bytes.js';
import {
  CALL_ID_BYTES,
  CALL_SECRET_BYTES,
  type CallData,
  decodeCallData,
  encodeCallData,
} from './call-data.js';
import type { CallIdReplayGuard } from './call-id-replay-guard.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { clientIdOf } from './identity.js';
import {
  type IdentityOperation,
  type IdentityOperationResult,
  runIdentityOperation,
} from './identity-operation.js';
import { LABEL_CALL_DATA } from './labels.js';
import { deriveMediaKeys, type MediaKeys } from './media-keys.js';

/**
 * The key exchange every call uses (docs/session-protocol.md §3 "Hybrid call keys"); there is no other, so a
 * call that is set up at all has post-quantum keys.
 */
export const CALL_KEY_EXCHANGE = 'ML-KEM-768 + X25519 + RSA-OAEP-4096';

/** How far the offer's time may be from the callee's clock (docs/design.md §5 "freshness"). */
export const CALL_OFFER_MAX_SKEW_MS = 30_000;
const MAX_SIGNATURE_BYTES = 1024;

/**
 * How this module reaches the secrets of a PendingCall and an OpenedOffer. Set by the classes' static
 * blocks and never exported: no code outside this file can read a call secret, not even by calling a
 * method (docs/session-protocol.md §3; the secrets only ever feed deriveMediaKeys below).
 */
let pendingMaterial!: (pending: PendingCall) => {
  secret: Uint8Array;
  ephemeral: X25519PrivateKey;
  kem: MlKemPrivateKey;
};
let openedSecret!: (offer: OpenedOffer) => Uint8Array;

/** Caller-side state between CALL_REQUEST and CALL_RESPONSE. */
export class PendingCall {
  readonly callId: Uint8Array;
  readonly callerId: Uint8Array;
  readonly calleeId: Uint8Array;
  /** The caller's ML-KEM-768 encapsulation key sent in the offer. */
  readonly callerKem: Uint8Array;
  readonly #secret: Uint8Array;
  readonly #ephemeral: X25519PrivateKey;
  readonly #kem: MlKemPrivateKey;

  constructor(data: CallData, ephemeral: X25519PrivateKey, kem: MlKemPrivateKey) {
    this.callId = data.callId;
    this.callerId = data.callerId;
    this.calleeId = data.calleeId;
    this.callerKem = data.callerKem;
    this.#secret = data.secret;
    this.#ephemeral = ephemeral;
    this.#kem = kem;
  }

  static {
    pendingMaterial = (pending) => {
      if (pending.#ephemeral.destroyed)
        throw new SessionError(SessionErrorCode.Destroyed, 'call secrets were erased');
      return { secret: pending.#secret, ephemeral: pending.#ephemeral, kem: pending.#kem };
    };
  }

  /** True once the secrets were erased (after `completeCall` or `destroy`). */
  get destroyed(): boolean {
    return this.#ephemeral.destroyed;
  }

  /**
   * Erases the call secret, the ephemeral X25519 key and the ML-KEM decapsulation key (reject, timeout,
   * hang-up). Idempotent.
   */
  destroy(): void {
    this.#secret.fill(0);
    this.#ephemeral.destroy();
    this.#kem.destroy();
  }
}

/**
 * Input of `createCallOffer`: the caller's crypto, id and key, the callee's id and directory key, the codecs
 * offered, the clock (ms since the Unix epoch) and the tree head to gossip.
 */
export interface CallOfferInput extends CallOfferDraftInput {
  readonly caller: { readonly id: Uint8Array; readonly privateKey: RsaPrivateKey };
}

/** Input of `beginCallOffer`: as {@link CallOfferInput}, without the caller's private key. */
export interface CallOfferDraftInput {
  readonly crypto: LeitungCrypto;
  readonly caller: { readonly id: Uint8Array };
  readonly callee: { readonly id: Uint8Array; readonly publicKey: RsaPublicKey };
  readonly codecs: readonly number[];
  readonly now: number;
  /** Fresh random if omitted. */
  readonly callId?: Uint8Array;
  /** The caller's last accepted signed tree head, encoded: gossiped to the callee (call-data.ts). */
  readonly treeHead?: Uint8Array | undefined;
  /**
   * The offer's ML-KEM-768 key pair, made ahead of the call while nothing waited for it (its generation is
   * most of an offer's draft); used for this offer only. A fresh one if omitted.
   */
  readonly kem?: MlKemKeyPair | undefined;
}

/** The CALL_REQUEST content and the caller's pending state. */
export interface CallOffer {
  readonly callId: Uint8Array;
  readonly sealedCallData: Uint8Array;
  readonly pending: PendingCall;
}

/** The CALL_REQUEST content and the caller's pending state. */
export function createCallOffer(input: CallOfferInput): CallOffer {
  const draft = beginCallOffer(input);
  return draft.finish(runIdentityOperation(input.crypto, input.caller.privateKey, draft.operation));
}

/**
 * The first half of `createCallOffer` (docs/session-protocol.md "Identity key operations"): the call data
 * with its fresh secrets, and the signature the caller's identity key must make over it. `finish` with that
 * signature seals the offer; `destroy` erases the secrets of an offer that will not be made.
 */
export function beginCallOffer(input: CallOfferDraftInput): CallOfferDraft {
  const { crypto } = input;
  const callId = input.callId ?? crypto.randomBytes(CALL_ID_BYTES);
  // Seed §2.3: the 48-byte secret (16-byte IV ‖ 32-byte key), all of it from the CSPRNG (docs/lessons.md #18).
  const secret = crypto.randomBytes(CALL_SECRET_BYTES);
  const ephemeral = crypto.generateX25519KeyPair();
  const kem = input.kem ?? crypto.generateMlKemKeyPair();
  const data: CallData = {
    callId,
    callerId: input.caller.id,
    calleeId: input.callee.id,
    secret,
    callerEphemeral: ephemeral.publicKey,
    callerKem: kem.publicKey,
    time: input.now,
    codecs: input.codecs,
    ...(input.treeHead === undefined ? {} : { treeHead: input.treeHead }),
  };
  return new CallOfferDraft(crypto, input.callee.publicKey, data, ephemeral.privateKey, kem.privateKey);
}

/** An offer waiting for the caller's signature (see {@link beginCallOffer}). */
export class CallOfferDraft {
  /** What the caller's identity key must sign. */
  readonly operation: IdentityOperation;
  readonly #crypto: LeitungCrypto;
  readonly #callee: RsaPublicKey;
  readonly #data: CallData;
  readonly #encoded: Uint8Array;
  readonly #ephemeral: X25519PrivateKey;
  readonly #kem: MlKemPrivateKey;
  #state: 'open' | 'finished' | 'destroyed' = 'open';

  constructor(
    crypto: LeitungCrypto,
    callee: RsaPublicKey,
    data: CallData,
    ephemeral: X25519PrivateKey,
    kem: MlKemPrivateKey,
  ) {
    this.#crypto = crypto;
    this.#callee = callee;
    this.#data = data;
    this.#encoded = encodeCallData(data);
    this.#ephemeral = ephemeral;
    this.#kem = kem;
    this.operation = { op: 'pss-sign', message: concat(LABEL_CALL_DATA, this.#encoded) };
  }

  /**
   * Seals the signed call data to the callee. A failed signature erases every secret and is
   * SESSION_ERR_KEY_OPERATION; a sealing that throws erases them too; SESSION_ERR_DESTROYED after `finish`
   * or `destroy`.
   */
  finish(signature: IdentityOperationResult): CallOffer {
    if (this.#state !== 'open')
      throw new SessionError(SessionErrorCode.Destroyed, 'offer already made or erased');
    if (!signature.ok) {
      this.destroy();
      throw new SessionError(SessionErrorCode.KeyOperation, 'the identity key did not sign the call data', {
        cause: signature.error,
      });
    }
    const plaintext = concat(lengthPrefixed(this.#encoded), lengthPrefixed(signature.value));
    let sealedCallData: Uint8Array;
    try {
      sealedCallData = this.#crypto.seal(this.#callee, plaintext);
    } catch (error) {
      // Nothing was made: every secret goes, as for a failed signature.
      this.destroy();
      throw error;
    } finally {
      plaintext.fill(0);
    }
    this.#state = 'finished';
    this.#encoded.fill(0);
    return {
      callId: this.#data.callId,
      sealedCallData,
      pending: new PendingCall(this.#data, this.#ephemeral, this.#kem),
    };
  }

  /** Erases the secrets of an offer that will not be made (the call ended while signing). Idempotent. */
  destroy(): void {
    if (this.#state !== 'open') return;
    this.#state = 'destroyed';
    this.#encoded.fill(0);
    this.#data.secret.fill(0);
    this.#ephemeral.destroy();
    this.#kem.destroy();
  }
}

/** A verified incoming offer, callee side. */
export class OpenedOffer {
  readonly callId: Uint8Array;
  readonly callerId: Uint8Array;
  readonly calleeId: Uint8Array;
  readonly callerEphemeral: Uint8Array;
  /** The caller's ML-KEM-768 encapsulation key; accepting encapsulates to it. */
  readonly callerKem: Uint8Array;
  readonly time: number;
  readonly codecs: readonly number[];
  /** The caller's gossiped signed tree head (encoded), signed with the offer; the callee compares it. */
  readonly treeHead: Uint8Array | undefined;
  readonly #secret: Uint8Array;
  #destroyed = false;

  constructor(data: CallData) {
    this.callId = data.callId;
    this.callerId = data.callerId;
    this.calleeId = data.calleeId;
    this.callerEphemeral = data.callerEphemeral;
    this.callerKem = data.callerKem;
    this.time = data.time;
    this.codecs = data.codecs;
    this.treeHead = data.treeHead;
    this.#secret = data.secret;
  }

  static {
    openedSecret = (offer) => {
      if (offer.#destroyed) throw new SessionError(SessionErrorCode.Destroyed, 'call secret was erased');
      return offer.#secret;
    };
  }

  /** True once the secret was erased (after `acceptOffer` or `destroy`). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Erases the call secret (reject, busy, timeout). Idempotent. */
  destroy(): void {
    this.#secret.fill(0);
    this.#destroyed = true;
  }
}

/**
 * Input of `openCallOffer`: the sealed call data with the ids the relay stated in INCOMING_CALL, the callee's
 * key, the caller's inclusion-verified directory key, the clock (ms) and the replay guard (§3 of
 * docs/session-protocol.md).
 */
export interface OpenOfferInput extends OpenedOfferCheck {
  readonly callee: { readonly id: Uint8Array; readonly privateKey: RsaPrivateKey };
}

/** Input of `finishOpenCallOffer`: as {@link OpenOfferInput}, without the callee's private key. */
export interface OpenedOfferCheck {
  readonly crypto: LeitungCrypto;
  readonly sealedCallData: Uint8Array;
  /** The call id the relay stated in INCOMING_CALL. */
  readonly statedCallId: Uint8Array;
  readonly callee: { readonly id: Uint8Array };
  /** The caller id the relay stated in INCOMING_CALL (from its authenticated connection). */
  readonly statedCallerId: Uint8Array;
  /** The caller's key from the directory, inclusion-verified (and pinned) by the callee. */
  readonly callerPublicKey: RsaPublicKey;
  readonly now: number;
  readonly replayGuard: CallIdReplayGuard;
}

/** Opens and checks an offer; each failed check has its own SessionError code. */
export function openCallOffer(input: OpenOfferInput): OpenedOffer {
  const operation = callOfferOpening(input.crypto, input.sealedCallData);
  const unwrapped =
    operation === undefined
      ? undefined
      : runIdentityOperation(input.crypto, input.callee.privateKey, operation);
  return finishOpenCallOffer(input, unwrapped);
}

/**
 * The first half of `openCallOffer` (docs/session-protocol.md "Identity key operations"): the decryption of
 * the sealed call data's wrapped secret that the callee's identity key must run; undefined when the call
 * data is not a sealed box at all (then `finishOpenCallOffer(input, undefined)` refuses it).
 */
export function callOfferOpening(
  crypto: LeitungCrypto,
  sealedCallData: Uint8Array,
): IdentityOperation | undefined {
  const wrapped = crypto.sealedBoxWrappedSecret(sealedCallData);
  return wrapped === undefined ? undefined : { op: 'oaep-decrypt', ...wrapped };
}

/**
 * The second half of `openCallOffer`: opens the call data with what its wrapped secret decrypted to, or
 * fails as a bad tag would when it did not (one SESSION_ERR_CALL_DATA_INVALID, no oracle), then every check.
 */
export function finishOpenCallOffer(
  input: OpenedOfferCheck,
  unwrapped: IdentityOperationResult | undefined,
): OpenedOffer {
  const { crypto } = input;
  let plaintext: Uint8Array;
  try {
    plaintext = crypto.openUnwrapped(
      input.sealedCallData,
      unwrapped?.ok === true ? unwrapped.value : undefined,
    );
  } catch (error) {
    throw new SessionError(SessionErrorCode.CallDataInvalid, 'call data does not open for this callee', {
      cause: error,
    });
  }
  const { encoded, signature } = splitSigned(plaintext);
  const data = decodeCallData(encoded);
  const offer = new OpenedOffer(data);
  try {
    if (!bytesEqual(clientIdOf(crypto, input.callerPublicKey), input.statedCallerId)) {
      throw new SessionError(
        SessionErrorCode.EntryMismatch,
        'caller key does not belong to the stated caller',
      );
    }
    // The caller is who the relay authenticated, never who the message claims (docs/lessons.md #7).
    if (!bytesEqual(data.callerId, input.statedCallerId)) {
      throw new SessionError(SessionErrorCode.CallerMismatch, 'call data names another caller');
    }
    if (!bytesEqual(data.callId, input.statedCallId)) {
      throw new SessionError(SessionErrorCode.CallDataInvalid, 'call data is for another call id');
    }
    if (!crypto.verify(input.callerPublicKey, concat(LABEL_CALL_DATA, encoded), signature)) {
      throw new SessionError(SessionErrorCode.CallSignature, 'caller signature does not verify');
    }
    if (!bytesEqual(data.calleeId, input.callee.id)) {
      throw new SessionError(SessionErrorCode.CalleeMismatch, 'call data is addressed to someone else');
    }
    if (Math.abs(input.now - data.time) > CALL_OFFER_MAX_SKEW_MS) {
      throw new SessionError(SessionErrorCode.CallStale, 'call offer is not fresh');
    }
    if (!input.replayGuard.admit(data.callId, input.now)) {
      throw new SessionError(SessionErrorCode.CallReplay, 'call id was offered before');
    }
    return offer;
  } catch (error) {
    offer.destroy();
    throw error;
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Accepting: the callee's X25519 share, the ML-KEM-768 ciphertext (`kem`), the confirmation tag and the
 * callee's media keys. Erases the secret. SESSION_ERR_CONFIRM when the caller's encapsulation key fails the
 * FIPS 203 check (the offer cannot give a post-quantum share: refused, not downgraded).
 */
export function acceptOffer(
  crypto: LeitungCrypto,
  offer: OpenedOffer,
): { ephemeral: Uint8Array; kem: Uint8Array; confirm: Uint8Array; keys: MediaKeys } {
  const own = crypto.generateX25519KeyPair();
  let encapsulated: { cipherText: Uint8Array; sharedSecret: Uint8Array } | undefined;
  try {
    try {
      encapsulated = crypto.mlKemEncapsulate(offer.callerKem);
    } catch (error) {
      throw new SessionError(SessionErrorCode.PqRequired, 'the offer has no usable post-quantum key', {
        cause: error,
      });
    }
    const { keys, confirm } = deriveMediaKeys(crypto, {
      role: 'callee',
      callId: offer.callId,
      callerId: offer.callerId,
      calleeId: offer.calleeId,
      secret: openedSecret(offer),
      ownEphemeral: own.privateKey,
      callerEphemeral: offer.callerEphemeral,
      calleeEphemeral: own.publicKey,
      kemSecret: encapsulated.sharedSecret,
      callerKem: offer.callerKem,
      kemCipherText: encapsulated.cipherText,
    });
    return { ephemeral: own.publicKey, kem: encapsulated.cipherText, confirm, keys };
  } finally {
    encapsulated?.sharedSecret.fill(0);
    own.privateKey.destroy();
    offer.destroy();
  }
}

/**
 * Caller side on CALL_RESPONSE accept: decapsulates the post-quantum share, checks the confirmation, returns
 * the media keys and erases every secret. SESSION_ERR_PQ_REQUIRED when the answer carries no ML-KEM
 * ciphertext (a relay stripping it cannot downgrade the call); SESSION_ERR_CONFIRM for anything that does
 * not reproduce the callee's keys (a wrong or swapped share, a substituted ciphertext).
 */
export function completeCall(
  crypto: LeitungCrypto,
  pending: PendingCall,
  response: {
    readonly ephemeral: Uint8Array;
    readonly kem: Uint8Array | undefined;
    readonly confirm: Uint8Array;
  },
): MediaKeys {
  const { secret, ephemeral, kem } = pendingMaterial(pending);
  let kemSecret: Uint8Array | undefined;
  try {
    if (response.kem === undefined) {
      throw new SessionError(SessionErrorCode.PqRequired, 'the answer has no post-quantum share');
    }
    kemSecret = crypto.mlKemDecapsulate(kem, response.kem);
    const { keys, confirm } = deriveMediaKeys(crypto, {
      role: 'caller',
      callId: pending.callId,
      callerId: pending.callerId,
      calleeId: pending.calleeId,
      secret,
      ownEphemeral: ephemeral,
      callerEphemeral: ephemeral.publicKey,
      calleeEphemeral: response.ephemeral,
      kemSecret,
      callerKem: pending.callerKem,
      kemCipherText: response.kem,
    });
    if (response.confirm.length !== confirm.length || !bytesEqual(confirm, response.confirm)) {
      keys.destroy();
      throw new SessionError(SessionErrorCode.Confirm, 'key confirmation does not match');
    }
    return keys;
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError(SessionErrorCode.Confirm, 'callee key share is invalid', { cause: error });
  } finally {
    kemSecret?.fill(0);
    pending.destroy();
  }
}

function splitSigned(plaintext: Uint8Array): { encoded: Uint8Array; signature: Uint8Array } {
  const view = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const bad = (): SessionError =>
    new SessionError(SessionErrorCode.CallDataInvalid, 'call data is malformed');
  if (plaintext.length < 8) throw bad();
  const a = view.getUint32(0);
  if (a > plaintext.length - 8) throw bad();
  const b = view.getUint32(4 + a);
  if (b > MAX_SIGNATURE_BYTES || 8 + a + b !== plaintext.length) throw bad();
  return { encoded: plaintext.slice(4, 4 + a), signature: plaintext.slice(8 + a) };
}
