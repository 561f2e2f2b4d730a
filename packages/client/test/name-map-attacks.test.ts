/**
 * The audit's first-contact key substitution (docs/key-transparency.md, "The name map"): a malicious relay
 * keeps two bindings of one name in its consistent, signed log. Reproduced against the relay double over
 * real sockets, with the real client on the victim side:
 *  (a) the owner logging in is alarmed when the signed map gives her name to the second binding;
 *  (b) another client looking the name up refuses the second binding (the map points at the first) and
 *      pins nothing;
 *  (c) a head whose map says name → attacker while the log holds the owner's earlier binding is caught by
 *      the small-directory check (repeated folded name; a map root that is not the log's map);
 *  (d) a relay hiding the first binding (map says "absent") is refused, on lookup and at the owner's login.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { entryLeafHash, NameMap } from '@leitung/merkle';
import { nameKey, nameMapKey, nameMapOf } from '@leitung/session';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client, DirectoryNameConflictEvent, RegistrationFailedEvent } from '../src/index.js';
import { MemoryStore } from '../src/testing.js';
import { ClientPool, crypto, key, nextEvent, rejection } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let malloryKey: RsaPrivateKey;
const pool = new ClientPool();
const relays: RelayDouble[] = [];

beforeAll(async () => {
  [relayKey, aliceKey, bobKey, malloryKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('mallory'),
  ]);
});

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

async function double(): Promise<RelayDouble> {
  const relay = await RelayDouble.start({ crypto, key: relayKey });
  relays.push(relay);
  return relay;
}

/**
 * Alice registers "alice" honestly; then the relay appends a second binding "Alice" (same folded name)
 * for mallory's key — the state the audit found: a consistent, signed log with two bindings of one name.
 */
async function doubleBinding() {
  const relay = await double();
  const owner = pool.make(aliceKey, 'alice', [relay.entry]);
  await owner.start();
  await owner.close();
  const first = relay.core.directory.byName('alice')!;
  const second = relay.core.directory.add('Alice', malloryKey.publicKey.toDer());
  return { relay, first, second };
}

/** Registration fails with `code` and a directory:name-conflict event naming `name` is raised. */
async function expectAlarm(client: Client, code: string, name: string): Promise<void> {
  const failures: RegistrationFailedEvent[] = [];
  client.on('registration:failed', (e) => failures.push(e));
  const conflict = nextEvent<DirectoryNameConflictEvent>(client, 'directory:name-conflict');
  const error = await rejection(client.start());
  expect(error.code).toBe('CLIENT_ERR_NO_RELAY');
  expect((error.cause as { code?: string }).code).toBe(code);
  expect(failures.every((f) => f.code === code)).toBe(true);
  expect(await conflict).toMatchObject({ code, name });
}

describe('two bindings of one name in a consistent log', () => {
  it('(a) the owner is alarmed at login when the signed map binds her name to the second binding', async () => {
    const { relay, second } = await doubleBinding();
    // The relay's signed map says "alice" → mallory's entry; it withholds the whole directory so that
    // only the owner's own-name check can notice.
    relay.core.directory.mapOf = (entries) =>
      nameMapOf(entries).set(nameMapKey('alice'), entryLeafHash(second));
    relay.core.lies.directory = () => undefined;
    const owner = pool.make(aliceKey, 'alice', [relay.entry]);
    await expectAlarm(owner, 'SESSION_ERR_NAME_HIJACKED', 'alice');
  });

  it('(b) another client refuses the second binding (the map points at the first) and pins nothing', async () => {
    const { relay, second } = await doubleBinding();
    const store = new MemoryStore();
    // A directory too large to be sent whole (here: withheld), so only the lookup checks can catch it.
    relay.core.lies.directory = () => undefined;
    const bob = pool.make(bobKey, 'bob', [relay.entry], { store });
    await bob.start();
    // The relay answers a lookup of "alice" with mallory's entry: valid inclusion proof, consistent head,
    // and the honest map proof of the name, which leads to alice's first binding.
    relay.core.lies.publicKey = (answer) => ({
      ...answer,
      entry: second,
      inclusionProof: relay.core.directory.inclusion(second.index),
      mapProof: relay.core.directory.mapProof('alice'),
    });
    const conflict = nextEvent<DirectoryNameConflictEvent>(bob, 'directory:name-conflict');
    const error = await rejection(bob.lookup('alice'));
    expect(error.code).toBe('SESSION_ERR_NAME_BINDING');
    expect(await conflict).toMatchObject({ code: 'SESSION_ERR_NAME_BINDING', name: 'Alice' });
    expect(store.contact('alice')).toBeUndefined();
    expect(store.contact('Alice')).toBeUndefined();
    expect((await rejection(bob.call('alice'))).code).toBe('SESSION_ERR_NAME_BINDING');
    expect(relay.core.received.filter((m) => m.type === 'CALL_REQUEST')).toEqual([]);
  });

  it('(c) a small directory exposes a head whose map gives the name to the second binding', async () => {
    const { relay, second } = await doubleBinding();
    relay.core.directory.mapOf = (entries) =>
      nameMapOf(entries).set(nameMapKey('alice'), entryLeafHash(second));
    const proves = relay.core.proves;
    const bob = pool.make(bobKey, 'bob', [relay.entry]);
    await expectAlarm(bob, 'SESSION_ERR_DUPLICATE_NAME', 'Alice');
    expect(relay.core.proves).toBe(proves);
  });

  it('(c) a small directory exposes a map root that is not the map of the log', async () => {
    const relay = await double();
    const alice = pool.make(aliceKey, 'alice', [relay.entry]);
    await alice.start();
    await alice.close();
    const mallory = relay.core.directory.add('mallory', malloryKey.publicKey.toDer());
    // Unique names in the log, but the signed map binds "alice" to mallory's entry.
    relay.core.directory.mapOf = (entries) =>
      nameMapOf(entries).set(nameMapKey('alice'), entryLeafHash(mallory));
    const proves = relay.core.proves;
    const bob = pool.make(bobKey, 'bob', [relay.entry]);
    const error = await rejection(bob.start());
    expect((error.cause as { code?: string }).code).toBe('SESSION_ERR_DIRECTORY_MISMATCH');
    expect(relay.core.proves).toBe(proves);
  });

  it('(d) a relay hiding the first binding (map says absent) is refused on lookup and by the owner', async () => {
    const { relay, second } = await doubleBinding();
    relay.core.lies.directory = () => undefined;
    const bob = pool.make(bobKey, 'bob', [relay.entry]);
    await bob.start();
    // From now on the relay's signed map has no "alice" at all.
    relay.core.directory.mapOf = (entries) =>
      NameMap.build(
        entries
          .filter((e) => nameKey(e.name) !== 'alice')
          .map((e) => ({ key: nameMapKey(e.name), value: entryLeafHash(e) })),
      );
    relay.core.directory.add('carol', bobKey.publicKey.toDer());
    relay.core.lies.publicKey = (answer) => ({
      ...answer,
      entry: second,
      inclusionProof: relay.core.directory.inclusion(second.index),
      mapProof: relay.core.directory.mapProof('alice'),
    });
    expect((await rejection(bob.lookup('alice'))).code).toBe('SESSION_ERR_NAME_BINDING');
    const owner = pool.make(aliceKey, 'alice', [relay.entry]);
    await expectAlarm(owner, 'SESSION_ERR_NAME_HIJACKED', 'alice');
  });
});
