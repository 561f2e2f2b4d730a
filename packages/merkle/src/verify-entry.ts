/**
 * The check a client makes on every public key it is handed (docs/design.md §4, §5.1; docs/lessons.md #4): the
 * entry is leaf `entry.index` of the tree described by an accepted tree head. The entry's own index is
 * inside the leaf data, so a proof for one position can never vouch for an entry claiming another.
 */
import { type DirectoryEntry, entryLeafHash } from './entry.js';
import type { HashFunction } from './hash.js';
import { SHA3_256 } from './hash.js';
import type { TreeHead } from './tree-head.js';
import { verifyInclusion } from './verify-inclusion.js';

/**
 * Input of `verifyEntryInclusion`: a directory entry, its inclusion proof and an already-accepted tree head.
 */
export interface EntryInclusionCheck {
  readonly entry: DirectoryEntry;
  /** Inclusion proof of the entry's leaf, leaf to root. */
  readonly proof: readonly Uint8Array[];
  /** A tree head the caller has already accepted (signature and consistency checked). */
  readonly treeHead: TreeHead;
}

/** Throws (RootMismatchError, ProofLengthError, IndexOutOfRangeError, …) unless the entry is in the tree. */
export function verifyEntryInclusion(check: EntryInclusionCheck, hash: HashFunction = SHA3_256): void {
  verifyInclusion(
    {
      index: check.entry.index,
      size: check.treeHead.size,
      leafHash: entryLeafHash(check.entry, hash),
      proof: check.proof,
      root: check.treeHead.root,
    },
    hash,
  );
}
