/**
 * @packageDocumentation
 * `@leitung/merkle` — the key directory's append-only Merkle log (RFC 9162 hashing, injected hash,
 * SHA3-256 by default) with inclusion and consistency proofs, its storage interface and in-memory
 * storage, canonical entry and tree-head encodings, signed tree heads, the verifiers (also available
 * alone as `@leitung/merkle/verify`), the verifiable name map and the seed's flat root. See docs/key-transparency.md.
 */
export { type DirectoryEntry, decodeEntry, encodeEntry, entryLeafHash, type KeyRotation } from './entry.js';
export {
  BadSignatureError,
  DuplicateKeyError,
  EmptyTreeError,
  EncodingError,
  HashFunctionError,
  HashLengthError,
  IndexOutOfRangeError,
  InvalidFieldError,
  InvalidKeyError,
  InvalidNumberError,
  InvalidSubtreeError,
  isMerkleError,
  LogIdMismatchError,
  MapProofError,
  MERKLE_ERROR_CODES,
  MerkleError,
  MerkleErrorCode,
  NameNotNfcError,
  ProofLengthError,
  RootMismatchError,
  SizeDecreasedError,
  SplitViewError,
  StaleTreeHeadError,
  StorageError,
} from './errors.js';
export { flatRoot, normaliseKey } from './flat-root.js';
export {
  emptyRoot,
  type HashFunction,
  hashChildren,
  hashLeaf,
  SHA_256,
  SHA3_256,
  SHA3_256_PORTABLE,
} from './hash.js';
export { MerkleLog, type MerkleLogOptions } from './log.js';
export { MAP_KEY_BYTES, mapEmptyHash, mapKeyOfFoldedName, mapLeafHash, mapNodeHash } from './map-hash.js';
export { MemoryStorage } from './memory-storage.js';
export { type MapPair, NameMap } from './name-map.js';
export { isValidSubtree } from './proof-shape.js';
export type { LogBatch, LogStorage, StoredNode } from './storage.js';
export {
  decodeSignedTreeHead,
  decodeTreeHead,
  encodeSignedTreeHead,
  encodeTreeHead,
  type SignedTreeHead,
  type SignFunction,
  signTreeHead,
  type TreeHead,
  type VerifySignatureFunction,
  verifyTreeHeadSignature,
} from './tree-head.js';
export {
  checkTreeHeadUpdate,
  type TreeHeadChange,
  type TreeHeadDecision,
  type TreeHeadPolicy,
  TreeHeadTracker,
  type TreeHeadUpdate,
} from './tree-head-tracker.js';
export {
  type ConsistencyCheck,
  type SubtreeConsistencyCheck,
  verifyConsistency,
  verifySubtreeConsistency,
} from './verify-consistency.js';
export { type EntryInclusionCheck, verifyEntryInclusion } from './verify-entry.js';
export {
  type InclusionCheck,
  rootFromInclusionProof,
  type SubtreeInclusionCheck,
  verifyInclusion,
  verifySubtreeInclusion,
} from './verify-inclusion.js';
export {
  type MapLookup,
  type MapProof,
  type MapProofCheck,
  type MapTerminal,
  rootFromMapProof,
  verifyMapProof,
} from './verify-map.js';
