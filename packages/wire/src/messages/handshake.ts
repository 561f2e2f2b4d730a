/**
 * Registration handshake (docs/design.md §3: the seed's registration made sound): REGISTER → CHALLENGE → PROVE → WELCOME.
 * REGISTER, CHALLENGE and PROVE travel before the channel is sealed; their canonical bytes are what
 * both sides hash into the handshake transcript.
 */
import { bytes, list, optional, struct, u64, utf8, varBytes } from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';
import { defineMessage } from './message-definition.js';
import {
  consistencyProofSchema,
  type DirectoryEntry,
  directoryEntrySchema,
  inclusionProofSchema,
  type MapProof,
  mapProofSchema,
  type PhonebookPage,
  phonebookPageSchema,
  type SignedTreeHead,
  signedTreeHeadSchema,
} from './shared-structs.js';

/** Client → relay. Opens a registration. */
export interface Register {
  type: 'REGISTER';
  /** Requested display name, UTF-8. ≤ 64 bytes. */
  name: string;
  /** Client's identity key, SPKI DER (RSA-4096). ≤ 2048 bytes. */
  publicKey: Uint8Array;
  /** Fresh random nonce. 32 bytes. */
  clientNonce: Uint8Array;
  /** Size of the last tree head this client accepted from this directory, 0 if none. u64. */
  knownTreeSize: number;
}

export const registerMessage = defineMessage<Register>()(
  'REGISTER',
  'client',
  struct({
    name: utf8(L.nameMaxBytes),
    publicKey: varBytes(L.publicKeyMaxBytes),
    clientNonce: bytes(L.nonceBytes),
    knownTreeSize: u64,
  }),
);

/**
 * Client → relay, in place of REGISTER when the client already holds the pinned relay's key: the REGISTER
 * payload in a sealed box to that key, so a passive observer sees neither name nor key
 * (docs/session-protocol.md §1). ≤ 4096 bytes.
 */
export interface RegisterSealed {
  type: 'REGISTER_SEALED';
  /** Sealed box (docs/crypto.md §7) of the REGISTER payload, associated data "leitung/v1 register-sealed". */
  sealed: Uint8Array;
}

export const registerSealedMessage = defineMessage<RegisterSealed>()(
  'REGISTER_SEALED',
  'client',
  struct({ sealed: varBytes(L.sealedRegisterMaxBytes) }),
);

/** Relay → client. Proves the relay's identity and directory state, and challenges the client. */
export interface Challenge {
  type: 'CHALLENGE';
  /** Relay's identity key, SPKI DER; the client checks it against its pinned fingerprint. ≤ 2048 bytes. */
  relayPublicKey: Uint8Array;
  /** Fresh random nonce. 32 bytes. */
  relayNonce: Uint8Array;
  /**
   * `challenge ‖ SHA3-256(relayPublicKey) ‖ SHA3-256(REGISTER payload)` sealed to the client's key
   * (RSA-OAEP, docs/session-protocol.md §1). ≤ 2048 bytes.
   */
  sealedChallenge: Uint8Array;
  /** Current signed tree head of the key directory. */
  treeHead: SignedTreeHead;
  /** Consistency proof from the client's `knownTreeSize` to `treeHead.size`; empty if that was 0. ≤ 128 hashes. */
  consistencyProof: readonly Uint8Array[];
  /**
   * Every entry of a small directory, in log order (≤ 64 entries): the client rebuilds the Merkle root
   * from them and compares it with the signed head, then computes the seed's flat root over their keys.
   */
  directory?: readonly DirectoryEntry[];
}

export const challengeMessage = defineMessage<Challenge>()(
  'CHALLENGE',
  'relay',
  struct({
    relayPublicKey: varBytes(L.publicKeyMaxBytes),
    relayNonce: bytes(L.nonceBytes),
    sealedChallenge: varBytes(L.sealedHandshakeMaxBytes),
    treeHead: signedTreeHeadSchema,
    consistencyProof: consistencyProofSchema,
    directory: optional(list(directoryEntrySchema, L.directoryMaxEntries)),
  }),
);

/** Client → relay. Answers the challenge and transports the client's channel secret. */
export interface Prove {
  type: 'PROVE';
  /** Challenge and client channel secret, sealed to the relay's key. ≤ 2048 bytes. */
  sealed: Uint8Array;
  /**
   * Key confirmation over REGISTER and CHALLENGE (HMAC-SHA256, docs/session-protocol.md §1): the relay
   * commits the registration only when it verifies. 32 bytes.
   */
  confirm: Uint8Array;
}

export const proveMessage = defineMessage<Prove>()(
  'PROVE',
  'client',
  struct({ sealed: varBytes(L.sealedHandshakeMaxBytes), confirm: bytes(L.hashBytes) }),
);

/** Relay → client, first sealed frame. Registration succeeded. */
export interface Welcome {
  type: 'WELCOME';
  /** The client's id (SHA3-256 of its SPKI DER). 32 bytes. */
  clientId: Uint8Array;
  /** The client's own directory entry. */
  entry: DirectoryEntry;
  /** Inclusion proof of `entry` in `treeHead`. ≤ 64 hashes. */
  inclusionProof: readonly Uint8Array[];
  /** The directory's head after the client's entry was appended (or found). */
  treeHead: SignedTreeHead;
  /** Consistency proof from the CHALLENGE's head to `treeHead`. ≤ 128 hashes. */
  consistencyProof: readonly Uint8Array[];
  /** Name-map proof of the client's own name under `treeHead.mapRoot` (owner monitoring on every login). */
  mapProof: MapProof;
  /** The first page of the phonebook. */
  phonebook: PhonebookPage;
}

export const welcomeMessage = defineMessage<Welcome>()(
  'WELCOME',
  'relay',
  struct({
    clientId: bytes(L.clientIdBytes),
    entry: directoryEntrySchema,
    inclusionProof: inclusionProofSchema,
    treeHead: signedTreeHeadSchema,
    consistencyProof: consistencyProofSchema,
    mapProof: mapProofSchema,
    phonebook: phonebookPageSchema,
  }),
);
