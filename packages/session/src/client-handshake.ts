/**
 * Client side of the registration handshake (docs/session-protocol.md §1, docs/design.md §3), sans-I/O:
 * `start()` gives REGISTER, `onChallenge()` checks the relay and gives PROVE, `onWelcome()` checks the
 * registration result and gives the sealed channel. Every check that fails stops the handshake with its
 * own SessionError code; nothing is returned that was not verified.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import {
  flatRoot,
  type DirectoryEntry as LogEntry,
  MemoryStorage,
  MerkleLog,
  verifyEntryInclusion,
} from '@leitung/merkle';
import {
  type Challenge,
  type ControlMessage,
  decodeMessage,
  encodeMessage,
  type SignedTreeHead,
  type Welcome,
  WireError,
} from '@leitung/wire';
import { bytesEqual, concat } from './bytes.js';
import {
  challengeTranscriptHash,
  deriveChannelKeys,
  registrationConfirm,
  wipeChannelKeys,
} from './channel-keys.js';
import { SessionError, SessionErrorCode } from './errors.js';
import {
  HANDSHAKE_SECRET_BYTES,
  OAEP_LABEL_CHALLENGE,
  OAEP_LABEL_PROVE,
  SEALED_CHALLENGE_BYTES,
} from './handshake-labels.js';
import { clientIdOf } from './identity.js';
import {
  type IdentityOperation,
  type IdentityOperationResult,
  runIdentityOperation,
} from './identity-operation.js';
import { checkDirectoryNameMap, checkOwnNameBinding } from './name-bindings.js';
import { SealedChannel } from './sealed-channel.js';
import { sealRegister } from './sealed-register.js';
import { acceptTreeHead } from './tree-heads.js';

/**
 * The client's identity: its private key, or only its public key when the private key is held elsewhere
 * (WebCrypto, a token): then the CHALLENGE is answered in two halves, `beginChallenge` and
 * `finishChallenge` (docs/session-protocol.md "Identity key operations").
 */
export type HandshakeIdentity =
  | { readonly privateKey: RsaPrivateKey; readonly publicKey?: undefined }
  | { readonly publicKey: RsaPublicKey; readonly privateKey?: undefined };

/**
 * What a client brings to registration: crypto, identity key, name, the relay fingerprint pinned from the
 * relay list and its last accepted tree head (docs/session-protocol.md §1).
 */
export type ClientHandshakeOptions = ClientHandshakeSettings & HandshakeIdentity;

/** Everything but the identity in {@link ClientHandshakeOptions}. */
export interface ClientHandshakeSettings {
  readonly crypto: LeitungCrypto;
  /** The name to register (NFC-normalised here). */
  readonly name: string;
  /** Hex SHA3-256 fingerprint of the relay's SPKI, from its relay-list entry (docs/design.md §2). */
  readonly pinnedRelayFingerprint: string;
  /** The last tree head this client accepted from this directory (from the vault). */
  readonly lastTreeHead?: SignedTreeHead | undefined;
  /**
   * The directory's log id (a relay cluster's shared id, from the relay-list entry). Default: the log id
   * of the relay's own key, as for a single relay. The heads are always signed by the pinned relay key.
   */
  readonly expectedLogId?: Uint8Array | undefined;
  /**
   * The pinned relay's key (SPKI DER), when known from an earlier verified CHALLENGE: REGISTER is then
   * sent as REGISTER_SEALED to it, hiding name and key from passive observers (docs/session-protocol.md §1).
   * A key whose fingerprint is not the pinned one is SESSION_ERR_RELAY_KEY_MISMATCH at `start()`.
   */
  readonly relayPublicKey?: Uint8Array | undefined;
}

/** What a completed handshake yields. */
export interface ClientHandshakeResult {
  readonly channel: SealedChannel;
  readonly welcome: Welcome;
  /** The newest verified tree head: store it as the last accepted head. */
  readonly treeHead: SignedTreeHead;
  readonly relayPublicKey: RsaPublicKey;
  readonly clientId: Uint8Array;
  /**
   * The seed's flat root (SHA3-256 over the sorted keys) of the full directory, when the relay sent it
   * (small directories) and it matched the signed Merkle root; for display and compatibility.
   */
  readonly flatRoot: string | undefined;
}

type State =
  | { readonly kind: 'initial' }
  | { readonly kind: 'awaiting-challenge'; readonly register: Uint8Array; readonly clientNonce: Uint8Array }
  | {
      /** CHALLENGE checked; its sealed challenge is with the identity key's holder. */
      readonly kind: 'opening-challenge';
      readonly register: Uint8Array;
      readonly clientNonce: Uint8Array;
      readonly relayPublicKey: RsaPublicKey;
      readonly challenge: Challenge;
      readonly payload: Uint8Array;
      readonly flatRoot: string | undefined;
    }
  | {
      readonly kind: 'awaiting-welcome';
      readonly relayPublicKey: RsaPublicKey;
      readonly challengeHead: SignedTreeHead;
      readonly channel: SealedChannel;
      readonly flatRoot: string | undefined;
    }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed' };

/**
 * Client side of the registration handshake, sans-I/O (docs/session-protocol.md §1): REGISTER, then PROVE
 * after every CHALLENGE check, then the sealed channel after every WELCOME check; the first failure ends it.
 */
export class ClientHandshake {
  readonly #options: ClientHandshakeOptions;
  readonly #name: string;
  readonly #spki: Uint8Array;
  readonly #clientId: Uint8Array;
  #state: State = { kind: 'initial' };

  constructor(options: ClientHandshakeOptions) {
    this.#options = options;
    this.#name = options.name.normalize('NFC');
    this.#spki = (options.privateKey?.publicKey ?? options.publicKey)!.toDer();
    this.#clientId = clientIdOf(options.crypto, this.#spki);
  }

  get clientId(): Uint8Array {
    return this.#clientId;
  }

  /** The REGISTER frame payload (REGISTER_SEALED when the relay's key is known). */
  start(): Uint8Array {
    if (this.#state.kind !== 'initial') throw unexpected('start() called twice');
    const clientNonce = this.#options.crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const register = encodeMessage({
      type: 'REGISTER',
      name: this.#name,
      publicKey: this.#spki,
      clientNonce,
      knownTreeSize: this.#options.lastTreeHead?.size ?? 0,
    });
    this.#state = { kind: 'awaiting-challenge', register, clientNonce };
    const relayKey = this.#options.relayPublicKey;
    if (relayKey === undefined) return register;
    const { crypto } = this.#options;
    let key: RsaPublicKey;
    try {
      key = crypto.importRsaPublicKey(relayKey);
    } catch (error) {
      this.#state = { kind: 'failed' };
      throw new SessionError(
        SessionErrorCode.RelayKeyMismatch,
        'cached relay key is not a valid RSA-4096 key',
        {
          cause: error,
        },
      );
    }
    if (key.fingerprint() !== this.#options.pinnedRelayFingerprint.toLowerCase()) {
      this.#state = { kind: 'failed' };
      throw new SessionError(SessionErrorCode.RelayKeyMismatch, 'cached relay key is not the pinned one');
    }
    return sealRegister(crypto, key, register);
  }

  /**
   * Checks CHALLENGE (relay key pin, tree head, consistency, small-directory key list); returns PROVE. Needs
   * the private key: with only the public key, use `beginChallenge` and `finishChallenge`.
   */
  onChallenge(payload: Uint8Array): Uint8Array {
    const key = this.#options.privateKey;
    if (key === undefined) throw unexpected('onChallenge needs the private key: use beginChallenge');
    const operation = this.beginChallenge(payload);
    return this.finishChallenge(runIdentityOperation(this.#options.crypto, key, operation));
  }

  /**
   * The first half of `onChallenge`: every check of CHALLENGE, then the one operation the identity key
   * must run — decrypting the sealed challenge (docs/session-protocol.md "Identity key operations").
   */
  beginChallenge(payload: Uint8Array): IdentityOperation {
    const state = this.#state;
    if (state.kind !== 'awaiting-challenge') throw unexpected('CHALLENGE not expected now');
    this.#state = { kind: 'failed' };
    const challenge = expectMessage(decodePlain(payload), 'CHALLENGE');
    const { crypto } = this.#options;

    // 1. The relay must be the pinned one: no trust on first use (docs/design.md §2, docs/lessons.md #2).
    let relayPublicKey: RsaPublicKey;
    try {
      relayPublicKey = crypto.importRsaPublicKey(challenge.relayPublicKey);
    } catch (error) {
      throw new SessionError(SessionErrorCode.RelayKeyMismatch, 'relay key is not a valid RSA-4096 key', {
        cause: error,
      });
    }
    if (relayPublicKey.fingerprint() !== this.#options.pinnedRelayFingerprint.toLowerCase()) {
      throw new SessionError(
        SessionErrorCode.RelayKeyMismatch,
        'relay key does not match the pinned fingerprint',
      );
    }
    // 2–3. Signed tree head, consistent with the last one this client accepted (docs/design.md §4).
    acceptTreeHead({
      crypto,
      signingKey: relayPublicKey,
      logId: this.#options.expectedLogId,
      previous: this.#options.lastTreeHead,
      next: challenge.treeHead,
      consistencyProof: challenge.consistencyProof,
    });
    // 4. Small directories: the full entry list must be exactly the signed directory (seed's flat root).
    const flatRoot = challenge.directory === undefined ? undefined : checkDirectory(crypto, challenge);
    this.#state = {
      kind: 'opening-challenge',
      register: state.register,
      clientNonce: state.clientNonce,
      relayPublicKey,
      challenge,
      payload,
      flatRoot,
    };
    // Only the owner of our private key can read the challenge (docs/lessons.md #8: identity enforced).
    return { op: 'oaep-decrypt', ciphertext: challenge.sealedChallenge, label: OAEP_LABEL_CHALLENGE };
  }

  /** The second half of `onChallenge`: what the sealed challenge decrypted to (or why not); returns PROVE. */
  finishChallenge(decrypted: IdentityOperationResult): Uint8Array {
    const state = this.#state;
    if (state.kind !== 'opening-challenge') throw unexpected('no challenge is being opened');
    this.#state = { kind: 'failed' };
    const { crypto } = this.#options;
    const { challenge, payload, relayPublicKey } = state;
    if (!decrypted.ok) {
      throw new SessionError(SessionErrorCode.UnexpectedMessage, 'challenge is not sealed to this client', {
        cause: decrypted.error,
      });
    }
    const opened = decrypted.value;
    // The challenge is only answered for the pinned relay and for our own REGISTER (docs/session-protocol.md
    // §1): a relay that forwards another relay's challenge, or an attacker who rewrote REGISTER, is caught
    // here, before anything is revealed.
    const bound =
      opened.length === SEALED_CHALLENGE_BYTES &&
      bytesEqual(
        opened.subarray(HANDSHAKE_SECRET_BYTES, 2 * HANDSHAKE_SECRET_BYTES),
        crypto.sha3_256(challenge.relayPublicKey),
      ) &&
      bytesEqual(opened.subarray(2 * HANDSHAKE_SECRET_BYTES), crypto.sha3_256(state.register));
    if (!bound) {
      opened.fill(0);
      throw new SessionError(
        SessionErrorCode.ChallengeBinding,
        'challenge is not bound to this relay and this REGISTER',
      );
    }
    const challengeSecret = opened.slice(0, HANDSHAKE_SECRET_BYTES);
    opened.fill(0);
    const clientSecret = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
    const secrets = {
      challenge: challengeSecret,
      clientSecret,
      clientNonce: state.clientNonce,
      relayNonce: challenge.relayNonce,
    };
    const proveInput = concat(challengeSecret, clientSecret);
    const sealed = crypto.rsaEncrypt(relayPublicKey, proveInput, OAEP_LABEL_PROVE);
    proveInput.fill(0);
    const confirm = registrationConfirm(
      crypto,
      secrets,
      challengeTranscriptHash(crypto, state.register, payload),
      sealed,
    );
    const prove = encodeMessage({ type: 'PROVE', sealed, confirm });
    const keys = deriveChannelKeys(crypto, secrets, { register: state.register, challenge: payload, prove });
    challengeSecret.fill(0);
    clientSecret.fill(0);
    const channel = new SealedChannel(crypto, keys.clientToRelay, keys.relayToClient);
    wipeChannelKeys(keys);
    this.#state = {
      kind: 'awaiting-welcome',
      relayPublicKey,
      challengeHead: challenge.treeHead,
      channel,
      flatRoot: state.flatRoot,
    };
    return prove;
  }

  /**
   * Opens and checks WELCOME (own id, entry, inclusion proof, signed head consistent with the CHALLENGE
   * head). A plain ERROR frame instead (the relay refused the proof or the name) becomes SESSION_ERR_REFUSED.
   */
  onWelcome(payload: Uint8Array): ClientHandshakeResult {
    const state = this.#state;
    if (state.kind !== 'awaiting-welcome') throw unexpected('WELCOME not expected now');
    this.#state = { kind: 'failed' };
    let message: ControlMessage;
    try {
      message = state.channel.open(payload);
    } catch (error) {
      state.channel.destroy();
      // Refusals after PROVE cannot be sealed (the relay has no channel keys then): they arrive plain.
      const plain = tryDecode(payload);
      if (plain?.type === 'ERROR') throw refused(plain.code, plain.message);
      throw error;
    }
    try {
      const welcome = expectMessage(message, 'WELCOME');
      const treeHead = this.#checkWelcome(welcome, state.relayPublicKey, state.challengeHead);
      this.#state = { kind: 'done' };
      return {
        channel: state.channel,
        welcome,
        treeHead,
        relayPublicKey: state.relayPublicKey,
        clientId: this.#clientId,
        flatRoot: state.flatRoot,
      };
    } catch (error) {
      state.channel.destroy();
      throw error;
    }
  }

  #checkWelcome(
    welcome: Welcome,
    relayPublicKey: RsaPublicKey,
    challengeHead: SignedTreeHead,
  ): SignedTreeHead {
    const { crypto } = this.#options;
    const { entry } = welcome;
    if (
      !bytesEqual(welcome.clientId, this.#clientId) ||
      !bytesEqual(entry.clientId, this.#clientId) ||
      !bytesEqual(entry.publicKey, this.#spki) ||
      entry.name !== this.#name
    ) {
      throw new SessionError(SessionErrorCode.WelcomeMismatch, 'WELCOME does not describe this client');
    }
    acceptTreeHead({
      crypto,
      signingKey: relayPublicKey,
      logId: this.#options.expectedLogId,
      previous: challengeHead,
      next: welcome.treeHead,
      consistencyProof: welcome.consistencyProof,
    });
    verifyEntry(entry, welcome.inclusionProof, welcome.treeHead);
    checkOwnNameBinding(entry, welcome.mapProof, welcome.treeHead);
    return welcome.treeHead;
  }
}

/** Checks that `entry` is included in `treeHead` (already verified); SESSION_ERR_INCLUSION otherwise. */
export function verifyEntry(entry: LogEntry, proof: readonly Uint8Array[], treeHead: SignedTreeHead): void {
  try {
    verifyEntryInclusion({ entry, proof, treeHead });
  } catch (error) {
    throw new SessionError(SessionErrorCode.Inclusion, 'entry is not included in the signed tree head', {
      cause: error,
    });
  }
}

/**
 * The seed's small-directory check made meaningful (docs/design.md §4, docs/lessons.md #3): the relay sends every
 * entry; the client rebuilds the RFC 9162 tree from them and requires the signed root, so the list is
 * bound to the signed head; each entry must be self-consistent (clientId = SHA3-256 of its key, index in
 * order). Only then is the seed's flat root computed, over exactly those keys. Returns the flat root.
 */
function checkDirectory(crypto: LeitungCrypto, challenge: Challenge): string {
  const entries = challenge.directory ?? [];
  const mismatch = (why: string) => new SessionError(SessionErrorCode.DirectoryMismatch, why);
  if (entries.length !== challenge.treeHead.size)
    throw mismatch('directory size differs from the signed tree size');
  const log = new MerkleLog({ storage: new MemoryStorage() });
  entries.forEach((entry, index) => {
    if (entry.index !== index) throw mismatch('directory entries are out of order');
    if (!bytesEqual(clientIdOf(crypto, entry.publicKey), entry.clientId)) {
      throw mismatch('directory entry id is not the hash of its key');
    }
    try {
      log.appendEntry(entry);
    } catch (error) {
      throw new SessionError(SessionErrorCode.DirectoryMismatch, 'directory entry cannot be encoded', {
        cause: error,
      });
    }
  });
  if (entries.length > 0 && !bytesEqual(log.root(), challenge.treeHead.root)) {
    throw mismatch('directory does not hash to the signed root');
  }
  checkDirectoryNameMap(crypto, entries, challenge.treeHead);
  return flatRoot(entries.map((e) => e.publicKey));
}

function decodePlain(payload: Uint8Array): ControlMessage {
  const message = decodeMessage(payload);
  if (message.type === 'ERROR') throw refused(message.code, message.message);
  return message;
}

function tryDecode(payload: Uint8Array): ControlMessage | undefined {
  try {
    return decodeMessage(payload);
  } catch (error) {
    if (error instanceof WireError) return undefined;
    throw error;
  }
}

function expectMessage<T extends ControlMessage['type']>(
  message: ControlMessage,
  type: T,
): Extract<ControlMessage, { type: T }> {
  if (message.type !== type) throw unexpected(`expected ${type}, got ${message.type}`);
  return message as Extract<ControlMessage, { type: T }>;
}

function refused(code: string, message: string): SessionError {
  return new SessionError(SessionErrorCode.Refused, `relay refused: ${code}: ${message}`, {
    relayCode: code,
  });
}

function unexpected(message: string): SessionError {
  return new SessionError(SessionErrorCode.UnexpectedMessage, message);
}
