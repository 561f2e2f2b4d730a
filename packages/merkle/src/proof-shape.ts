/**
 * Which leaf ranges a proof's hashes cover — pure index arithmetic, no hashing and no storage.
 *
 * The log uses these shapes to know which stored nodes to read; the verifiers use their lengths to
 * reject proofs of the wrong size before hashing anything. Both follow the recursive definitions of
 * RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF), and their generalisation to subtrees in
 * draft-ietf-plants-merkle-tree-certs (SUBTREE_PROOF), walked top-down and returned leaf-to-root.
 */
import { bitLength, splitPoint } from './safe-integer.js';

/** The leaves `[start, end)`; a proof hash is the Merkle tree hash of such a range. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A subtree in the sense of RFC 9162 / the MTC draft: `start ≤ end`, and `start` is a multiple of the
 * smallest power of two ≥ `end − start` (so the range hangs below a single node of every tree that
 * contains it). `[0, n)` is always one; an empty range `[s, s)` counts as one too.
 */
export function isValidSubtree(start: number, end: number): boolean {
  if (start > end) return false;
  if (start === 0 || start === end) return true;
  const length = end - start;
  const ceiling = length <= 1 ? 1 : 2 ** bitLength(length - 1);
  return start % ceiling === 0;
}

/**
 * RFC 9162 §2.1.3.1 PATH(index, D[start:end]): the sibling ranges on the way from leaf `index` up to
 * the root of the subtree `[start, end)`, leaf first. Requires `start ≤ index < end`.
 */
export function inclusionShape(index: number, start: number, end: number): LeafRange[] {
  const ranges: LeafRange[] = [];
  let lo = start;
  let hi = end;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      ranges.push({ start: lo, end: lo + k });
      lo += k;
    }
  }
  return ranges.reverse();
}

/**
 * SUBTREE_PROOF(start, end, D[0:size]) of the MTC draft, which for `start = 0` is RFC 9162 §2.1.4.1
 * PROOF(end, D[0:size]): the ranges whose hashes prove that `[start, end)` sits at those positions in
 * the tree of `size` leaves, lowest first. Requires a valid, non-empty subtree with `end ≤ size`; the
 * trivial cases (empty subtree, whole tree) have no proof hashes and are for the caller to handle.
 */
export function subtreeConsistencyShape(start: number, end: number, size: number): LeafRange[] {
  const ranges: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  let first = start;
  // "known": the verifier already holds the hash of the range the walk ends in (RFC 9162's b flag).
  let known = true;
  for (;;) {
    if (first === lo && end === hi) {
      if (!known) ranges.push({ start: lo, end: hi });
      break;
    }
    const k = splitPoint(hi - lo);
    if (end <= lo + k) {
      ranges.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else if (lo + k <= first) {
      ranges.push({ start: lo, end: lo + k });
      lo += k;
    } else {
      // The subtree straddles the split, which for a valid subtree means it starts at lo: the left
      // half is wholly inside it and the walk continues in the right half with the hash unknown.
      ranges.push({ start: lo, end: lo + k });
      lo += k;
      first = lo;
      known = false;
    }
  }
  return ranges.reverse();
}
