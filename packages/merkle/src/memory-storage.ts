/**
 * In-memory {@link LogStorage}: one contiguous, growing byte array per tree level, so a million-entry
 * log costs about 2 × 10^6 × 32 bytes rather than two million small objects.
 */
import { equalBytes } from './bytes.js';
import { StorageError } from './errors.js';
import type { LogBatch, LogStorage, StoredNode } from './storage.js';

interface Level {
  data: Uint8Array;
  count: number;
}

const INITIAL_NODES = 64;

/**
 * In-memory `LogStorage`, the default of `MerkleLog`: one growing byte array per tree level (about 64 MB for
 * a million entries). A batch that would leave a gap or rewrite a stored node is refused whole.
 */
export class MemoryStorage implements LogStorage {
  private readonly levels: Level[] = [];
  private nodeSize = 0;
  private size = 0;

  getSize(): number {
    return this.size;
  }

  getNode(level: number, index: number): Uint8Array | undefined {
    const stored = this.levels[level];
    if (stored === undefined || !Number.isInteger(index) || index < 0 || index >= stored.count)
      return undefined;
    const offset = index * this.nodeSize;
    return stored.data.slice(offset, offset + this.nodeSize);
  }

  /** Validates the whole batch before writing any of it, so a rejected batch changes nothing. */
  commit(batch: LogBatch): void {
    if (!Number.isSafeInteger(batch.size) || batch.size < this.size) {
      throw new StorageError(`batch size ${batch.size} is not a valid successor of ${this.size}`);
    }
    const nodeSize = this.nodeSize || (batch.nodes[0]?.hash.length ?? 0);
    const counts = new Map<number, number>();
    for (const node of batch.nodes) this.checkNode(node, nodeSize, counts);
    this.nodeSize = nodeSize;
    for (const node of batch.nodes) this.write(node);
    this.size = batch.size;
  }

  private checkNode(node: StoredNode, nodeSize: number, counts: Map<number, number>): void {
    const { level, index, hash } = node;
    if (!Number.isInteger(level) || level < 0 || level > 63 || !Number.isSafeInteger(index) || index < 0) {
      throw new StorageError(`invalid node position (${level}, ${index})`);
    }
    if (!(hash instanceof Uint8Array) || hash.length !== nodeSize || nodeSize === 0) {
      throw new StorageError(`node (${level}, ${index}) has a hash of the wrong length`);
    }
    const count = counts.get(level) ?? this.levels[level]?.count ?? 0;
    if (index > count) throw new StorageError(`node (${level}, ${index}) would leave a gap at ${count}`);
    if (index < count) {
      // Nodes never change once written: rewriting one with other bytes would rewrite history.
      const existing = this.getNode(level, index);
      if (existing !== undefined && !equalBytes(existing, hash)) {
        throw new StorageError(`node (${level}, ${index}) already stored with a different hash`);
      }
    }
    counts.set(level, Math.max(count, index + 1));
  }

  private write(node: StoredNode): void {
    while (this.levels.length <= node.level) this.levels.push({ data: new Uint8Array(0), count: 0 });
    const stored = this.levels[node.level]!;
    const end = (node.index + 1) * this.nodeSize;
    if (end > stored.data.length) {
      const grown = new Uint8Array(Math.max(end, stored.data.length * 2, INITIAL_NODES * this.nodeSize));
      grown.set(stored.data.subarray(0, stored.count * this.nodeSize));
      stored.data = grown;
    }
    stored.data.set(node.hash, node.index * this.nodeSize);
    stored.count = Math.max(stored.count, node.index + 1);
  }
}
