/**
 * Where the log keeps its nodes. Deliberately small and synchronous (the relay backs it with
 * better-sqlite3, which is synchronous; a Redis cluster keeps a local replica):
 *
 * - node (level, index) covers leaves [index·2^level, (index+1)·2^level); only complete (perfect)
 *   subtree roots are ever stored, each exactly once, and never change afterwards;
 * - every append (or batch of appends) arrives as one {@link LogBatch} through `commit`, so a backend
 *   can apply it in one transaction: either all of its nodes and the new size are stored, or none.
 *
 * A suitable SQLite layout: `nodes(level INTEGER, idx INTEGER, hash BLOB, PRIMARY KEY(level, idx))
 * WITHOUT ROWID` plus a one-row table for the size, with `commit` wrapped in `db.transaction`.
 */

/** One stored node: the RFC 9162 hash of the perfect subtree at (level, index). */
export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** Everything one append (or `appendMany`) writes: its new nodes, lowest level first, and the new size. */
export interface LogBatch {
  readonly size: number;
  readonly nodes: readonly StoredNode[];
}

/**
 * Where a `MerkleLog` keeps its nodes: complete-subtree roots only, written once, each append committed as
 * one atomic batch. Synchronous, so a relay can back it with better-sqlite3 (or `MemoryStorage`).
 */
export interface LogStorage {
  /** Number of leaves committed so far (0 for a new log). */
  getSize(): number;
  /** The hash stored for node (level, index), or undefined if there is none. */
  getNode(level: number, index: number): Uint8Array | undefined;
  /** Stores a batch atomically; throws (leaving storage unchanged) if it cannot. */
  commit(batch: LogBatch): void;
}
