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
import { bytesEqual } from './bytes.js';
import { deriveChannelKeys, wipeChannelKeys } from './channel-keys.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { HANDSHAKE_SECRET_BYTES, OAEP_LABEL_CHALLENGE, OAEP_LABEL_PROVE } from './handshake-labels.js';
import { clientIdOf } from './identity.js';
import { SealedChannel } from './sealed-channel.js';

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
      readonly clientKey: RsaPublicKey;
    }
  | {
      readonly kind: 'challenged';
      readonly register: Register;
      readonly registerBytes: Uint8Array;
      readonly challengeBytes: Uint8Array;
      readonly challenge: Uint8Array;
      readonly relayNonce: Uint8Array;
    }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed' };

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
   * Parses REGISTER. Throws WireError for malformed bytes, SESSION_ERR_UNEXPECTED_MESSAGE for another
   * message type, SESSION_ERR_INVALID_ARGUMENT when the key is not an RSA-4096/65537 SPKI.
   */
  onRegister(payload: Uint8Array): Register {
    if (this.#state.kind !== 'awaiting-register') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'REGISTER not expected now');
    }
    this.#state = { kind: 'failed' };
    const message = decodeMessage(payload);
    if (message.type !== 'REGISTER') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, `expected REGISTER, got ${message.type}`);
    }
    let clientKey: RsaPublicKey;
    try {
      clientKey = this.#crypto.importRsaPublicKey(message.publicKey);
    } catch (error) {
      throw new SessionError(SessionErrorCode.InvalidArgument, 'client key is not an RSA-4096 SPKI', {
        cause: error,
      });
    }
    this.#clientId = clientIdOf(this.#crypto, message.publicKey);
    this.#state = { kind: 'registered', register: message, registerBytes: payload.slice(), clientKey };
    return message;
  }

  /** The CHALLENGE frame payload. */
  challenge(content: ChallengeContent): Uint8Array {
    const state = this.#state;
    if (state.kind !== 'registered') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'challenge() needs a REGISTER first');
    }
    const crypto = this.#crypto;
    const challenge = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const relayNonce = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const challengeBytes = encodeMessage({
      type: 'CHALLENGE',
      relayPublicKey: this.#privateKey.publicKey.toDer(),
      relayNonce,
      sealedChallenge: crypto.rsaEncrypt(state.clientKey, challenge, OAEP_LABEL_CHALLENGE),
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
   * Checks PROVE and derives the channel. Every failure — malformed frame, OAEP failure, wrong length,
   * wrong challenge — is the same SESSION_ERR_PROOF_FAILED (no oracle, LESSONS #5).
   */
  onProve(payload: Uint8Array): SealedChannel {
    const state = this.#state;
    if (state.kind !== 'challenged') {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'PROVE not expected now');
    }
    this.#state = { kind: 'failed' };
    const crypto = this.#crypto;
    let opened: Uint8Array | undefined;
    try {
      const message = decodeMessage(payload);
      if (message.type === 'PROVE')
        opened = crypto.rsaDecrypt(this.#privateKey, message.sealed, OAEP_LABEL_PROVE);
    } catch {
      opened = undefined;
    }
    const valid =
      opened !== undefined &&
      opened.length === 2 * HANDSHAKE_SECRET_BYTES &&
      bytesEqual(opened.subarray(0, HANDSHAKE_SECRET_BYTES), state.challenge);
    if (!valid || opened === undefined) {
      opened?.fill(0);
      state.challenge.fill(0);
      throw new SessionError(SessionErrorCode.ProofFailed, 'identity proof failed');
    }
    const clientSecret = opened.slice(HANDSHAKE_SECRET_BYTES);
    opened.fill(0);
    const keys = deriveChannelKeys(
      crypto,
      {
        challenge: state.challenge,
        clientSecret,
        clientNonce: state.register.clientNonce,
        relayNonce: state.relayNonce,
      },
      { register: state.registerBytes, challenge: state.challengeBytes, prove: payload },
    );
    state.challenge.fill(0);
    clientSecret.fill(0);
    const channel = new SealedChannel(crypto, keys.relayToClient, keys.clientToRelay);
    wipeChannelKeys(keys);
    this.#state = { kind: 'done' };
    return channel;
  }
}
