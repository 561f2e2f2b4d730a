/**
 * The relay's name map (docs/key-transparency.md, "The name map"): every signed head carries the map of
 * exactly its log prefix, lookups and WELCOME carry map proofs that verify against it, the map survives a
 * restart (rebuilt from the entries, same root), and a database whose heads predate the map is re-signed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { entryLeafHash, verifyMapProof } from '@leitung/merkle';
import { nameMapKey, nameMapOf, verifyNameBinding } from '@leitung/session';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyDirectory } from '../src/core/index.js';
import { SqliteDirectoryStore } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { crypto, key, removeDir } from './support/keys.js';

let relayKey: RsaPrivateKey;
const people: Record<string, RsaPrivateKey> = {};

beforeAll(async () => {
  relayKey = await key('relay');
  for (const name of ['alice', 'bob', 'carol']) people[name] = await key(name);
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

function sqlitePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leitung-map-'));
  dirs.push(dir);
  return join(dir, 'directory.sqlite');
}

function open(path: string, now = 5): LocalKeyDirectory {
  return new LocalKeyDirectory({
    store: new SqliteDirectoryStore(path),
    crypto,
    privateKey: relayKey,
    now: () => now,
  });
}

describe('LocalKeyDirectory name map', () => {
  it('signs the map of its log with every head and proves membership and absence', () => {
    const directory = open(sqlitePath());
    try {
      const empty = directory.treeHead();
      expect(empty.mapRoot).toEqual(nameMapOf([]).root());
      for (const name of ['alice', 'bob', 'carol'])
        directory.register(name, people[name]!.publicKey.toDer(), 10);
      const head = directory.treeHead();
      const entries = directory.entries(0, 3);
      expect(head.mapRoot).toEqual(nameMapOf(entries).root());
      for (const entry of entries) verifyNameBinding(entry, directory.mapProof(entry.name), head);
      // Looked up by another spelling of the same folded name: the same proof.
      expect(directory.mapProof('ALICE')).toEqual(directory.mapProof('alice'));
      const absent = verifyMapProof({
        root: head.mapRoot,
        key: nameMapKey('dave'),
        proof: directory.mapProof('dave'),
      });
      expect(absent).toEqual({ kind: 'absent' });
      expect(directory.treeHeadAt(2)?.mapRoot).toEqual(nameMapOf(entries.slice(0, 2)).root());
    } finally {
      directory.close();
    }
  });

  it('rebuilds the same map after a restart, and re-signs a head stored without a map root', () => {
    const path = sqlitePath();
    const first = open(path);
    for (const name of ['alice', 'bob']) first.register(name, people[name]!.publicKey.toDer(), 10);
    const head = first.treeHead();
    first.close();
    const second = open(path, 99);
    expect(second.treeHead()).toEqual(head);
    second.close();
    // A database written before heads carried the map: its newest head has no map root.
    const db = new Database(path);
    db.prepare('UPDATE tree_heads SET map_root = NULL').run();
    db.close();
    const third = open(path, 123);
    try {
      const resigned = third.treeHead();
      expect(resigned.size).toBe(2);
      expect(resigned.root).toEqual(head.root);
      expect(resigned.mapRoot).toEqual(head.mapRoot);
      expect(resigned.time).toBe(123);
      // Older heads without a map root are not served (a client would refuse them).
      expect(third.treeHeadAt(1)).toBeUndefined();
    } finally {
      third.close();
    }
  });
});

describe('real relay: lookups and WELCOME carry map proofs', () => {
  const fx = useFixture();

  it('PUBLIC_KEY and WELCOME proofs lead to the entry under the signed map root', async () => {
    const relay = await fx.relay();
    const bobClient = await fx.client(relay);
    const bobResult = await bobClient.register(people.bob!, 'bob', relay.fingerprint);
    const { welcome } = bobResult;
    verifyNameBinding(welcome.entry, welcome.mapProof, welcome.treeHead);
    const aliceClient = await fx.client(relay);
    await aliceClient.register(people.alice!, 'alice', relay.fingerprint);
    aliceClient.send({ type: 'GET_PUBLIC_KEY', requestId: 1, target: { by: 'name', name: 'BOB' } });
    const answer = await aliceClient.next('PUBLIC_KEY');
    expect(answer.entry.name).toBe('bob');
    verifyNameBinding(answer.entry, answer.mapProof, answer.treeHead);
    const lookup = verifyMapProof({
      root: answer.treeHead.mapRoot,
      key: nameMapKey('bob'),
      proof: answer.mapProof,
    });
    expect(lookup).toEqual({ kind: 'present', value: entryLeafHash(answer.entry) });
  });
});
