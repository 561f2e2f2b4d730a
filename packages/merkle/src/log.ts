/**
 * The append-only Merkle log of the key directory (docs/design.md §4), RFC 9162 hashing throughout.
 *
 * Append keeps the "frontier" — the roots of the perfect subtrees along the right edge, one per set
 * bit of the size — in memory: a new leaf merges with the frontier while its index is odd, so an
 * append costs one leaf hash plus on average one node hash (never more than log2 n) and writes exactly
 * the nodes that became complete. Roots of earlier sizes and all proofs are assembled from stored
 * complete-subtree roots (proof-shape.ts): O(log n) reads and at most O(log n) hashes for the one
 * incomplete ("ephemeral") range a proof may contain, never a rehash of a whole range.
 */

import { type DirectoryEntry, encodeEntry } from './entry.js';
import {
  EmptyTreeError,
  IndexOutOfRangeError,
  InvalidFieldError,
  InvalidSubtreeError,
  SizeDecreasedError,
  StorageError,
} from './errors.js';
import { checkHashFunction, emptyRoot, type HashFunction, hashChildren, hashLeaf, SHA3_256 } from './hash.js';
import { MemoryStorage } from './memory-storage.js';
import { perfectNodes } from './perfect-nodes.js';
import { inclusionShape, isValidSubtree, subtreeConsistencyShape } from './proof-shape.js';
import { assertSafeInteger, half, isOdd } from './safe-integer.js';
import type { LogStorage, StoredNode } from './storage.js';
import type { TreeHead } from './tree-head.js';

/** Options of `new MerkleLog`: where the nodes live and which tree hash to use. */
export interface MerkleLogOptions {
  /** Where nodes live; a fresh {@link MemoryStorage} by default. An existing log is picked up. */
  readonly storage?: LogStorage;
  /** The tree hash; SHA3-256 (@noble/hashes) by default. */
  readonly hash?: HashFunction;
}

/**
 * The key directory's append-only Merkle log (RFC 9162 hashing, SHA3-256 by default): appends entries and
 * gives roots, tree heads, inclusion and consistency proofs for any earlier size (docs/key-transparency.md).
 */
export class MerkleLog {
  readonly hash: HashFunction;
  readonly storage: LogStorage;
  private count = 0;
  /** frontier[level]: root of the perfect subtree at `level` on the right edge, iff bit `level` of count is set. */
  private frontier: (Uint8Array | undefined)[] = [];
  private currentRoot: Uint8Array | undefined;

  constructor(options: MerkleLogOptions = {}) {
    this.hash = options.hash ?? SHA3_256;
    checkHashFunction(this.hash);
    this.storage = options.storage ?? new MemoryStorage();
    this.reload();
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /**
   * Re-reads the size and the right-edge nodes from storage: after another writer (e.g. a cluster
   * replica) appended through the same storage. O(log n) reads.
   */
  reload(): void {
    const size = this.storage.getSize();
    assertSafeInteger('stored size', size);
    const frontier: (Uint8Array | undefined)[] = [];
    for (const node of perfectNodes(0, size)) frontier[node.level] = this.readNode(node.level, node.index);
    this.count = size;
    this.frontier = frontier;
    this.currentRoot = undefined;
  }

  /** Appends one leaf (its data, e.g. `encodeEntry(entry)`); returns its index. */
  append(data: Uint8Array): number {
    return this.appendLeafHashes([this.leafHashOf(data)]);
  }

  /** Appends several leaves in one storage commit; returns the index of the first. */
  appendMany(data: readonly Uint8Array[]): number {
    return this.appendLeafHashes(data.map((d) => this.leafHashOf(d)));
  }

  /** Appends a directory entry, which must carry the next index; returns that index. */
  appendEntry(entry: DirectoryEntry): number {
    if (entry.index !== this.count) {
      throw new InvalidFieldError(
        'index',
        `entry index ${entry.index} is not the next position ${this.count}`,
      );
    }
    return this.append(encodeEntry(entry));
  }

  /** Root of the tree of the first `size` entries (default: all). */
  root(size: number = this.count): Uint8Array {
    this.checkSize(size);
    if (size === 0) return emptyRoot(this.hash);
    if (size === this.count) {
      this.currentRoot ??= this.frontierRoot();
      // A copy: the cached root must not change if the caller modifies what it was given.
      return new Uint8Array(this.currentRoot);
    }
    return this.rangeHash(0, size);
  }

  /** Leaf hash of entry `index`. */
  leafHash(index: number): Uint8Array {
    assertSafeInteger('index', index);
    if (index >= this.count) throw new IndexOutOfRangeError('leaf index', index, this.count);
    return this.readNode(0, index);
  }

  /** A tree head for the current size, ready to be signed (`signTreeHead`). */
  treeHead(logId: Uint8Array, time: number): TreeHead {
    return { logId, size: this.count, root: this.root(), time };
  }

  /** RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size` entries, leaf to root. */
  inclusionProof(index: number, size: number = this.count): Uint8Array[] {
    this.checkSize(size);
    assertSafeInteger('index', index);
    if (index >= size) throw new IndexOutOfRangeError('leaf index', index, size);
    return this.materialise(inclusionShape(index, 0, size));
  }

  /** RFC 9162 §2.1.4 consistency proof that the tree of `oldSize` entries is a prefix of that of `newSize`. */
  consistencyProof(oldSize: number, newSize: number = this.count): Uint8Array[] {
    this.checkSize(newSize);
    assertSafeInteger('oldSize', oldSize);
    if (oldSize > newSize) throw new SizeDecreasedError(oldSize, newSize);
    if (oldSize === 0) throw new EmptyTreeError('a consistency proof from the empty tree proves nothing');
    if (oldSize === newSize) return [];
    return this.materialise(subtreeConsistencyShape(0, oldSize, newSize));
  }

  /** Hash of the subtree `[start, end)` (MTC draft); the empty-tree hash for an empty range. */
  subtreeRoot(start: number, end: number): Uint8Array {
    this.checkSubtree(start, end, this.count);
    return start === end ? emptyRoot(this.hash) : this.rangeHash(start, end);
  }

  /** Inclusion proof of leaf `index` in the subtree `[start, end)` (MTC draft). */
  subtreeInclusionProof(index: number, start: number, end: number): Uint8Array[] {
    this.checkSubtree(start, end, this.count);
    assertSafeInteger('index', index);
    if (index < start || index >= end) throw new IndexOutOfRangeError('leaf index', index, end);
    return this.materialise(inclusionShape(index, start, end));
  }

  /** Proof that the subtree `[start, end)` is part of the tree of `size` entries (MTC draft). */
  subtreeConsistencyProof(start: number, end: number, size: number = this.count): Uint8Array[] {
    this.checkSize(size);
    this.checkSubtree(start, end, size);
    if (start === end || (start === 0 && end === size)) return [];
    return this.materialise(subtreeConsistencyShape(start, end, size));
  }

  private leafHashOf(data: Uint8Array): Uint8Array {
    if (!(data instanceof Uint8Array)) throw new InvalidFieldError('leaf', 'must be a Uint8Array');
    return hashLeaf(this.hash, data);
  }

  private appendLeafHashes(leafHashes: readonly Uint8Array[]): number {
    const first = this.count;
    if (leafHashes.length === 0) return first;
    const frontier = this.frontier.slice();
    const nodes: StoredNode[] = [];
    let size = first;
    for (const leafHash of leafHashes) {
      let hash = leafHash;
      let level = 0;
      let index = size;
      nodes.push({ level, index, hash });
      // An odd index is a right child: its left sibling is the frontier node at this level.
      while (isOdd(index)) {
        hash = hashChildren(this.hash, frontier[level]!, hash);
        frontier[level] = undefined;
        level++;
        index = half(index);
        nodes.push({ level, index, hash });
      }
      frontier[level] = hash;
      size++;
    }
    assertSafeInteger('size', size);
    // Commit first: if storage refuses, the in-memory state stays at the old size.
    this.storage.commit({ size, nodes });
    this.count = size;
    this.frontier = frontier;
    this.currentRoot = undefined;
    return first;
  }

  /** Folds the frontier from the smallest subtree up: the current root (RFC 9162 §2.1.1). */
  private frontierRoot(): Uint8Array {
    let root: Uint8Array | undefined;
    for (const node of this.frontier) {
      if (node !== undefined) root = root === undefined ? node : hashChildren(this.hash, node, root);
    }
    return root ?? emptyRoot(this.hash);
  }

  private materialise(ranges: readonly { start: number; end: number }[]): Uint8Array[] {
    return ranges.map((range) => this.rangeHash(range.start, range.end));
  }

  /** Merkle tree hash of a non-empty subtree range, from its stored perfect parts. */
  private rangeHash(start: number, end: number): Uint8Array {
    const nodes = perfectNodes(start, end);
    let hash = this.readNode(nodes[nodes.length - 1]!.level, nodes[nodes.length - 1]!.index);
    for (let i = nodes.length - 2; i >= 0; i--) {
      hash = hashChildren(this.hash, this.readNode(nodes[i]!.level, nodes[i]!.index), hash);
    }
    return hash;
  }

  private readNode(level: number, index: number): Uint8Array {
    const hash = this.storage.getNode(level, index);
    if (hash === undefined) throw new StorageError(`node (${level}, ${index}) is missing from storage`);
    return hash;
  }

  private checkSize(size: number): void {
    assertSafeInteger('size', size);
    if (size > this.count) throw new IndexOutOfRangeError('tree size', size, this.count);
  }

  private checkSubtree(start: number, end: number, size: number): void {
    assertSafeInteger('start', start);
    assertSafeInteger('end', end);
    if (!isValidSubtree(start, end)) throw new InvalidSubtreeError(start, end);
    if (end > size) throw new IndexOutOfRangeError('subtree end', end, size);
  }
}
