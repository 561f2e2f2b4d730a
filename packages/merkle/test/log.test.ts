/** MerkleLog behaviour beyond proof agreement: storage contract, atomicity, reload, input errors. */
import { describe, expect, it } from 'vitest';
import {
  type DirectoryEntry,
  EmptyTreeError,
  encodeEntry,
  HashFunctionError,
  IndexOutOfRangeError,
  InvalidFieldError,
  InvalidNumberError,
  InvalidSubtreeError,
  type LogBatch,
  type LogStorage,
  MemoryStorage,
  MerkleLog,
  SizeDecreasedError,
  StorageError,
} from '../src/index.js';
import { hex, leafData, NODE_SHA256 } from './hashes.js';

/** Counts reads and can be told to fail the next commit, like a database that rolls back. */
class InstrumentedStorage implements LogStorage {
  readonly inner = new MemoryStorage();
  reads = 0;
  commits: LogBatch[] = [];
  failNextCommit = false;

  getSize(): number {
    return this.inner.getSize();
  }
  getNode(level: number, index: number): Uint8Array | undefined {
    this.reads++;
    return this.inner.getNode(level, index);
  }
  commit(batch: LogBatch): void {
    if (this.failNextCommit) {
      this.failNextCommit = false;
      throw new Error('disk full');
    }
    this.inner.commit(batch);
    this.commits.push(batch);
  }
}

describe('MerkleLog', () => {
  it('writes exactly the nodes that became complete, in one commit per append', () => {
    const storage = new InstrumentedStorage();
    const log = new MerkleLog({ storage, hash: NODE_SHA256 });
    for (let i = 0; i < 8; i++) log.append(leafData(i));
    // Leaf 7 completes (0,7), (1,3), (2,1) and (3,0).
    expect(storage.commits[7]!.nodes.map((n) => [n.level, n.index])).toEqual([
      [0, 7],
      [1, 3],
      [2, 1],
      [3, 0],
    ]);
    expect(storage.commits.map((c) => c.size)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(log.appendMany([leafData(8), leafData(9), leafData(10)])).toBe(8);
    expect(storage.commits.length).toBe(9);
    expect(storage.commits[8]!.size).toBe(11);
  });

  it('reads O(log n) stored nodes per proof', () => {
    const storage = new InstrumentedStorage();
    const log = new MerkleLog({ storage, hash: NODE_SHA256 });
    for (let i = 0; i < 5000; i += 500)
      log.appendMany(Array.from({ length: 500 }, (_, j) => leafData(i + j)));
    for (const [index, size] of [
      [0, 5000],
      [4999, 5000],
      [2048, 4097],
      [1234, 3333],
    ] as const) {
      storage.reads = 0;
      const proof = log.inclusionProof(index, size);
      expect(proof.length).toBeLessThanOrEqual(13);
      expect(storage.reads).toBeLessThanOrEqual(2 * 13);
    }
    storage.reads = 0;
    log.consistencyProof(1234, 4999);
    expect(storage.reads).toBeLessThanOrEqual(2 * 2 * 13);
  });

  it('leaves size and root unchanged when storage refuses a commit', () => {
    const storage = new InstrumentedStorage();
    const log = new MerkleLog({ storage, hash: NODE_SHA256 });
    log.appendMany([leafData(0), leafData(1), leafData(2)]);
    const root = log.root();
    storage.failNextCommit = true;
    expect(() => log.append(leafData(3))).toThrow('disk full');
    expect(log.size).toBe(3);
    expect(hex([log.root()])).toEqual(hex([root]));
    log.append(leafData(3));
    const fresh = new MerkleLog({ hash: NODE_SHA256 });
    fresh.appendMany([0, 1, 2, 3].map(leafData));
    expect(hex([log.root()])).toEqual(hex([fresh.root()]));
  });

  it('picks up an existing log from its storage, and reloads after another writer', () => {
    const storage = new MemoryStorage();
    const writer = new MerkleLog({ storage, hash: NODE_SHA256 });
    writer.appendMany(Array.from({ length: 77 }, (_, i) => leafData(i)));
    const reader = new MerkleLog({ storage, hash: NODE_SHA256 });
    expect(reader.size).toBe(77);
    expect(hex([reader.root()])).toEqual(hex([writer.root()]));
    writer.append(leafData(77));
    expect(reader.size).toBe(77);
    reader.reload();
    expect(hex([reader.root()])).toEqual(hex([writer.root()]));
    reader.append(leafData(78));
    writer.reload();
    expect(hex([writer.root()])).toEqual(hex([reader.root()]));
  });

  it('fails with MERKLE_ERR_STORAGE when storage has lost a node', () => {
    const storage = new InstrumentedStorage();
    const log = new MerkleLog({ storage, hash: NODE_SHA256 });
    log.appendMany(Array.from({ length: 10 }, (_, i) => leafData(i)));
    const broken: LogStorage = {
      getSize: () => 10,
      getNode: (level, index) => (level === 3 ? undefined : storage.getNode(level, index)),
      commit: () => {},
    };
    expect(() => new MerkleLog({ storage: broken, hash: NODE_SHA256 })).toThrow(StorageError);
  });

  it('does not let callers change its state through returned bytes', () => {
    const log = new MerkleLog({ hash: NODE_SHA256 });
    log.appendMany([leafData(0), leafData(1), leafData(2)]);
    const before = hex([log.root()]);
    log.root().fill(0);
    log.leafHash(0).fill(0);
    log.inclusionProof(0).forEach((h) => {
      h.fill(0);
    });
    expect(hex([log.root()])).toEqual(before);
    expect(hex([log.root(3)])).toEqual(before);
  });

  it('appendEntry insists on the next index', () => {
    const log = new MerkleLog();
    const entry: DirectoryEntry = {
      index: 0,
      clientId: new Uint8Array(32),
      name: 'a',
      publicKey: new Uint8Array(1),
      time: 1,
    };
    expect(log.appendEntry(entry)).toBe(0);
    expect(() => log.appendEntry(entry)).toThrow(InvalidFieldError);
    expect(log.appendEntry({ ...entry, index: 1 })).toBe(1);
    const check = new MerkleLog();
    check.append(encodeEntry(entry));
    check.append(encodeEntry({ ...entry, index: 1 }));
    expect(hex([check.root()])).toEqual(hex([log.root()]));
  });

  it('answers bad arguments with typed errors', () => {
    const log = new MerkleLog({ hash: NODE_SHA256 });
    log.appendMany(Array.from({ length: 10 }, (_, i) => leafData(i)));
    expect(() => log.root(11)).toThrow(IndexOutOfRangeError);
    expect(() => log.root(-1)).toThrow(InvalidNumberError);
    expect(() => log.root(1.5)).toThrow(InvalidNumberError);
    expect(() => log.inclusionProof(10, 10)).toThrow(IndexOutOfRangeError);
    expect(() => log.inclusionProof(0, 0)).toThrow(IndexOutOfRangeError);
    expect(() => log.leafHash(10)).toThrow(IndexOutOfRangeError);
    expect(() => log.consistencyProof(0, 5)).toThrow(EmptyTreeError);
    expect(() => log.consistencyProof(6, 5)).toThrow(SizeDecreasedError);
    expect(log.consistencyProof(5, 5)).toEqual([]);
    expect(() => log.subtreeRoot(1, 3)).toThrow(InvalidSubtreeError);
    expect(() => log.subtreeInclusionProof(6, 4, 6)).toThrow(IndexOutOfRangeError);
    expect(() => log.subtreeConsistencyProof(8, 12)).toThrow(IndexOutOfRangeError);
    expect(() => log.append('text' as unknown as Uint8Array)).toThrow(InvalidFieldError);
    expect(log.size).toBe(10);
  });

  it('refuses a hash function that does not keep its promise', () => {
    expect(() => new MerkleLog({ hash: { size: 32, hash: () => new Uint8Array(20) } })).toThrow(
      HashFunctionError,
    );
    expect(() => new MerkleLog({ hash: { size: 0, hash: () => new Uint8Array(0) } })).toThrow(
      HashFunctionError,
    );
  });

  it('has the RFC 9162 empty root at size 0', () => {
    const log = new MerkleLog({ hash: NODE_SHA256 });
    expect(hex([log.root()])).toEqual(['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']);
  });
});

describe('MemoryStorage', () => {
  const node = (level: number, index: number, fill = 1) => ({
    level,
    index,
    hash: new Uint8Array(32).fill(fill),
  });

  it('applies a batch all or nothing', () => {
    const storage = new MemoryStorage();
    storage.commit({ size: 1, nodes: [node(0, 0)] });
    expect(() => storage.commit({ size: 3, nodes: [node(0, 1), node(0, 3)] })).toThrow(StorageError);
    expect(storage.getSize()).toBe(1);
    expect(storage.getNode(0, 1)).toBeUndefined();
  });

  it('refuses to rewrite a node, to shrink, or to mix hash lengths', () => {
    const storage = new MemoryStorage();
    storage.commit({ size: 1, nodes: [node(0, 0)] });
    expect(() => storage.commit({ size: 1, nodes: [node(0, 0, 2)] })).toThrow(StorageError);
    storage.commit({ size: 1, nodes: [node(0, 0)] });
    expect(() => storage.commit({ size: 0, nodes: [] })).toThrow(StorageError);
    expect(() =>
      storage.commit({ size: 2, nodes: [{ level: 0, index: 1, hash: new Uint8Array(20) }] }),
    ).toThrow(StorageError);
  });

  it('returns copies', () => {
    const storage = new MemoryStorage();
    storage.commit({ size: 1, nodes: [node(0, 0, 5)] });
    storage.getNode(0, 0)!.fill(0);
    expect(storage.getNode(0, 0)).toEqual(new Uint8Array(32).fill(5));
    expect(storage.getNode(0, -1)).toBeUndefined();
    expect(storage.getNode(9, 0)).toBeUndefined();
  });
});
