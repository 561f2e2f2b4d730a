/**
 * Relay side of the registration handshake (docs/session-protocol.md §1), sans-I/O. The relay core
 * decides about names and the directory; this class only runs the cryptographic exchange:
 * `onRegister` → (core checks the name) → `challenge()` → `onProve()` → sealed channel.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import {
  type DirectoryEntry,
  decodeMessage,
  encodeMessage,
  type Register,
  type SignedTreeHead,
} from '@leitung/wire';
import { bytesEqual, concat } from './bytes.js';
import {
  challengeTranscriptHash,
  deriveChannelKeys,
  registrationConfirm,
  wipeChannelKeys,
} from './channel-keys.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { HANDSHAKE_SECRET_BYTES, OAEP_LABEL_CHALLENGE, OAEP_LABEL_PROVE } from './handshake-labels.js';
import { clientIdOf } from './identity.js';
import { SealedChannel } from './sealed-channel.js';
import { openSealedRegister } from './sealed-register.js';

/** What the relay brings to the handshake: crypto and its identity key, which clients pin (relay list). */
export interface RelayHandshakeOptions {
  readonly crypto: LeitungCrypto;
  /** The relay's identity key. */
  readonly privateKey: RsaPrivateKey;
}

/** The directory state the relay shows in CHALLENGE. */
export interface ChallengeContent {
  readonly treeHead: SignedTreeHead;
  /** From the client's `knownTreeSize` to `treeHead.size` (empty when there is nothing to prove). */
  readonly consistencyProof: readonly Uint8Array[];
  /** Every entry of a small directory (≤ 64), in log order, so the client can check it whole. */
  readonly directory?: readonly DirectoryEntry[] | undefined;
}

type State =
  | { readonly kind: 'awaiting-register' }
  | {
      readonly kind: 'registered';
      readonly register: Register;
      readonly registerBytes: Uint8Array;
      /** Undefined when the key check was left to {@link RelayHandshake.beginChallenge}'s operation. */
      readonly clientKey: RsaPublicKey | undefined;
    }
  | {
      readonly kind: 'sealing';
      readonly register: Register;
      readonly registerBytes: Uint8Array;
      readonly content: ChallengeContent;
      readonly challenge: Uint8Array;
      readonly relayNonce: Uint8Array;
    }
  | {
      readonly kind: 'challenged';
      readonly register: Register;
      readonly registerBytes: Uint8Array;
      readonly challengeBytes: Uint8Array;
      readonly challenge: Uint8Array;
      readonly relayNonce: Uint8Array;
    }
  | {
      readonly kind: 'proving';
      readonly challenged: Extract<State, { kind: 'challenged' }>;
      readonly payload: Uint8Array;
      readonly sealed: Uint8Array;
      readonly confirm: Uint8Array;
    }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed' };

/**
 * RSA work of the relay side of the handshake that a relay may run off its event loop (docs/relay.md "Crypto
 * workers"): OAEP-decrypt `ciphertext` under `label` (PROVE), `open` a sealed box with `associatedData`
 * (REGISTER_SEALED) — both with the relay's private key — or `seal-challenge`: import and check the client's
 * key (crypto.md §3) and OAEP-encrypt the challenge `plaintext` to it. {@link runRelayKeyOperation} runs one.
 */
export type RelayKeyOperation =
  | { readonly op: 'oaep-decrypt'; readonly ciphertext: Uint8Array; readonly label: Uint8Array }
  | { readonly op: 'open'; readonly sealed: Uint8Array; readonly associatedData: Uint8Array }
  | {
      readonly op: 'seal-challenge';
      readonly clientPublicKey: Uint8Array;
      /** Secret (it holds the challenge): whoever runs the operation wipes its copy. */
      readonly plaintext: Uint8Array;
      readonly label: Uint8Array;
    };

/**
 * Runs `operation` with the relay's key; throws whatever the crypto layer throws when it fails (for
 * `seal-challenge` also when the client's key is refused).
 */
export function runRelayKeyOperation(
  crypto: LeitungCrypto,
  privateKey: RsaPrivateKey,
  operation: RelayKeyOperation,
): Uint8Array {
  switch (operation.op) {
    case 'oaep-decrypt':
      return crypto.rsaDecrypt(privateKey, operation.ciphertext, operation.label);
    case 'open':
      return crypto.open(privateKey, operation.sealed, operation.associatedData);
    case 'seal-challenge':
      return crypto.rsaEncrypt(
        crypto.importRsaPublicKey(operation.clientPublicKey),
        operation.plaintext,
        operation.label,
      );
  }
}

/**
 * Relay side of the registration handshake, sans-I/O (docs/session-protocol.md §1): REGISTER, CHALLENGE,
 * PROVE check, then the sealed channel. Name and directory policy stay with the relay core.
 */
export class RelayHandshake {
  readonly #crypto: LeitungCrypto;
  readonly #privateKey: RsaPrivateKey;
  #state: State = { kind: 'awaiting-register' };
  #clientId: Uint8Array | undefined;

  constructor(options: RelayHandshakeOptions) {
    this.#crypto = options.crypto;
    this.#privateKey = options.privateKey;
  }

  /** The registering client's id (after `onRegister`). */
  get clientId(): Uint8Array {
    if (!this.#clientId) throw new SessionError(SessionErrorCode.UnexpectedMessage, 'no REGISTER yet');
    return this.#clientId;
  }

  /**
   * Parses REGISTER or REGISTER_SEALED. Throws WireError for malformed bytes, SESSION_ERR_UNEXPECTED_MESSAGE
   * for another message type, SESSION_ERR_INVALID_ARGUMENT when the key is not an RSA-4096/65537 SPKI or
   * the sealed REGISTER does not open. With `checkKeyLater` the key is imported and checked by the operation
   * {@link beginChallenge} hands out instead (docs/relay.md "Crypto workers"), and refused by
   * {@link finishChallenge} with the same SESSION_ERR_INVALID_ARGUMENT.
   */
  onRegister(payload: Uint8Array, options: { readonly checkKeyLater?: boolean } = {}): Register {
    if (this.#state.kind !== 'awaiting-register') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'REGISTER not expected now');
    }
    this.#state = { kind: 'failed' };
    let message = decodeMessage(payload);
    if (message.type === 'REGISTER_SEALED') {
      // The transcript hashes the inner REGISTER, as the client does (docs/session-protocol.md §1).
      const opened = openSealedRegister(this.#crypto, this.#privateKey, message.sealed);
      message = opened.register;
      payload = opened.bytes;
    }
    if (message.type !== 'REGISTER') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, `expected REGISTER, got ${message.type}`);
    }
    let clientKey: RsaPublicKey | undefined;
    try {
      clientKey = options.checkKeyLater ? undefined : this.#crypto.importRsaPublicKey(message.publicKey);
    } catch (error) {
      throw new SessionError(SessionErrorCode.InvalidArgument, 'client key is not an RSA-4096 SPKI', {
        cause: error,
      });
    }
    this.#clientId = clientIdOf(this.#crypto, message.publicKey);
    this.#state = { kind: 'registered', register: message, registerBytes: payload.slice(), clientKey };
    return message;
  }

  /** The CHALLENGE frame payload (after an `onRegister` that checked the key). */
  challenge(content: ChallengeContent): Uint8Array {
    const state = this.#state;
    if (state.kind !== 'registered' || state.clientKey === undefined) {
      throw new SessionError(
        SessionErrorCode.UnexpectedMessage,
        'challenge() needs a REGISTER whose key was checked',
      );
    }
    const crypto = this.#crypto;
    const challenge = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const relayNonce = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const plaintext = challengePlaintext(crypto, challenge, this.#privateKey, state.registerBytes);
    const sealed = crypto.rsaEncrypt(state.clientKey, plaintext, OAEP_LABEL_CHALLENGE);
    plaintext.fill(0);
    return this.#challenged({ ...state, kind: 'sealing', content, challenge, relayNonce }, sealed);
  }

  /**
   * First half of {@link challenge}, for a relay that checks the client's key and seals the challenge elsewhere
   * (docs/relay.md "Crypto workers"): returns the `seal-challenge` operation; {@link finishChallenge} continues with
   * its result.
   */
  beginChallenge(content: ChallengeContent): RelayKeyOperation {
    const state = this.#state;
    if (state.kind !== 'registered') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'beginChallenge() needs a REGISTER first');
    }
    const crypto = this.#crypto;
    const challenge = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const relayNonce = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    this.#state = { ...state, kind: 'sealing', content, challenge, relayNonce };
    return {
      op: 'seal-challenge',
      clientPublicKey: state.register.publicKey,
      plaintext: challengePlaintext(crypto, challenge, this.#privateKey, state.registerBytes),
      label: OAEP_LABEL_CHALLENGE,
    };
  }

  /**
   * Second half of {@link challenge}: the CHALLENGE frame payload from the sealed challenge, or, when the operation
   * failed (`undefined`: the client's key was refused), SESSION_ERR_INVALID_ARGUMENT as from `onRegister`.
   */
  finishChallenge(sealed: Uint8Array | undefined): Uint8Array {
    const state = this.#state;
    if (state.kind !== 'sealing') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'no challenge is being sealed');
    }
    if (sealed === undefined) {
      this.#state = { kind: 'failed' };
      state.challenge.fill(0);
      throw new SessionError(SessionErrorCode.InvalidArgument, 'client key is not an RSA-4096 SPKI');
    }
    return this.#challenged(state, sealed);
  }

  #challenged(state: Extract<State, { kind: 'sealing' }>, sealedChallenge: Uint8Array): Uint8Array {
    const { content, challenge, relayNonce } = state;
    const challengeBytes = encodeMessage({
      type: 'CHALLENGE',
      relayPublicKey: this.#privateKey.publicKey.toDer(),
      relayNonce,
      sealedChallenge,
      treeHead: content.treeHead,
      consistencyProof: content.consistencyProof,
      ...(content.directory === undefined ? {} : { directory: content.directory }),
    });
    this.#state = {
      kind: 'challenged',
      register: state.register,
      registerBytes: state.registerBytes,
      challengeBytes,
      challenge,
      relayNonce,
    };
    return challengeBytes;
  }

  /**
   * Checks PROVE and derives the channel: {@link beginProve}, the OAEP decryption inline, {@link finishProve}.
   * Every failure — malformed frame, OAEP failure, wrong length, wrong challenge, wrong key confirmation — is
   * the same SESSION_ERR_PROOF_FAILED (no oracle, docs/lessons.md #5).
   */
  onProve(payload: Uint8Array): SealedChannel {
    const operation = this.beginProve(payload);
    let opened: Uint8Array | undefined;
    try {
      opened = runRelayKeyOperation(this.#crypto, this.#privateKey, operation);
    } catch {
      opened = undefined;
    }
    return this.finishProve(opened);
  }

  /**
   * First half of {@link onProve}, for a relay that decrypts elsewhere (docs/relay.md "Crypto workers"): parses
   * PROVE and returns the decryption to run; {@link finishProve} continues with its result. A frame that is not
   * a PROVE fails here with the same SESSION_ERR_PROOF_FAILED as every other PROVE failure.
   */
  beginProve(payload: Uint8Array): RelayKeyOperation {
    const state = this.#state;
    if (state.kind !== 'challenged') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'PROVE not expected now');
    }
    this.#state = { kind: 'failed' };
    let message: ReturnType<typeof decodeMessage> | undefined;
    try {
      message = decodeMessage(payload);
    } catch {
      message = undefined;
    }
    if (message?.type !== 'PROVE') {
      state.challenge.fill(0);
      throw new SessionError(SessionErrorCode.ProofFailed, 'identity proof failed');
    }
    this.#state = {
      kind: 'proving',
      challenged: state,
      payload: payload.slice(),
      sealed: message.sealed,
      confirm: message.confirm,
    };
    return { op: 'oaep-decrypt', ciphertext: message.sealed, label: OAEP_LABEL_PROVE };
  }

  /**
   * Second half of {@link onProve}: `opened` is the decryption {@link beginProve} asked for, or undefined when it
   * failed. Takes ownership of `opened` (wiped here). Every failure is SESSION_ERR_PROOF_FAILED.
   */
  finishProve(opened: Uint8Array | undefined): SealedChannel {
    const proving = this.#state;
    if (proving.kind !== 'proving') {
      opened?.fill(0);
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'no PROVE is being checked');
    }
    this.#state = { kind: 'failed' };
    const crypto = this.#crypto;
    const state = proving.challenged;
    const { sealed, confirm, payload } = proving;
    const fail = (): never => {
      opened?.fill(0);
      state.challenge.fill(0);
      throw new SessionError(SessionErrorCode.ProofFailed, 'identity proof failed');
    };
    if (
      opened === undefined ||
      opened.length !== 2 * HANDSHAKE_SECRET_BYTES ||
      !bytesEqual(opened.subarray(0, HANDSHAKE_SECRET_BYTES), state.challenge)
    ) {
      return fail();
    }
    const clientSecret = opened.slice(HANDSHAKE_SECRET_BYTES);
    opened.fill(0);
    const secrets = {
      challenge: state.challenge,
      clientSecret,
      clientNonce: state.register.clientNonce,
      relayNonce: state.relayNonce,
    };
    // Key confirmation over the REGISTER and CHALLENGE bytes this relay saw (docs/session-protocol.md §1):
    // the caller commits nothing (directory entry, session replacement) unless this verifies.
    const expected = registrationConfirm(
      crypto,
      secrets,
      challengeTranscriptHash(crypto, state.registerBytes, state.challengeBytes),
      sealed,
    );
    if (!bytesEqual(expected, confirm)) {
      clientSecret.fill(0);
      return fail();
    }
    const keys = deriveChannelKeys(crypto, secrets, {
      register: state.registerBytes,
      challenge: state.challengeBytes,
      prove: payload,
    });
    state.challenge.fill(0);
    clientSecret.fill(0);
    const channel = new SealedChannel(crypto, keys.relayToClient, keys.clientToRelay);
    wipeChannelKeys(keys);
    this.#state = { kind: 'done' };
    return channel;
  }
}

/**
 * The sealed challenge's plaintext (docs/session-protocol.md §1), sealed as `OAEP(pk_C, challenge ‖ SHA3-256(relay
 * SPKI) ‖ SHA3-256(REGISTER), label "leitung/v1 bound-challenge")`. The client answers only when the key id is its
 * pinned relay's and the hash is of its own REGISTER, so the answer is useless on any other relay.
 */
function challengePlaintext(
  crypto: LeitungCrypto,
  challenge: Uint8Array,
  relayKey: RsaPrivateKey,
  registerBytes: Uint8Array,
): Uint8Array {
  return concat(challenge, crypto.sha3_256(relayKey.publicKey.toDer()), crypto.sha3_256(registerBytes));
}
