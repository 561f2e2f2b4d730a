/**
 * The verifiable name map (docs/key-transparency.md, "The name map"): an in-memory sparse Merkle prefix
 * tree (hashing in map-hash.ts) from 256-bit keys to hash-sized values, with membership and
 * non-membership proofs. Nodes are immutable and shared: `set` copies only the path it changes (O(depth))
 * and returns a new map, so a caller can compute the root a change would give and drop it if the change
 * does not commit. `build` makes a map from many pairs in one pass over the sorted keys.
 */
import { compareBytes, toHex } from './bytes.js';
import { DuplicateKeyError } from './errors.js';
import { checkHashFunction, type HashFunction, SHA3_256 } from './hash.js';
import { keyBit, mapEmptyHash, mapLeafHash, mapNodeHash } from './map-hash.js';
import { checkHashLength } from './verify-inclusion.js';
import type { MapProof } from './verify-map.js';

interface MapLeaf {
  readonly kind: 'leaf';
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly hash: Uint8Array;
}

type MapNode =
  | MapLeaf
  | {
      readonly kind: 'node';
      readonly left: MapNode | undefined;
      readonly right: MapNode | undefined;
      readonly hash: Uint8Array;
    };

/**
 * One binding of the name map: a 32-byte map key and its value (the leaf hash of the name's current binding).
 */
export interface MapPair {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * The verifiable name map (docs/key-transparency.md, "The name map"): an immutable sparse Merkle prefix tree
 * from 32-byte keys to hashes, with membership and non-membership proofs; `set` returns a new map.
 */
export class NameMap {
  readonly #hash: HashFunction;
  readonly #root: MapNode | undefined;
  readonly #empty: Uint8Array;
  readonly size: number;

  private constructor(hash: HashFunction, root: MapNode | undefined, size: number, empty: Uint8Array) {
    this.#hash = hash;
    this.#root = root;
    this.size = size;
    this.#empty = empty;
  }

  /** The empty map. */
  static empty(hash: HashFunction = SHA3_256): NameMap {
    checkHashFunction(hash);
    return new NameMap(hash, undefined, 0, mapEmptyHash(hash));
  }

  /** A map holding exactly `pairs`; two pairs with one key are MERKLE_ERR_DUPLICATE_KEY. */
  static build(pairs: readonly MapPair[], hash: HashFunction = SHA3_256): NameMap {
    checkHashFunction(hash);
    for (const pair of pairs) checkPair(pair, hash);
    // Hex strings order like the bytes and sort natively, far faster than a byte-wise comparator.
    const decorated = pairs.map((pair) => ({ hex: toHex(pair.key), pair }));
    decorated.sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
    for (let i = 1; i < decorated.length; i++) {
      if (decorated[i - 1]!.hex === decorated[i]!.hex) throw new DuplicateKeyError(decorated[i]!.hex);
    }
    const sorted = decorated.map((d) => d.pair);
    const empty = mapEmptyHash(hash);
    const root = buildSorted(hash, empty, sorted, 0, sorted.length, 0);
    return new NameMap(hash, root, sorted.length, empty);
  }

  /** The map's root hash (the `mapRoot` of a tree head). */
  root(): Uint8Array {
    return this.#root?.hash ?? this.#empty;
  }

  /** The value of `key`, if present. */
  get(key: Uint8Array): Uint8Array | undefined {
    let at = this.#root;
    for (let depth = 0; at !== undefined; depth++) {
      if (at.kind === 'leaf') return compareBytes(at.key, key) === 0 ? at.value : undefined;
      at = keyBit(key, depth) === 0 ? at.left : at.right;
    }
    return undefined;
  }

  /** A new map in which `key` has `value` (added, or replacing the old value); this map is unchanged. */
  set(key: Uint8Array, value: Uint8Array): NameMap {
    checkPair({ key, value }, this.#hash);
    const added = this.get(key) === undefined; // O(depth) walk without hashing
    const root = insert(this.#hash, this.#empty, this.#root, 0, key.slice(), value.slice());
    return new NameMap(this.#hash, root, this.size + (added ? 1 : 0), this.#empty);
  }

  /** Membership or non-membership proof of `key` (verify with `verifyMapProof`). */
  prove(key: Uint8Array): MapProof {
    checkHashLength('map key', key, this.#hash.size);
    const siblings: Uint8Array[] = [];
    let at = this.#root;
    for (let depth = 0; ; depth++) {
      if (at === undefined) return { siblings, terminal: { kind: 'empty' } };
      if (at.kind === 'leaf') return { siblings, terminal: { kind: 'leaf', key: at.key, value: at.value } };
      const goRight = keyBit(key, depth) === 1;
      const sibling = goRight ? at.left : at.right;
      siblings.push(sibling?.hash ?? this.#empty);
      at = goRight ? at.right : at.left;
    }
  }
}

function checkPair(pair: MapPair, hash: HashFunction): void {
  checkHashLength('map key', pair.key, hash.size);
  checkHashLength('map value', pair.value, hash.size);
}

function leaf(hash: HashFunction, key: Uint8Array, value: Uint8Array): MapLeaf {
  return { kind: 'leaf', key, value, hash: mapLeafHash(hash, key, value) };
}

function node(
  hash: HashFunction,
  left: MapNode | undefined,
  right: MapNode | undefined,
  empty: Uint8Array,
): MapNode {
  return { kind: 'node', left, right, hash: mapNodeHash(hash, left?.hash ?? empty, right?.hash ?? empty) };
}

/** Pairs `[lo, hi)` of `sorted` all share their first `depth` bits; returns their subtree. */
function buildSorted(
  hash: HashFunction,
  empty: Uint8Array,
  sorted: readonly MapPair[],
  lo: number,
  hi: number,
  depth: number,
): MapNode | undefined {
  if (hi === lo) return undefined;
  if (hi - lo === 1) return leaf(hash, sorted[lo]!.key, sorted[lo]!.value);
  // Sorted keys with a common prefix: the ones with bit `depth` = 1 form a suffix; find where it starts.
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (keyBit(sorted[mid]!.key, depth) === 0) a = mid + 1;
    else b = mid;
  }
  const left = buildSorted(hash, empty, sorted, lo, a, depth + 1);
  return node(hash, left, buildSorted(hash, empty, sorted, a, hi, depth + 1), empty);
}

function insert(
  hash: HashFunction,
  empty: Uint8Array,
  at: MapNode | undefined,
  depth: number,
  key: Uint8Array,
  value: Uint8Array,
): MapNode {
  if (at === undefined) return leaf(hash, key, value);
  if (at.kind === 'leaf') {
    if (compareBytes(at.key, key) === 0) return leaf(hash, key, value);
    return split(hash, at, leaf(hash, key, value), depth, empty);
  }
  return keyBit(key, depth) === 0
    ? node(hash, insert(hash, empty, at.left, depth + 1, key, value), at.right, empty)
    : node(hash, at.left, insert(hash, empty, at.right, depth + 1, key, value), empty);
}

/** The subtree at `depth` holding two leaves with different keys that share the first `depth` bits. */
function split(hash: HashFunction, a: MapLeaf, b: MapLeaf, depth: number, empty: Uint8Array): MapNode {
  const bitA = keyBit(a.key, depth);
  if (bitA !== keyBit(b.key, depth)) return bitA === 0 ? node(hash, a, b, empty) : node(hash, b, a, empty);
  const below = split(hash, a, b, depth + 1, empty);
  return bitA === 0 ? node(hash, below, undefined, empty) : node(hash, undefined, below, empty);
}
