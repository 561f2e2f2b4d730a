/**
 * @packageDocumentation
 * `@leitung/merkle/verify` — what a client needs to check the key directory, and nothing that builds
 * trees: inclusion and consistency proof verifiers (RFC 9162 §2.1.3.2, §2.1.4.2, and the subtree forms
 * of draft-ietf-plants-merkle-tree-certs), the canonical entry and tree-head encodings, tree-head
 * signature checks with an injected verifier, name-map proof verification, and the tree-head tracker that refuses shrinking,
 * inconsistent or split-view heads. See docs/key-transparency.md.
 */
export { type DirectoryEntry, decodeEntry, encodeEntry, entryLeafHash } from './entry.js';
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
export {
  emptyRoot,
  type HashFunction,
  hashChildren,
  hashLeaf,
  SHA_256,
  SHA3_256,
  SHA3_256_PORTABLE,
} from './hash.js';
export { MAP_KEY_BYTES, mapEmptyHash, mapKeyOfFoldedName, mapLeafHash, mapNodeHash } from './map-hash.js';
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
