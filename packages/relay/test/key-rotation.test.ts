/**
 * Key rotation on a real relay (docs/key-transparency.md, "Key rotation"): the owner of a name replaces its
 * key with ROTATE_KEY; the relay appends a rotation entry only when the old key signed it and the new key
 * proved possession, moves the name map to it, refuses the old key from then on,
 * shows one phonebook line per name, and keeps all of it across a restart. A version 1 database (before
 * rotations) is migrated in place.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import {
  checkKeyRotation,
  clientIdOf,
  nameMapOf,
  rotationStatement,
  SessionError,
  signKeyRotation,
  verifyNameBinding,
} from '@leitung/session';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyDirectory } from '../src/core/index.js';
import { SqliteDirectoryStore } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { crypto, key, removeDir } from './support/keys.js';
import type { TestClient } from './support/test-client.js';

let alice: RsaPrivateKey;
let alice2: RsaPrivateKey;
let bob: RsaPrivateKey;
let mallory: RsaPrivateKey;

beforeAll(async () => {
  [alice, alice2, bob, mallory] = await Promise.all([key('alice'), key('carol'), key('bob'), key('mallory')]);
});

const fx = useFixture();

async function refusedCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionError) return error.relayCode ?? error.code;
    throw error;
  }
  return undefined;
}

/**
 * A ROTATE_KEY of the binding `client` is registered with, to `next`: the statement names that binding,
 * `signer` signs it (the old key, when honest) and `possessor` proves possession (`next`, when honest).
 */
function rotateKey(client: TestClient, signer: RsaPrivateKey, next: RsaPrivateKey, possessor = next) {
  const welcome = client.result!.welcome;
  const publicKey = next.publicKey.toDer();
  const statement = rotationStatement({
    logId: welcome.treeHead.logId,
    name: welcome.entry.name,
    previous: welcome.entry.clientId,
    publicKey,
  });
  client.send({
    type: 'ROTATE_KEY',
    requestId: 7,
    publicKey,
    signature: crypto.sign(signer, statement),
    possession: crypto.sign(possessor, statement),
  });
}

describe('ROTATE_KEY on a real relay', () => {
  it('appends a signed rotation, moves the name and refuses the old key from then on', async () => {
    const relay = await fx.relay();
    const aliceClient = await fx.client(relay);
    const first = await aliceClient.register(alice, 'alice', relay.fingerprint);
    const bobClient = await fx.client(relay);
    await bobClient.register(bob, 'bob', relay.fingerprint);

    rotateKey(aliceClient, alice, alice2);
    const answer = await aliceClient.next('PUBLIC_KEY');
    expect(answer.requestId).toBe(7);
    expect(answer.entry.name).toBe('alice');
    expect(answer.entry.clientId).toEqual(clientIdOf(crypto, alice2.publicKey));
    expect(answer.entry.rotation?.previous).toEqual(first.welcome.entry.clientId);
    // Anyone holding the old key can check the step; the signed map now binds the name to it.
    checkKeyRotation(crypto, answer.treeHead.logId, answer.entry, first.welcome.entry);
    verifyNameBinding(answer.entry, answer.mapProof, answer.treeHead);
    // The session stays open for the client's checks (the head grew: it asks for consistency) …
    aliceClient.send({ type: 'GET_CONSISTENCY', requestId: 8, fromSize: first.welcome.treeHead.size });
    expect((await aliceClient.next('CONSISTENCY')).treeHead.size).toBe(answer.treeHead.size);
    // … but its key cannot rotate again.
    rotateKey(aliceClient, alice, mallory);
    expect(await aliceClient.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_KEY_ROTATED', fatal: false });

    // Everyone else hears of it once, as a `rotated` change naming the new key.
    const delta = await bobClient.next('PHONEBOOK_DELTA');
    expect(delta.changes).toEqual([
      { kind: 'rotated', contact: { clientId: answer.entry.clientId, name: 'alice', online: false } },
    ]);
    // Lookups give the new entry; the old id is refused as rotated, not answered with a stale entry.
    bobClient.send({ type: 'GET_PUBLIC_KEY', requestId: 1, target: { by: 'name', name: 'alice' } });
    expect((await bobClient.next('PUBLIC_KEY')).entry).toEqual(answer.entry);
    bobClient.send({
      type: 'GET_PUBLIC_KEY',
      requestId: 2,
      target: { by: 'clientId', clientId: first.welcome.entry.clientId },
    });
    expect(await bobClient.next('ERROR')).toMatchObject({ requestId: 2, code: 'RELAY_ERR_KEY_ROTATED' });
    // The phonebook has one line per name: the old key's line is gone.
    bobClient.send({ type: 'PHONEBOOK_REQUEST', requestId: 3, offset: 0, limit: 10 });
    const page = (await bobClient.next('PHONEBOOK_PAGE')).page;
    expect(page.total).toBe(2);
    expect(page.contacts.map((c) => [c.name, Buffer.from(c.clientId).toString('hex')])).toEqual([
      ['bob', Buffer.from(clientIdOf(crypto, bob.publicKey)).toString('hex')],
      ['alice', Buffer.from(answer.entry.clientId).toString('hex')],
    ]);

    // The old key cannot log in any more; the new one can, and its WELCOME passes owner monitoring.
    expect(await refusedCode((await fx.client(relay)).register(alice, 'alice', relay.fingerprint))).toBe(
      'RELAY_ERR_KEY_ROTATED',
    );
    const again = await (await fx.client(relay)).register(alice2, 'alice', relay.fingerprint);
    expect(again.welcome.entry).toEqual(answer.entry);
  });

  it('refuses a rotation the old key did not sign, or whose new key did not prove possession', async () => {
    const relay = await fx.relay();
    const aliceClient = await fx.client(relay);
    await aliceClient.register(alice, 'alice', relay.fingerprint);
    const size = aliceClient.result!.welcome.treeHead.size;

    // Signed by mallory's key instead of alice's: the relay must not move alice's name.
    rotateKey(aliceClient, mallory, alice2);
    expect(await aliceClient.next('ERROR')).toMatchObject({
      code: 'RELAY_ERR_ROTATION_INVALID',
      fatal: false,
    });
    // Signed by alice, but the possession proof is by another key than the one appended.
    rotateKey(aliceClient, alice, alice2, mallory);
    expect(await aliceClient.next('ERROR')).toMatchObject({
      code: 'RELAY_ERR_ROTATION_INVALID',
      fatal: false,
    });
    // Rotating to a key that is bound already.
    const bobClient = await fx.client(relay);
    await bobClient.register(bob, 'bob', relay.fingerprint);
    rotateKey(aliceClient, alice, bob);
    expect(await aliceClient.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_KEY_REGISTERED', fatal: false });

    // Nothing was appended: the directory grew by bob's binding only, and alice still logs in.
    bobClient.send({ type: 'GET_CONSISTENCY', requestId: 1, fromSize: size });
    expect((await bobClient.next('CONSISTENCY')).treeHead.size).toBe(size + 1);
    expect(aliceClient.isClosed).toBe(false);
  });

  it('keeps the rotation across a restart: same head, same map, old key still refused', async () => {
    const dataDir = await fx.dataDir();
    const relay = await fx.relay({ dataDir });
    const aliceClient = await fx.client(relay);
    await aliceClient.register(alice, 'alice', relay.fingerprint);
    rotateKey(aliceClient, alice, alice2);
    const answer = await aliceClient.next('PUBLIC_KEY');
    await fx.stop(relay);

    const restarted = await fx.relay({ dataDir, port: 0 });
    const welcome = (await (await fx.client(restarted)).register(alice2, 'alice', restarted.fingerprint))
      .welcome;
    expect(welcome.treeHead.size).toBe(answer.treeHead.size);
    expect(welcome.treeHead.root).toEqual(answer.treeHead.root);
    expect(welcome.treeHead.mapRoot).toEqual(answer.treeHead.mapRoot);
    expect(
      await refusedCode((await fx.client(restarted)).register(alice, 'alice', restarted.fingerprint)),
    ).toBe('RELAY_ERR_KEY_ROTATED');
  });
});

describe('directory database schema', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('migrates a version 1 database (name unique, no rotation columns) in place, then rotates', async () => {
    const relayKey = await key('relay');
    const dir = mkdtempSync(join(tmpdir(), 'leitung-schema-'));
    dirs.push(dir);
    const path = join(dir, 'directory.sqlite');
    const open = (now: number) =>
      new LocalKeyDirectory({
        store: new SqliteDirectoryStore(path),
        crypto,
        privateKey: relayKey,
        now: () => now,
      });
    const first = open(1);
    first.register('alice', alice.publicKey.toDer(), 2);
    first.register('bob', bob.publicKey.toDer(), 3);
    const head = first.treeHead();
    first.close();
    // Turn the file into what a relay before key rotation wrote.
    const db = new Database(path);
    db.exec(`
      CREATE TABLE v1 (idx INTEGER PRIMARY KEY, client_id BLOB NOT NULL UNIQUE, name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE, public_key BLOB NOT NULL, time INTEGER NOT NULL);
      INSERT INTO v1 SELECT idx, client_id, name, name_key, public_key, time FROM entries;
      DROP TABLE entries; ALTER TABLE v1 RENAME TO entries;
      UPDATE meta SET value = 1 WHERE key = 'schema_version';`);
    db.close();

    const migrated = open(4);
    try {
      expect(migrated.treeHead()).toEqual(head);
      const signed = signKeyRotation(crypto, {
        logId: head.logId,
        name: 'alice',
        previousKey: alice,
        nextKey: alice2,
      });
      const entry = migrated.rotate(clientIdOf(crypto, alice.publicKey), signed, 5);
      expect(migrated.entryByName('ALICE')).toEqual(entry);
      expect(migrated.contactCount()).toBe(2);
      expect(migrated.treeHead().mapRoot).toEqual(nameMapOf(migrated.entries(0, 3)).root());
      expect(() => migrated.plan('alice', alice.publicKey.toDer())).toThrow(
        expect.objectContaining({ code: 'RELAY_ERR_KEY_ROTATED' }),
      );
    } finally {
      migrated.close();
    }
    const version = new Database(path);
    expect(version.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()).toEqual({
      value: 2,
    });
    version.close();
  });
});
