/**
 * Key lookup with proofs (docs/design.md §4, §5 step 1): every key a client receives comes with an
 * inclusion proof against a signed tree head, and clients can ask for consistency between heads.
 */
import { bytes, optional, struct, u32, u64, utf8, varBytes, variant } from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';
import { defineMessage } from './message-definition.js';
import {
  consistencyProofSchema,
  type DirectoryEntry,
  directoryEntrySchema,
  inclusionProofSchema,
  type MapProof,
  mapProofSchema,
  type SignedTreeHead,
  signedTreeHeadSchema,
} from './shared-structs.js';

/** Whose key is wanted: by bound name or by client id. */
export type KeyLookupTarget = { by: 'name'; name: string } | { by: 'clientId'; clientId: Uint8Array };

/** Client → relay. Asks for a directory entry with its proof. */
export interface GetPublicKey {
  type: 'GET_PUBLIC_KEY';
  /** Echoed in the PUBLIC_KEY (or ERROR) that answers. u32. */
  requestId: number;
  /** Name (≤ 64 bytes) or client id (32 bytes). */
  target: KeyLookupTarget;
}

export const getPublicKeyMessage = defineMessage<GetPublicKey>()(
  'GET_PUBLIC_KEY',
  'client',
  struct({
    requestId: u32,
    target: variant('by', {
      name: struct({ name: utf8(L.nameMaxBytes) }),
      clientId: struct({ clientId: bytes(L.clientIdBytes) }),
    }),
  }),
);

/** Relay → client. A directory entry, provably in the directory. */
export interface PublicKey {
  type: 'PUBLIC_KEY';
  /** The request's `requestId`. u32. */
  requestId: number;
  /** The entry found. */
  entry: DirectoryEntry;
  /** Inclusion proof of `entry` in `treeHead`. ≤ 64 hashes. */
  inclusionProof: readonly Uint8Array[];
  /** The signed head the proof is against. */
  treeHead: SignedTreeHead;
  /** Name-map proof of `entry.name` under `treeHead.mapRoot`: the name's only binding is `entry`. */
  mapProof: MapProof;
}

export const publicKeyMessage = defineMessage<PublicKey>()(
  'PUBLIC_KEY',
  'relay',
  struct({
    requestId: u32,
    entry: directoryEntrySchema,
    inclusionProof: inclusionProofSchema,
    treeHead: signedTreeHeadSchema,
    mapProof: mapProofSchema,
  }),
);

/** Client → relay. Asks for proof that the directory only grew since a head the client holds. */
export interface GetConsistency {
  type: 'GET_CONSISTENCY';
  /** Echoed in the CONSISTENCY (or ERROR) that answers. u32. */
  requestId: number;
  /** Size of the head the client holds. u64. */
  fromSize: number;
  /** Size to prove consistency to; absent means the relay's current head. u64. */
  toSize?: number;
}

export const getConsistencyMessage = defineMessage<GetConsistency>()(
  'GET_CONSISTENCY',
  'client',
  struct({ requestId: u32, fromSize: u64, toSize: optional(u64) }),
);

/** Relay → client. A signed head and the consistency proof to it. */
export interface Consistency {
  type: 'CONSISTENCY';
  /** The request's `requestId`. u32. */
  requestId: number;
  /** Size the proof starts from (the request's `fromSize`). u64. */
  fromSize: number;
  /** The signed head the proof leads to. */
  treeHead: SignedTreeHead;
  /** Consistency proof from `fromSize` to `treeHead.size`. ≤ 128 hashes. */
  proof: readonly Uint8Array[];
}

export const consistencyMessage = defineMessage<Consistency>()(
  'CONSISTENCY',
  'relay',
  struct({ requestId: u32, fromSize: u64, treeHead: signedTreeHeadSchema, proof: consistencyProofSchema }),
);

/**
 * Client → relay, on a registered session. Replaces the session's key for its name by `publicKey`
 * (docs/key-transparency.md, "Key rotation"); answered by the PUBLIC_KEY of the new entry, or an ERROR.
 */
export interface RotateKey {
  type: 'ROTATE_KEY';
  /** Echoed in the PUBLIC_KEY (or ERROR) that answers. u32. */
  requestId: number;
  /** The new key, SPKI DER. ≤ 2048 bytes. */
  publicKey: Uint8Array;
  /** The session's (old) key's RSA-PSS signature over the rotation statement. ≤ 1024 bytes. */
  signature: Uint8Array;
  /** The new key's RSA-PSS signature over the same statement: proof that the sender holds it. ≤ 1024 bytes. */
  possession: Uint8Array;
}

export const rotateKeyMessage = defineMessage<RotateKey>()(
  'ROTATE_KEY',
  'client',
  struct({
    requestId: u32,
    publicKey: varBytes(L.publicKeyMaxBytes),
    signature: varBytes(L.signatureMaxBytes),
    possession: varBytes(L.signatureMaxBytes),
  }),
);
