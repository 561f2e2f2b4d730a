/**
 * Inclusion proof verification, RFC 9162 §2.1.3.2, and its subtree form from
 * draft-ietf-plants-merkle-tree-certs (inclusion of a leaf in the subtree `[start, end)`).
 *
 * What this proves: the leaf with hash `leafHash` is at `index` in the tree whose root is `root`,
 * *given that the tree has `size` leaves*. The size itself is not bound by the proof — two sizes whose
 * trees have the same shape along the leaf's path accept the same proof — so sizes must come from a
 * signed tree head (tree-head.ts), which binds size and root together.
 */
import { equalBytes, toHex } from './bytes.js';
import {
  HashLengthError,
  IndexOutOfRangeError,
  InvalidSubtreeError,
  ProofLengthError,
  RootMismatchError,
} from './errors.js';
import { type HashFunction, hashChildren, SHA3_256 } from './hash.js';
import { inclusionShape, isValidSubtree } from './proof-shape.js';
import { assertSafeInteger, half, isOdd } from './safe-integer.js';

/** Everything an inclusion check needs. `proof` is leaf-to-root, as the log produces it. */
export interface InclusionCheck {
  readonly index: number;
  readonly size: number;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
  readonly root: Uint8Array;
}

/** Inclusion of leaf `index` in the subtree `[start, end)` whose hash is `subtreeRoot`. */
export interface SubtreeInclusionCheck {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
  readonly subtreeRoot: Uint8Array;
}

/**
 * Recomputes the root from a leaf hash and its inclusion proof (RFC 9162 §2.1.3.2). Throws on an
 * index outside the tree, a proof of the wrong length, or a hash of the wrong size; the caller compares
 * the result (or uses {@link verifyInclusion}).
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  hash: HashFunction = SHA3_256,
): Uint8Array {
  assertSafeInteger('index', index);
  assertSafeInteger('size', size);
  if (index >= size) throw new IndexOutOfRangeError('leaf index', index, size);
  checkHashLength('leaf hash', leafHash, hash.size);
  const expected = inclusionShape(index, 0, size).length;
  if (proof.length !== expected) throw new ProofLengthError('inclusion proof', expected, proof.length);
  for (const p of proof) checkHashLength('proof hash', p, hash.size);

  // RFC 9162 §2.1.3.2 steps 2-5: fn walks the leaf's path, sn the tree's last leaf.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new ProofLengthError('inclusion proof', expected, proof.length);
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(hash, p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(hash, r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofLengthError('inclusion proof', expected, proof.length);
  return r;
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`. Returns
 * nothing; throws a {@link RootMismatchError} (with expected and computed roots in hex),
 * {@link ProofLengthError}, {@link IndexOutOfRangeError}, {@link HashLengthError} or
 * InvalidNumberError.
 */
export function verifyInclusion(check: InclusionCheck, hash: HashFunction = SHA3_256): void {
  const computed = rootFromInclusionProof(check.index, check.size, check.leafHash, check.proof, hash);
  if (!equalBytes(computed, check.root)) {
    throw new RootMismatchError('inclusion proof', toHex(check.root), toHex(computed));
  }
}

/**
 * Verifies inclusion of leaf `index` in the subtree `[start, end)` (MTC draft, "subtree inclusion
 * proof"): an ordinary inclusion proof of `index − start` in a tree of `end − start` leaves, after
 * checking that the range is a subtree at all.
 */
export function verifySubtreeInclusion(check: SubtreeInclusionCheck, hash: HashFunction = SHA3_256): void {
  assertSafeInteger('index', check.index);
  assertSafeInteger('start', check.start);
  assertSafeInteger('end', check.end);
  if (!isValidSubtree(check.start, check.end)) throw new InvalidSubtreeError(check.start, check.end);
  if (check.index < check.start || check.index >= check.end) {
    throw new IndexOutOfRangeError('leaf index', check.index, check.end);
  }
  const computed = rootFromInclusionProof(
    check.index - check.start,
    check.end - check.start,
    check.leafHash,
    check.proof,
    hash,
  );
  if (!equalBytes(computed, check.subtreeRoot)) {
    throw new RootMismatchError('subtree inclusion proof', toHex(check.subtreeRoot), toHex(computed));
  }
}

/** Throws {@link HashLengthError} unless `bytes` is a Uint8Array of exactly `size` bytes. */
export function checkHashLength(what: string, bytes: Uint8Array, size: number): void {
  if (!(bytes instanceof Uint8Array)) throw new HashLengthError(what, size, 0);
  if (bytes.length !== size) throw new HashLengthError(what, size, bytes.length);
}
