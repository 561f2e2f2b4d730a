/**
 * Structs shared by several messages: the key directory's signed tree head and entries
 * (docs/design.md §4) and the phonebook's contacts (§3). None of them carries a network address: the
 * phonebook never tells one client where another is (docs/design.md §3.6, docs/lessons.md #21).
 */
import {
  bool,
  bytes,
  list,
  optional,
  struct,
  structOf,
  u32,
  u64,
  utf8,
  varBytes,
  variant,
} from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';

/** The relay's signed statement of the key directory's Merkle tree (docs/design.md §4). */
export interface SignedTreeHead {
  /** Number of entries in the log. u64 (≤ 2^53 − 1). */
  size: number;
  /** Merkle tree hash of the first `size` entries (RFC 9162 hashing, SHA3-256). 32 bytes. */
  root: Uint8Array;
  /**
   * Root of the name map of the first `size` entries: each folded name → leaf hash of the first entry
   * binding it (docs/key-transparency.md, "The name map"). Signed with the rest (tree head version 2). 32 bytes.
   */
  mapRoot: Uint8Array;
  /** When the relay signed this head, milliseconds since the Unix epoch. u64. */
  time: number;
  /** Identifies the directory (log) this head belongs to. 32 bytes. */
  logId: Uint8Array;
  /** Relay's RSA-PSS signature over the head (what exactly is signed: docs/protocol.md). ≤ 1024 bytes. */
  signature: Uint8Array;
}

export const signedTreeHeadSchema = structOf<SignedTreeHead>()({
  size: u64,
  root: bytes(L.hashBytes),
  mapRoot: bytes(L.hashBytes),
  time: u64,
  logId: bytes(L.hashBytes),
  signature: varBytes(L.signatureMaxBytes),
});

/** One leaf of the key directory (docs/design.md §4). */
export interface DirectoryEntry {
  /** Position in the log, from 0. u64. */
  index: number;
  /** SHA3-256 of `publicKey`. 32 bytes. */
  clientId: Uint8Array;
  /** Bound display name, UTF-8. ≤ 64 bytes. */
  name: string;
  /** SPKI DER public key. ≤ 2048 bytes. */
  publicKey: Uint8Array;
  /** When the entry was appended, milliseconds since the Unix epoch. u64. */
  time: number;
  /**
   * Present when the entry rotates the name's key (docs/key-transparency.md, "Key rotation"): the binding
   * it replaces and that binding's key's signature over the rotation statement.
   */
  rotation?: KeyRotation;
}

/** The rotation part of a directory entry. */
export interface KeyRotation {
  /** clientId of the replaced binding. 32 bytes. */
  previous: Uint8Array;
  /** The replaced key's RSA-PSS signature over the rotation statement. ≤ 1024 bytes. */
  signature: Uint8Array;
}

export const directoryEntrySchema = structOf<DirectoryEntry>()({
  index: u64,
  clientId: bytes(L.clientIdBytes),
  name: utf8(L.nameMaxBytes),
  publicKey: varBytes(L.publicKeyMaxBytes),
  time: u64,
  rotation: optional(
    structOf<KeyRotation>()({ previous: bytes(L.clientIdBytes), signature: varBytes(L.signatureMaxBytes) }),
  ),
});

/** A phonebook line: who, and whether they are reachable now. Never an address. */
export interface Contact {
  /** The contact's id. 32 bytes. */
  clientId: Uint8Array;
  /** The contact's bound name. ≤ 64 bytes. */
  name: string;
  /** Whether the contact is connected to the directory now. */
  online: boolean;
}

export const contactSchema = structOf<Contact>()({
  clientId: bytes(L.clientIdBytes),
  name: utf8(L.nameMaxBytes),
  online: bool,
});

/** A window of the phonebook, ordered by directory index. */
export interface PhonebookPage {
  /** Position of the first contact in the whole phonebook. u32. */
  offset: number;
  /** Number of contacts in the whole phonebook. u32. */
  total: number;
  /** The contacts of this page. ≤ 256. */
  contacts: readonly Contact[];
}

export const phonebookPageSchema = structOf<PhonebookPage>()({
  offset: u32,
  total: u32,
  contacts: list(contactSchema, L.phonebookPageMaxContacts),
});

/** Hashes of an inclusion proof, leaf to root. */
export const inclusionProofSchema = list(bytes(L.hashBytes), L.inclusionProofMaxHashes);
/** Hashes of a consistency proof (RFC 9162 §2.1.4). */
export const consistencyProofSchema = list(bytes(L.hashBytes), L.consistencyProofMaxHashes);

/** Where a name-map proof's path ends: an empty subtree, or the one pair its subtree holds. */
export type MapProofTerminal = { kind: 'empty' } | { kind: 'leaf'; key: Uint8Array; value: Uint8Array };

/**
 * Membership or non-membership proof of one name in the name map of a signed tree head
 * (docs/key-transparency.md, "The name map"): sibling hashes from the root down, then the terminal.
 */
export interface MapProof {
  /** Sibling hashes, root to terminal. ≤ 256 hashes of 32 bytes. */
  siblings: readonly Uint8Array[];
  terminal: MapProofTerminal;
}

export const mapProofSchema = structOf<MapProof>()({
  siblings: list(bytes(L.hashBytes), L.mapProofMaxHashes),
  terminal: variant('kind', {
    empty: struct({}),
    leaf: struct({ key: bytes(L.hashBytes), value: bytes(L.hashBytes) }),
  }),
});
