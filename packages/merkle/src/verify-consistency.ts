/**
 * Consistency proof verification, RFC 9162 §2.1.4.2, in the generalised form of
 * draft-ietf-plants-merkle-tree-certs ("verifying a subtree consistency proof"): the subtree
 * `[start, end)` with hash `subtreeRoot` sits at those positions in the tree of `size` leaves with root
 * `root`. The RFC case — the tree of `oldSize` leaves is a prefix of the tree of `newSize` leaves, i.e.
 * the log only grew — is the subtree `[0, oldSize)`.
 *
 * As with inclusion, a proof binds the roots but not, on its own, the larger size; sizes must come from
 * signed tree heads.
 */
import { equalBytes, toHex } from './bytes.js';
import {
  EmptyTreeError,
  IndexOutOfRangeError,
  InvalidSubtreeError,
  ProofLengthError,
  RootMismatchError,
  SizeDecreasedError,
} from './errors.js';
import { emptyRoot, type HashFunction, hashChildren, SHA3_256 } from './hash.js';
import { isValidSubtree, subtreeConsistencyShape } from './proof-shape.js';
import { assertSafeInteger, half, isOdd } from './safe-integer.js';
import { checkHashLength } from './verify-inclusion.js';

/** The log grew from `oldSize` (root `oldRoot`) to `newSize` (root `newRoot`) by appending only. */
export interface ConsistencyCheck {
  readonly oldSize: number;
  readonly newSize: number;
  readonly oldRoot: Uint8Array;
  readonly newRoot: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

/** The subtree `[start, end)` with hash `subtreeRoot` is part of the tree of `size` leaves with root `root`. */
export interface SubtreeConsistencyCheck {
  readonly start: number;
  readonly end: number;
  readonly size: number;
  readonly subtreeRoot: Uint8Array;
  readonly root: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

/**
 * Verifies an RFC 9162 consistency proof. Equal sizes need an empty proof and equal roots. A
 * proof from the empty tree is refused ({@link EmptyTreeError}): it would prove nothing, and a client
 * with no previous tree head has nothing to check (it accepts its first head on its signature alone).
 * Throws {@link SizeDecreasedError}, {@link ProofLengthError}, {@link RootMismatchError},
 * HashLengthError or InvalidNumberError.
 */
export function verifyConsistency(check: ConsistencyCheck, hash: HashFunction = SHA3_256): void {
  const { oldSize, newSize, oldRoot, newRoot, proof } = check;
  assertSafeInteger('oldSize', oldSize);
  assertSafeInteger('newSize', newSize);
  if (newSize < oldSize) throw new SizeDecreasedError(oldSize, newSize);
  if (oldSize === 0) throw new EmptyTreeError('a consistency proof from the empty tree proves nothing');
  verifyShapedConsistency(0, oldSize, newSize, oldRoot, newRoot, proof, hash, 'consistency proof');
}

/**
 * Verifies a subtree consistency proof (MTC draft). An empty subtree `[s, s)` is consistent with any
 * tree of at least `s` leaves; its hash must be the empty-tree hash and its proof empty.
 */
export function verifySubtreeConsistency(
  check: SubtreeConsistencyCheck,
  hash: HashFunction = SHA3_256,
): void {
  const { start, end, size, subtreeRoot, root, proof } = check;
  assertSafeInteger('start', start);
  assertSafeInteger('end', end);
  assertSafeInteger('size', size);
  if (!isValidSubtree(start, end)) throw new InvalidSubtreeError(start, end);
  if (end > size) throw new IndexOutOfRangeError('subtree end', end, size);
  if (start === end) {
    if (proof.length !== 0) throw new ProofLengthError('subtree consistency proof', 0, proof.length);
    const empty = emptyRoot(hash);
    if (!equalBytes(empty, subtreeRoot)) {
      throw new RootMismatchError('empty subtree', toHex(subtreeRoot), toHex(empty));
    }
    return;
  }
  verifyShapedConsistency(start, end, size, subtreeRoot, root, proof, hash, 'subtree consistency proof');
}

function verifyShapedConsistency(
  start: number,
  end: number,
  size: number,
  subtreeRoot: Uint8Array,
  root: Uint8Array,
  proof: readonly Uint8Array[],
  hash: HashFunction,
  what: string,
): void {
  if (start === 0 && end === size) {
    // RFC 9162 §2.1.4.2 step 1: nothing to prove between equal trees but that they are equal. The
    // roots are compared as given; they are bound to their sizes by the tree-head signatures.
    if (proof.length !== 0) throw new ProofLengthError(what, 0, proof.length);
    if (!equalBytes(subtreeRoot, root)) throw new RootMismatchError(what, toHex(root), toHex(subtreeRoot));
    return;
  }
  const expected = subtreeConsistencyShape(start, end, size).length;
  if (proof.length !== expected) throw new ProofLengthError(what, expected, proof.length);
  for (const p of proof) checkHashLength('proof hash', p, hash.size);

  // fn, sn: first and last leaf of the subtree; tn: last leaf of the tree. Shifting climbs a level.
  let fn = start;
  let sn = end - 1;
  let tn = size - 1;
  if (sn === tn) {
    // The subtree ends at the tree's right edge: climb to the subtree's root, no hash needed.
    while (fn !== sn) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  } else {
    // RFC 9162 step 4: skip the levels where the subtree's last node is a right child of a node
    // inside the subtree.
    while (fn !== sn && isOdd(sn)) {
      fn = half(fn);
      sn = half(sn);
      tn = half(tn);
    }
  }
  // fr rebuilds the subtree's hash, sr the tree's root, from a shared seed (RFC 9162 steps 2 and 5).
  let next = 0;
  let fr: Uint8Array;
  if (fn === sn) {
    fr = subtreeRoot;
  } else {
    fr = proof[0]!;
    next = 1;
  }
  let sr = fr;
  for (; next < proof.length; next++) {
    const c = proof[next]!;
    if (tn === 0) throw new ProofLengthError(what, expected, proof.length);
    if (isOdd(sn) || sn === tn) {
      if (fn < sn) fr = hashChildren(hash, c, fr);
      sr = hashChildren(hash, c, sr);
      while (!isOdd(sn) && sn !== 0) {
        fn = half(fn);
        sn = half(sn);
        tn = half(tn);
      }
    } else {
      sr = hashChildren(hash, sr, c);
    }
    fn = half(fn);
    sn = half(sn);
    tn = half(tn);
  }
  if (tn !== 0) throw new ProofLengthError(what, expected, proof.length);
  if (!equalBytes(fr, subtreeRoot)) {
    throw new RootMismatchError(`${what} (old root)`, toHex(subtreeRoot), toHex(fr));
  }
  if (!equalBytes(sr, root)) throw new RootMismatchError(`${what} (new root)`, toHex(root), toHex(sr));
}
