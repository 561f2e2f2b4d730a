/**
 * A relay that lies (docs/lessons.md #2–#4, #6, #7): each lie is refused with its own code,
 * and the client does not proceed past the failed check. Real sockets against the relay double.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { entryLeafHash, flatRoot } from '@leitung/merkle';
import { createCallOffer, nameMapKey, nameMapOf } from '@leitung/session';
import { decodeMessage, encodeMessage } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  CallRefusedEvent,
  Client,
  ContactKeyChangedEvent,
  ContactKeyRotatedEvent,
  ContactRejectedEvent,
  DirectorySplitViewEvent,
  RegistrationFailedEvent,
} from '../src/index.js';
import { SecureVault } from '../src/index.js';
import { MemoryStore } from '../src/testing.js';
import { DoubleDirectory } from './support/double-directory.js';
import { ClientPool, crypto, key, nextEvent, rejection, waitFor } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let carolKey: RsaPrivateKey;
let malloryKey: RsaPrivateKey;
const pool = new ClientPool();
const relays: RelayDouble[] = [];

beforeAll(async () => {
  [relayKey, aliceKey, bobKey, carolKey, malloryKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('carol'),
    key('mallory'),
  ]);
});

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

async function double(
  options: { key?: RsaPrivateKey; directory?: DoubleDirectory } = {},
): Promise<RelayDouble> {
  const relay = await RelayDouble.start({ crypto, key: options.key ?? relayKey, ...options });
  relays.push(relay);
  return relay;
}

/** Registration must fail with `code` at every attempt, without sending PROVE. */
async function expectRegistrationRefused(client: Client, relay: RelayDouble, code: string): Promise<void> {
  const failures: RegistrationFailedEvent[] = [];
  client.on('registration:failed', (e) => failures.push(e));
  const error = await rejection(client.start());
  expect(error.code).toBe('CLIENT_ERR_NO_RELAY');
  expect((error.cause as { code?: string }).code).toBe(code);
  expect(failures.length).toBeGreaterThan(0);
  expect(failures.every((f) => f.code === code)).toBe(true);
  expect(relay.core.proves).toBe(0);
  expect(client.connectionState).toBe('closed');
}

async function pair(relay: RelayDouble, options: { store?: MemoryStore } = {}) {
  const alice = pool.make(aliceKey, 'alice', [relay.entry], options);
  const bob = pool.make(bobKey, 'bob', [relay.entry]);
  await alice.start();
  await bob.start();
  return { alice, bob };
}

describe('registration with a lying relay', () => {
  it('refuses a relay whose key is not the pinned one: SESSION_ERR_RELAY_KEY_MISMATCH', async () => {
    const impostor = await double({ key: malloryKey });
    const pinned = { ...impostor.entry, fingerprint: relayKey.publicKey.fingerprint() };
    const alice = pool.make(aliceKey, 'alice', [pinned]);
    await expectRegistrationRefused(alice, impostor, 'SESSION_ERR_RELAY_KEY_MISMATCH');
  });

  it('refuses a CHALLENGE tree head with a bad signature: SESSION_ERR_TREE_HEAD_SIGNATURE', async () => {
    const relay = await double();
    relay.core.directory.add('bob', bobKey.publicKey.toDer());
    relay.core.lies.challenge = (payload) => {
      const m = decodeMessage(payload);
      if (m.type !== 'CHALLENGE') return payload;
      const signature = m.treeHead.signature.slice();
      signature[7]! ^= 0x40;
      return encodeMessage({ ...m, treeHead: { ...m.treeHead, signature } });
    };
    await expectRegistrationRefused(
      pool.make(aliceKey, 'alice', [relay.entry]),
      relay,
      'SESSION_ERR_TREE_HEAD_SIGNATURE',
    );
  });

  it('refuses a whole small directory that is not the signed one: SESSION_ERR_DIRECTORY_MISMATCH', async () => {
    const relay = await double();
    relay.core.directory.add('bob', bobKey.publicKey.toDer());
    relay.core.directory.add('carol', carolKey.publicKey.toDer());
    relay.core.lies.directory = (entries) =>
      entries.map((e) => (e.name === 'bob' ? { ...e, publicKey: malloryKey.publicKey.toDer() } : e));
    await expectRegistrationRefused(
      pool.make(aliceKey, 'alice', [relay.entry]),
      relay,
      'SESSION_ERR_DIRECTORY_MISMATCH',
    );
  });

  it('shows the seed flat root of a whole small directory that matches the signed root', async () => {
    const relay = await double();
    relay.core.directory.add('bob', bobKey.publicKey.toDer());
    const event = await pool.make(aliceKey, 'alice', [relay.entry]).start();
    expect(event.flatRoot).toBe(flatRoot([bobKey.publicKey.toDer()]));
  });

  it('refuses a directory that is not consistent with the head kept from before: SESSION_ERR_TREE_INCONSISTENT', async () => {
    const store = new MemoryStore();
    const honest = new DoubleDirectory(crypto, relayKey);
    const first = await double({ directory: honest });
    honest.add('bob', bobKey.publicKey.toDer());
    const alice = pool.make(aliceKey, 'alice', [first.entry], { store });
    await alice.start();
    expect(store.treeHead(relayKey.publicKey.fingerprint())?.size).toBe(2);
    await alice.close();
    await first.stop();

    // The same relay key now shows a rewritten history: bob's entry replaced by mallory's key.
    const forked = new DoubleDirectory(crypto, relayKey);
    forked.add('bob', malloryKey.publicKey.toDer());
    forked.add('alice', aliceKey.publicKey.toDer());
    forked.add('carol', carolKey.publicKey.toDer());
    const liar = await double({ directory: forked });
    const again = pool.make(aliceKey, 'alice', [liar.entry], { store });
    await expectRegistrationRefused(again, liar, 'SESSION_ERR_TREE_INCONSISTENT');
    // The head kept in the store is still the honest one.
    expect(store.treeHead(relayKey.publicKey.fingerprint())?.size).toBe(2);
  });
});

describe('key lookups with a lying relay', () => {
  it('refuses an entry whose key is not the one its id names (substituted key): CLIENT_ERR_ENTRY_MISMATCH', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    relay.core.lies.publicKey = (answer) =>
      answer.entry.name === 'bob'
        ? { ...answer, entry: { ...answer.entry, publicKey: malloryKey.publicKey.toDer() } }
        : answer;
    expect((await rejection(alice.lookup('bob'))).code).toBe('CLIENT_ERR_ENTRY_MISMATCH');
    expect((await rejection(alice.call('bob'))).code).toBe('CLIENT_ERR_ENTRY_MISMATCH');
    expect(relay.core.received.filter((m) => m.type === 'CALL_REQUEST')).toEqual([]);
  });

  it('refuses a substituted key for bob from a forked log signed by the relay: SESSION_ERR_TREE_INCONSISTENT', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    // A second history of the same size in which "bob" is mallory's key, with a valid inclusion proof.
    const fork = new DoubleDirectory(crypto, relayKey);
    fork.add('alice', aliceKey.publicKey.toDer());
    const fake = fork.add('bob', malloryKey.publicKey.toDer());
    relay.core.lies.publicKey = (answer) => ({
      ...answer,
      entry: fake,
      inclusionProof: fork.inclusion(fake.index),
      treeHead: fork.head(),
    });
    expect((await rejection(alice.lookup('bob'))).code).toBe('SESSION_ERR_TREE_INCONSISTENT');
  });

  it('refuses an entry without its inclusion proof: SESSION_ERR_INCLUSION', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    relay.core.lies.publicKey = (answer) => ({ ...answer, inclusionProof: [] });
    expect((await rejection(alice.lookup('bob'))).code).toBe('SESSION_ERR_INCLUSION');
  });

  it('refuses a lookup head with a bad signature: SESSION_ERR_TREE_HEAD_SIGNATURE', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    relay.core.lies.publicKey = (answer) => {
      const signature = answer.treeHead.signature.slice();
      signature[100]! ^= 1;
      return { ...answer, treeHead: { ...answer.treeHead, signature } };
    };
    expect((await rejection(alice.lookup('bob'))).code).toBe('SESSION_ERR_TREE_HEAD_SIGNATURE');
  });

  it('asks GET_CONSISTENCY when the directory grew, and refuses a bad consistency proof', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    const before = alice.treeHead!.size;
    await pool.make(carolKey, 'carol', [relay.entry]).start();
    const carol = await alice.lookup('carol');
    expect(carol.name).toBe('carol');
    expect(relay.core.received.some((m) => m.type === 'GET_CONSISTENCY')).toBe(true);
    expect(before).toBe(1);
    expect(alice.treeHead!.size).toBe(3);

    await pool.make(malloryKey, 'mallory', [relay.entry]).start();
    relay.core.lies.consistency = (answer) => ({
      ...answer,
      proof: answer.proof.map(() => new Uint8Array(32)),
    });
    expect((await rejection(alice.lookup('mallory'))).code).toBe('SESSION_ERR_TREE_INCONSISTENT');
    expect(alice.treeHead!.size).toBe(3);
  });

  it('pins a contact key: a changed key raises contact:key-changed and blocks calls until accepted', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    await alice.lookup('bob');
    // The relay binds "bob" to mallory's key in the log (a valid, consistent, proven entry) and also
    // rewrites its signed name map so that "bob" maps to mallory's entry: signed evidence against the relay
    // (bob is alarmed at his next login, small directories expose it), but the lookup's proofs all hold,
    // so here the contact pin is what stops the call.
    const squatted = relay.core.directory.add('bob', malloryKey.publicKey.toDer());
    relay.core.directory.mapOf = (entries) =>
      nameMapOf(entries).set(nameMapKey('bob'), entryLeafHash(squatted));
    relay.core.lies.publicKey = (answer) =>
      answer.entry.name === 'bob'
        ? {
            ...answer,
            entry: squatted,
            inclusionProof: relay.core.directory.inclusion(squatted.index),
            mapProof: relay.core.directory.mapProof('bob'),
          }
        : answer;
    const changed = nextEvent<ContactKeyChangedEvent>(alice, 'contact:key-changed');
    const looked = await alice.lookup('bob');
    expect(looked.keyChanged).toBe(true);
    expect(await changed).toMatchObject({
      name: 'bob',
      pinnedClientId: crypto.fingerprint(bobKey.publicKey),
      newClientId: crypto.fingerprint(malloryKey.publicKey),
      source: 'lookup',
    });
    expect((await rejection(alice.call('bob'))).code).toBe('CLIENT_ERR_CONTACT_KEY_CHANGED');
    expect(relay.core.received.filter((m) => m.type === 'CALL_REQUEST')).toEqual([]);
    alice.acceptContactKey('bob');
    expect(alice.safetyNumber('bob')).toBe(
      crypto.safetyNumber(alice.clientId, crypto.fingerprint(malloryKey.publicKey)),
    );
  });
});

/** The relay tells `to` that bob's name now has `next`'s key (a `rotated` phonebook change). */
function pushRotated(relay: RelayDouble, to: Client, next: RsaPrivateKey): void {
  relay.push(to.clientId, {
    type: 'PHONEBOOK_DELTA',
    changes: [
      {
        kind: 'rotated',
        contact: { clientId: crypto.sha3_256(next.publicKey.toDer()), name: 'bob', online: false },
      },
    ],
  });
}

describe('key rotation (docs/key-transparency.md "Key rotation")', () => {
  it('a rotation the pinned key signed is re-pinned with a notice, not an alarm', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    await alice.lookup('bob');
    const bobEntry = relay.core.directory.byName('bob')!;
    relay.core.directory.rotate(bobEntry, bobKey, carolKey);
    const rotated = nextEvent<ContactKeyRotatedEvent>(alice, 'contact:key-rotated');
    let alarms = 0;
    alice.on('contact:key-changed', () => alarms++);
    pushRotated(relay, alice, carolKey);
    expect(await rotated).toEqual({
      type: 'contact:key-rotated',
      name: 'bob',
      previousClientId: crypto.fingerprint(bobKey.publicKey),
      clientId: crypto.fingerprint(carolKey.publicKey),
    });
    // One line for bob, the new key, verified; calls and safety numbers use the new key.
    expect(alice.contacts.filter((c) => c.name === 'bob')).toEqual([
      {
        clientId: crypto.fingerprint(carolKey.publicKey),
        name: 'bob',
        online: false,
        verification: 'verified',
      },
    ]);
    expect((await alice.lookup('bob')).keyChanged).toBe(false);
    expect(alice.safetyNumber('bob')).toBe(
      crypto.safetyNumber(alice.clientId, crypto.fingerprint(carolKey.publicKey)),
    );
    expect(alarms).toBe(0);
  });

  it('a "rotation" the pinned key did not sign is a key change: alarm, calls blocked', async () => {
    const relay = await double();
    const { alice } = await pair(relay);
    await alice.lookup('bob');
    // The relay forges a rotation of bob's name to mallory's key, signed by mallory: its log, map and
    // proofs are all consistent, only the old key's signature is missing.
    relay.core.directory.rotate(relay.core.directory.byName('bob')!, malloryKey, malloryKey);
    const changed = nextEvent<ContactKeyChangedEvent>(alice, 'contact:key-changed');
    let notices = 0;
    alice.on('contact:key-rotated', () => notices++);
    pushRotated(relay, alice, malloryKey);
    expect(await changed).toMatchObject({
      name: 'bob',
      pinnedClientId: crypto.fingerprint(bobKey.publicKey),
      newClientId: crypto.fingerprint(malloryKey.publicKey),
      source: 'lookup',
    });
    expect((await rejection(alice.call('bob'))).code).toBe('CLIENT_ERR_CONTACT_KEY_CHANGED');
    expect(notices).toBe(0);
    expect(alice.safetyNumber('bob')).toBe(
      crypto.safetyNumber(alice.clientId, crypto.fingerprint(bobKey.publicKey)),
    );
  });
});

describe('tree-head gossip in calls (docs/key-transparency.md "Gossip in calls")', () => {
  it('a call reveals a relay that shows caller and callee two forked logs: directory:split-view', async () => {
    const relay = await double();
    const { alice, bob } = await pair(relay);
    // The relay forks its log after alice and bob: alice's branch binds "carol" to mallory's key, the
    // real one to carol's. Both are signed by the relay and extend the history both have seen.
    const fork = new DoubleDirectory(crypto, relayKey);
    for (const e of relay.core.directory.entries) fork.add(e.name, e.publicKey, e.time);
    fork.add('carol', malloryKey.publicKey.toDer());
    relay.core.directory.add('carol', carolKey.publicKey.toDer());
    relay.core.lies.publicKey = (answer, requester) => {
      if (requester !== alice.clientId) return answer;
      const entry = fork.byName(answer.entry.name)!;
      return {
        ...answer,
        entry,
        inclusionProof: fork.inclusion(entry.index),
        mapProof: fork.mapProof(entry.name),
        treeHead: fork.head(),
      };
    };
    relay.core.lies.consistency = (answer, requester) =>
      requester !== alice.clientId
        ? answer
        : { ...answer, treeHead: fork.head(fork.size), proof: fork.consistency(answer.fromSize, fork.size) };
    // Each accepts its branch (each is consistent with what it saw before): same size, other roots.
    await alice.lookup('carol');
    await bob.lookup('carol');
    expect(alice.treeHead?.size).toBe(bob.treeHead?.size);
    expect(alice.treeHead?.root).not.toEqual(bob.treeHead?.root);

    const splits: DirectorySplitViewEvent[] = [];
    bob.on('directory:split-view', (e) => splits.push(e));
    bob.once('call:incoming', () => bob.reject());
    expect((await rejection(alice.call('bob'))).code).toBe('CLIENT_ERR_CALL_REJECTED');
    await waitFor(() => splits.length > 0);
    expect(splits[0]).toMatchObject({ code: 'SESSION_ERR_TREE_INCONSISTENT', shown: alice.treeHead });
    expect(splits[0]!.accepted).toEqual(bob.treeHead);
  });
});

describe('names from a lying relay', () => {
  it('drops phonebook lines whose name fails the policy (terminal escapes) and refuses such a lookup entry: CLIENT_ERR_NAME_POLICY', async () => {
    // A directory (as a Redis writer could make it) holding a name that retitles the terminal and rings.
    const directory = new DoubleDirectory(crypto, relayKey);
    const evil = directory.add('\x1b]0;pwned\x07carol', carolKey.publicKey.toDer());
    const relay = await double({ directory });
    const alice = pool.make(aliceKey, 'alice', [relay.entry]);
    const rejected: ContactRejectedEvent[] = [];
    alice.on('contact:rejected', (e) => rejected.push(e));
    await alice.start();
    await waitFor(() => rejected.length === 1);
    expect(rejected[0]).toMatchObject({ source: 'phonebook', name: '\\x1b]0;pwned\\x07carol' });
    expect(alice.contacts.map((c) => c.name)).not.toContain(evil.name);

    // A pushed delta with a fake "✔ verified" in green is dropped the same way.
    relay.push(alice.clientId, {
      type: 'PHONEBOOK_DELTA',
      changes: [
        {
          kind: 'added',
          contact: {
            clientId: crypto.sha3_256(malloryKey.publicKey.toDer()),
            name: 'bob \x1b[32m✔ verified\x1b[0m',
            online: true,
          },
        },
      ],
    });
    await waitFor(() => rejected.length === 2);
    expect(rejected[1]!.name).toBe('bob \\x1b[32m✔ verified\\x1b[0m');
    expect(alice.contacts).toEqual([]);

    // The signed, included entry itself is refused when looked up by id (e.g. for an incoming call).
    expect(
      (await rejection(alice.lookup({ clientId: Buffer.from(evil.clientId).toString('hex') }))).code,
    ).toBe('CLIENT_ERR_NAME_POLICY');
  });
});

describe('incoming calls through a lying relay', () => {
  it('refuses an INCOMING_CALL whose caller signature does not match: SESSION_ERR_CALL_SIGNATURE', async () => {
    const relay = await double();
    const { alice, bob } = await pair(relay);
    const aliceId = crypto.sha3_256(aliceKey.publicKey.toDer());
    const bobId = crypto.sha3_256(bobKey.publicKey.toDer());
    // The relay replaces alice's call data with data claiming to be alice but signed by mallory.
    relay.core.lies.incomingCall = (message) => ({
      ...message,
      sealedCallData: createCallOffer({
        crypto,
        callId: message.callId,
        caller: { id: aliceId, privateKey: malloryKey },
        callee: { id: bobId, publicKey: bobKey.publicKey },
        codecs: [2],
        now: Date.now(),
      }).sealedCallData,
    });
    let rang = false;
    bob.on('call:incoming', () => {
      rang = true;
    });
    const refused = nextEvent<CallRefusedEvent>(bob, 'call:refused');
    const call = rejection(alice.call('bob'));
    expect(await refused).toMatchObject({ code: 'SESSION_ERR_CALL_SIGNATURE', callerId: alice.clientId });
    expect((await call).code).toBe('CLIENT_ERR_CALL_ENDED');
    expect(rang).toBe(false);
    expect(bob.callState).toBe('ended');
  });

  it('refuses an INCOMING_CALL that states another caller than the call data: SESSION_ERR_CALLER_MISMATCH', async () => {
    const relay = await double();
    const { alice, bob } = await pair(relay);
    const carol = pool.make(carolKey, 'carol', [relay.entry]);
    await carol.start();
    await waitFor(() => bob.contacts.some((c) => c.name === 'carol'));
    // Alice calls, but the relay tells bob that carol is calling (docs/lessons.md #7).
    relay.core.lies.incomingCall = (message) => ({
      ...message,
      caller: crypto.sha3_256(carolKey.publicKey.toDer()),
      callerName: 'carol',
    });
    const refused = nextEvent<CallRefusedEvent>(bob, 'call:refused');
    void alice.call('bob').catch(() => undefined);
    expect((await refused).code).toBe('SESSION_ERR_CALLER_MISMATCH');
  });

  it('refuses a recorded INCOMING_CALL replayed after the callee restarted: SESSION_ERR_CALL_REPLAY', async () => {
    const relay = await double();
    const dir = await mkdtemp(join(tmpdir(), 'leitung-replay-'));
    try {
      const path = join(dir, 'vault.leitung');
      const first = await SecureVault.create(path, 'bob vault passphrase', { crypto });
      const alice = pool.make(aliceKey, 'alice', [relay.entry]);
      const bob = pool.make(bobKey, 'bob', [relay.entry], { store: first, persist: () => first.save() });
      await alice.start();
      await bob.start();
      let captured: Parameters<NonNullable<typeof relay.core.lies.incomingCall>>[0] | undefined;
      relay.core.lies.incomingCall = (message) => {
        captured ??= message;
        return message;
      };
      bob.once('call:incoming', () => bob.reject());
      expect((await rejection(alice.call('bob'))).code).toBe('CLIENT_ERR_CALL_REJECTED');

      // The callee restarts: a new Client on the same vault file, nothing kept in memory.
      await bob.close();
      first.close();
      // (The shell saves asynchronously after the core's `persist`; give that save a moment.)
      const reopen = () => SecureVault.open(path, 'bob vault passphrase', { crypto });
      let vault = await reopen();
      for (let i = 0; i < 20 && vault.seenCallIds().length === 0; i++) {
        vault.close();
        await new Promise((r) => setTimeout(r, 50));
        vault = await reopen();
      }
      const restarted = pool.make(bobKey, 'bob', [relay.entry], {
        store: vault,
        persist: () => vault.save(),
      });
      await restarted.start();
      const rang: unknown[] = [];
      restarted.on('call:incoming', (e) => rang.push(e));
      const refused = nextEvent<CallRefusedEvent>(restarted, 'call:refused');
      // The relay replays the recorded offer, well inside its freshness window.
      relay.push(restarted.clientId, captured!);
      expect((await refused).code).toBe('SESSION_ERR_CALL_REPLAY');
      expect(rang).toEqual([]);
      await restarted.close();
      vault.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a replayed INCOMING_CALL: SESSION_ERR_CALL_REPLAY', async () => {
    const relay = await double();
    const { alice, bob } = await pair(relay);
    let captured: Parameters<NonNullable<typeof relay.core.lies.incomingCall>>[0] | undefined;
    relay.core.lies.incomingCall = (message) => {
      captured ??= message;
      return captured;
    };
    bob.once('call:incoming', () => bob.reject());
    expect((await rejection(alice.call('bob'))).code).toBe('CLIENT_ERR_CALL_REJECTED');
    // The relay replays the first call's INCOMING_CALL for the second call.
    const refused = nextEvent<CallRefusedEvent>(bob, 'call:refused');
    void alice.call('bob').catch(() => undefined);
    expect((await refused).code).toBe('SESSION_ERR_CALL_REPLAY');
  });
});
