/**
 * The client's name-map checks (docs/key-transparency.md, "The name map"): a second binding of a name
 * is refused on lookup, the owner is alarmed at login when the signed map gives its name away, and a
 * small directory with a repeated name or a map root that is not its own is refused.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { entryLeafHash, NameMap } from '@leitung/merkle';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ClientHandshake,
  checkDirectoryNameMap,
  checkOwnNameBinding,
  logIdOf,
  nameMapKey,
  RelayHandshake,
  SessionError,
  signTreeHead,
  verifyNameBinding,
} from '../src/index.js';
import { crypto, key, TestDirectory } from './fixtures.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let malloryKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, malloryKey] = await Promise.all([key('relay'), key('alice'), key('mallory')]);
});

function errorOf(fn: () => unknown): SessionError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SessionError) return error;
    throw error;
  }
  return undefined;
}

/** A malicious log: alice binds "alice", then the relay appends a second binding "Alice" for mallory. */
function doubleBound(): TestDirectory {
  const dir = new TestDirectory(relayKey);
  dir.add('alice', aliceKey.publicKey.toDer());
  dir.add('Alice', malloryKey.publicKey.toDer());
  return dir;
}

/** A head of `dir` whose name map is `map` (whatever the log says), validly signed by the relay. */
function headWithMap(dir: TestDirectory, map: NameMap) {
  return signTreeHead(crypto, relayKey, {
    logId: logIdOf(crypto, relayKey.publicKey),
    size: dir.entries.length,
    root: dir.log.root(),
    mapRoot: map.root(),
    time: 1_700_000_000_000,
  });
}

describe('verifyNameBinding (every lookup)', () => {
  it('accepts the first binding and refuses the second one (SESSION_ERR_NAME_BINDING)', () => {
    const dir = doubleBound();
    const head = dir.head();
    const [first, second] = dir.entries;
    verifyNameBinding(first!, dir.mapProof('alice'), head);
    const error = errorOf(() => verifyNameBinding(second!, dir.mapProof('Alice'), head));
    expect(error?.code).toBe('SESSION_ERR_NAME_BINDING');
    expect(error?.directoryName).toBe('Alice');
  });

  it('refuses an entry whose name the map says is unbound (a hidden first binding)', () => {
    const dir = doubleBound();
    const empty = NameMap.empty();
    const head = headWithMap(dir, empty);
    const error = errorOf(() => verifyNameBinding(dir.entries[1]!, empty.prove(nameMapKey('Alice')), head));
    expect(error?.code).toBe('SESSION_ERR_NAME_BINDING');
  });

  it('refuses a proof that does not lead to the signed map root (SESSION_ERR_MAP_PROOF)', () => {
    const dir = doubleBound();
    dir.add('bob', malloryKey.publicKey.toDer());
    dir.add('carol', malloryKey.publicKey.toDer());
    const proof = dir.mapProof('alice');
    expect(proof.siblings.length).toBeGreaterThan(0);
    const tampered = { ...proof, siblings: proof.siblings.map((s) => s.map((b) => b ^ 1)) };
    const siblingless = { siblings: [], terminal: proof.terminal };
    for (const bad of [tampered, siblingless]) {
      expect(errorOf(() => verifyNameBinding(dir.entries[0]!, bad, dir.head()))?.code).toBe(
        'SESSION_ERR_MAP_PROOF',
      );
    }
  });
});

describe('checkOwnNameBinding (owner monitoring at login)', () => {
  it('alarms the owner when the signed map binds her name to another key (SESSION_ERR_NAME_HIJACKED)', () => {
    const dir = doubleBound();
    const [alice, mallory] = dir.entries;
    // The relay signs a map in which "alice" → mallory's entry.
    const map = NameMap.empty().set(nameMapKey('alice'), entryLeafHash(mallory!));
    const error = errorOf(() =>
      checkOwnNameBinding(alice!, map.prove(nameMapKey('alice')), headWithMap(dir, map)),
    );
    expect(error?.code).toBe('SESSION_ERR_NAME_HIJACKED');
    expect(error?.directoryName).toBe('alice');
    checkOwnNameBinding(alice!, dir.mapProof('alice'), dir.head());
  });

  it('is part of the WELCOME check of the handshake', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('alice', malloryKey.publicKey.toDer());
    const client = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    const relay = new RelayHandshake({ crypto, privateKey: relayKey });
    const register = relay.onRegister(client.start());
    const channel = relay.onProve(
      client.onChallenge(relay.challenge({ treeHead: dir.head(), consistencyProof: [] })),
    );
    // A malicious relay logs alice in with her own (second) entry; its map still names mallory's.
    const entry = dir.add('alice', register.publicKey);
    const welcome = {
      type: 'WELCOME' as const,
      clientId: entry.clientId,
      entry,
      inclusionProof: dir.log.inclusionProof(entry.index, 2),
      treeHead: dir.head(),
      consistencyProof: dir.log.consistencyProof(1, 2),
      mapProof: dir.mapProof('alice'),
      phonebook: { offset: 0, total: 0, contacts: [] },
    };
    expect(errorOf(() => client.onWelcome(channel.seal(welcome)))?.code).toBe('SESSION_ERR_NAME_HIJACKED');
  });
});

describe('checkDirectoryNameMap (small directories sent whole)', () => {
  it('refuses a directory that binds one folded name twice, naming it (SESSION_ERR_DUPLICATE_NAME)', () => {
    const dir = doubleBound();
    const error = errorOf(() => checkDirectoryNameMap(crypto, dir.entries, dir.head()));
    expect(error?.code).toBe('SESSION_ERR_DUPLICATE_NAME');
    expect(error?.directoryName).toBe('Alice');
  });

  it('refuses a head whose map root is not the map of its log (SESSION_ERR_DIRECTORY_MISMATCH)', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('alice', aliceKey.publicKey.toDer());
    dir.add('bob', malloryKey.publicKey.toDer());
    checkDirectoryNameMap(crypto, dir.entries, dir.head());
    const lying = NameMap.empty().set(nameMapKey('alice'), entryLeafHash(dir.entries[1]!));
    expect(errorOf(() => checkDirectoryNameMap(crypto, dir.entries, headWithMap(dir, lying)))?.code).toBe(
      'SESSION_ERR_DIRECTORY_MISMATCH',
    );
  });
});
