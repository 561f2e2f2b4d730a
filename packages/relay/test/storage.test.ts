import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf, verifyEntry } from '@leitung/session';
import type { DirectoryEntry } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DirectoryStore, LocalKeyDirectory } from '../src/core/index.js';
import { RelayError, SqliteDirectoryStore } from '../src/index.js';
import { MemoryDirectoryStore } from '../src/testing.js';
import { crypto, key, removeDir } from './support/keys.js';

let relayKey: RsaPrivateKey;
let otherRelay: RsaPrivateKey;
const people: Record<string, RsaPrivateKey> = {};

beforeAll(async () => {
  [relayKey, otherRelay] = await Promise.all([key('relay'), key('relay-2')]);
  for (const name of ['alice', 'bob', 'carol']) people[name] = await key(name);
});

const dirs: string[] = [];
const stores: DirectoryStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

function sqlitePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leitung-store-'));
  dirs.push(dir);
  return join(dir, 'directory.sqlite');
}

const backends: [string, () => DirectoryStore][] = [
  ['memory', () => new MemoryDirectoryStore()],
  ['sqlite', () => new SqliteDirectoryStore(sqlitePath())],
];

function entry(index: number, name: string): DirectoryEntry {
  const publicKey = people[name]!.publicKey.toDer();
  return { index, clientId: clientIdOf(crypto, publicKey), name, publicKey, time: 1000 + index };
}

describe.each(backends)('DirectoryStore contract (%s)', (_name, make) => {
  const open = () => {
    const store = make();
    stores.push(store);
    return store;
  };

  it('stores entries with lookups by index, id and name key, and pages in index order', () => {
    const store = open();
    store.insertEntry(entry(0, 'alice'), 'alice');
    store.insertEntry(entry(1, 'bob'), 'bob');
    expect(store.count()).toBe(2);
    expect(store.entryAt(1)).toEqual(entry(1, 'bob'));
    expect(store.entryByClientId(entry(0, 'alice').clientId)).toEqual(entry(0, 'alice'));
    expect(store.entryByNameKey('bob')?.index).toBe(1);
    expect(store.entryByNameKey('carol')).toBeUndefined();
    expect(store.entries(1, 10).map((e) => e.name)).toEqual(['bob']);
  });

  it('refuses a duplicate name key, a duplicate key and an index gap', () => {
    const store = open();
    store.insertEntry(entry(0, 'alice'), 'alice');
    const code = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        return (error as RelayError).code;
      }
      return undefined;
    };
    expect(code(() => store.insertEntry({ ...entry(1, 'bob'), name: 'Alice' }, 'alice'))).toBe(
      'RELAY_ERR_STORAGE',
    );
    expect(code(() => store.insertEntry({ ...entry(1, 'alice') }, 'alice2'))).toBe('RELAY_ERR_STORAGE');
    expect(code(() => store.insertEntry(entry(5, 'bob'), 'bob'))).toBe('RELAY_ERR_STORAGE');
    expect(store.count()).toBe(1);
  });

  it('rolls back everything written in a failed transaction (entry, log nodes, tree head)', () => {
    const store = open();
    expect(() =>
      store.atomically(() => {
        store.insertEntry(entry(0, 'alice'), 'alice');
        store.logStorage.commit({
          size: 1,
          nodes: [{ level: 0, index: 0, hash: new Uint8Array(32).fill(1) }],
        });
        store.putTreeHead({
          size: 1,
          root: new Uint8Array(32),
          time: 1,
          logId: new Uint8Array(32),
          signature: new Uint8Array(8),
        });
        throw new Error('crash in the middle');
      }),
    ).toThrow('crash in the middle');
    expect(store.count()).toBe(0);
    expect(store.logStorage.getSize()).toBe(0);
    expect(store.logStorage.getNode(0, 0)).toBeUndefined();
    expect(store.latestTreeHead()).toBeUndefined();
  });
});

describe('LocalKeyDirectory', () => {
  it('binds first come, logs in the same key, refuses squatters; signs a head only when the tree changes', () => {
    const directory = new LocalKeyDirectory({
      store: new MemoryDirectoryStore(),
      crypto,
      privateKey: relayKey,
      now: () => 5,
    });
    const empty = directory.treeHead();
    expect(empty.size).toBe(0);
    const a = directory.register('alice', people.alice!.publicKey.toDer(), 10);
    expect(a.created).toBe(true);
    const head = directory.treeHead();
    expect(head.size).toBe(1);
    expect(directory.register('alice', people.alice!.publicKey.toDer(), 20)).toEqual({
      entry: a.entry,
      created: false,
    });
    expect(directory.treeHead()).toBe(head);
    expect(() => directory.plan('ALICE', people.bob!.publicKey.toDer())).toThrow(RelayError);
    verifyEntry(a.entry, directory.inclusionProof(0, 1), head);
    expect(directory.treeHeadAt(0)).toEqual(empty);
  });

  it('a relay restart on the same SQLite file keeps every entry and the identical signed head', () => {
    const path = sqlitePath();
    const first = new LocalKeyDirectory({
      store: new SqliteDirectoryStore(path),
      crypto,
      privateKey: relayKey,
      now: () => 7,
    });
    for (const name of ['alice', 'bob', 'carol']) first.register(name, people[name]!.publicKey.toDer(), 100);
    const head = first.treeHead();
    const proof = first.inclusionProof(1, 3);
    first.close();
    const second = new LocalKeyDirectory({
      store: new SqliteDirectoryStore(path),
      crypto,
      privateKey: relayKey,
      now: () => 999,
    });
    expect(second.size()).toBe(3);
    expect(second.treeHead()).toEqual(head);
    expect(second.inclusionProof(1, 3)).toEqual(proof);
    expect(second.entryByName('bob')?.index).toBe(1);
    second.close();
  });

  it('refuses to open a directory signed by another relay key, and a database in use by another relay', () => {
    const path = sqlitePath();
    const first = new LocalKeyDirectory({
      store: new SqliteDirectoryStore(path),
      crypto,
      privateKey: relayKey,
      now: () => 7,
    });
    first.register('alice', people.alice!.publicKey.toDer(), 1);
    expect(() => new SqliteDirectoryStore(path)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_STORAGE' }),
    );
    first.close();
    const store = new SqliteDirectoryStore(path);
    stores.push(store);
    expect(() => new LocalKeyDirectory({ store, crypto, privateKey: otherRelay, now: () => 7 })).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_STORAGE' }),
    );
  });

  it('a failed append leaves directory, log and head unchanged, and the next append works', () => {
    const store = new MemoryDirectoryStore();
    let failHead = true;
    const wrapped: DirectoryStore = {
      logStorage: store.logStorage,
      count: () => store.count(),
      entryAt: (i) => store.entryAt(i),
      entryByClientId: (id) => store.entryByClientId(id),
      entryByNameKey: (k) => store.entryByNameKey(k),
      entries: (o, l) => store.entries(o, l),
      currentCount: () => store.currentCount(),
      currentEntries: (o, l) => store.currentEntries(o, l),
      insertEntry: (e, k) => store.insertEntry(e, k),
      treeHead: (s) => store.treeHead(s),
      latestTreeHead: () => store.latestTreeHead(),
      putTreeHead: (h) => {
        if (failHead && h.size > 0) throw new Error('disk full');
        store.putTreeHead(h);
      },
      atomically: (fn) => store.atomically(fn),
      close: () => store.close(),
    };
    const directory = new LocalKeyDirectory({ store: wrapped, crypto, privateKey: relayKey, now: () => 1 });
    expect(() => directory.register('alice', people.alice!.publicKey.toDer(), 2)).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_STORAGE' }),
    );
    expect(directory.size()).toBe(0);
    expect(store.count()).toBe(0);
    expect(directory.treeHead().size).toBe(0);
    failHead = false;
    const { entry: bound } = directory.register('alice', people.alice!.publicKey.toDer(), 3);
    expect(bound.index).toBe(0);
    verifyEntry(bound, directory.inclusionProof(0, 1), directory.treeHead());
  });
});
