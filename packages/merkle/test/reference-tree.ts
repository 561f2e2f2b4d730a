/**
 * A deliberately naive Merkle tree: the recursive definitions of RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH)
 * and §2.1.4.1 (PROOF/SUBPROOF), and SUBTREE_PROOF of draft-ietf-plants-merkle-tree-certs, written
 * straight from the text over a list of leaves. It shares no code with the package (not even the
 * 0x00/0x01 hashing helpers), so agreement between the two is evidence, not tautology. MTH results are
 * memoised by range only to keep the tests fast; the arithmetic stays the naive one.
 */
import type { HashFunction } from '../src/index.js';

export class ReferenceTree {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(
    private readonly hash: HashFunction,
    private readonly leaves: readonly Uint8Array[],
  ) {}

  get size(): number {
    return this.leaves.length;
  }

  /** MTH(D[lo:hi]). */
  mth(lo: number, hi: number): Uint8Array {
    const key = `${lo},${hi}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    let out: Uint8Array;
    const n = hi - lo;
    if (n === 0) out = this.hash.hash(new Uint8Array(0));
    else if (n === 1) out = this.hash.hash(Uint8Array.from([0, ...this.leaves[lo]!]));
    else {
      const k = largestPowerOfTwoBelow(n);
      out = this.hash.hash(Uint8Array.from([1, ...this.mth(lo, lo + k), ...this.mth(lo + k, hi)]));
    }
    this.memo.set(key, out);
    return out;
  }

  leafHash(index: number): Uint8Array {
    return this.mth(index, index + 1);
  }

  /** PATH(m, D[lo:hi]) with m relative to lo. */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    const n = hi - lo;
    if (n <= 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.path(m, lo, lo + k), this.mth(lo + k, hi)];
    return [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }

  /** SUBPROOF(m, D[lo:hi], b) with m relative to lo. */
  private subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) return [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)];
    return [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  /** SUBTREE_PROOF(start, end, D[0:n]) = SUBTREE_SUBPROOF(start, end, D[0:n], true). */
  subtreeProof(start: number, end: number, n: number): Uint8Array[] {
    return this.subtreeSubproof(start, end, 0, n, true);
  }

  /** SUBTREE_SUBPROOF(start, end, D[lo:hi], known) with start and end relative to lo. */
  private subtreeSubproof(start: number, end: number, lo: number, hi: number, known: boolean): Uint8Array[] {
    const n = hi - lo;
    if (start === 0 && end === n) return known ? [] : [this.mth(lo, hi)];
    const k = largestPowerOfTwoBelow(n);
    if (end <= k) return [...this.subtreeSubproof(start, end, lo, lo + k, known), this.mth(lo + k, hi)];
    if (k <= start)
      return [...this.subtreeSubproof(start - k, end - k, lo + k, hi, known), this.mth(lo, lo + k)];
    return [...this.subtreeSubproof(0, end - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }
}

/** The k of RFC 9162 §2.1.1: the largest power of two smaller than n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** All [start, end) with end ≤ n that are subtrees: start is a multiple of bit_ceil(end − start). */
export function validSubtrees(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let start = 0; start < n; start++) {
    for (let end = start + 1; end <= n; end++) {
      let ceiling = 1;
      while (ceiling < end - start) ceiling *= 2;
      if (start % ceiling === 0) out.push([start, end]);
    }
  }
  return out;
}
