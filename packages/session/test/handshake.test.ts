import type { RsaPrivateKey } from '@leitung/crypto';
import { decodeMessage, encodeMessage, type SignedTreeHead } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ClientHandshake,
  type ClientHandshakeSettings,
  clientIdOf,
  RelayHandshake,
  registerFromOpened,
  runRelayKeyOperation,
  SessionError,
  sealedRegisterOperation,
} from '../src/index.js';
import { codeOf, crypto, key, TestDirectory } from './fixtures.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let malloryKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey, malloryKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('mallory'),
  ]);
});

/**
 * Runs one registration of `clientKey` as `name` against a directory, in-process, as a relay core would:
 * REGISTER → CHALLENGE (current head + consistency from knownTreeSize) → PROVE → append → WELCOME.
 */
function handshake(
  dir: TestDirectory,
  clientKey: RsaPrivateKey,
  name: string,
  options: Partial<ClientHandshakeSettings> & {
    tamperChallenge?: (bytes: Uint8Array) => Uint8Array;
    tamperWelcome?: (welcome: ReturnType<typeof welcomeFor>) => ReturnType<typeof welcomeFor>;
    signingRelayKey?: RsaPrivateKey;
    sendDirectory?: (entries: TestDirectory['entries']) => TestDirectory['entries'];
  } = {},
) {
  const client = new ClientHandshake({
    crypto,
    privateKey: clientKey,
    name,
    pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    ...options,
  });
  const relay = new RelayHandshake({ crypto, privateKey: options.signingRelayKey ?? relayKey });
  const register = relay.onRegister(client.start());
  const oldSize = dir.entries.length;
  const known = register.knownTreeSize;
  let challenge = relay.challenge({
    treeHead: dir.head(),
    consistencyProof: known > 0 && known < oldSize ? dir.log.consistencyProof(known, oldSize) : [],
    directory: options.sendDirectory?.([...dir.entries]),
  });
  if (options.tamperChallenge) challenge = options.tamperChallenge(challenge);
  const prove = client.onChallenge(challenge);
  const relayChannel = relay.onProve(prove);
  const entry = dir.add(name, register.publicKey);
  let welcome = welcomeFor(dir, entry, oldSize);
  if (options.tamperWelcome) welcome = options.tamperWelcome(welcome);
  const result = client.onWelcome(relayChannel.seal(welcome));
  return { client, relay, relayChannel, result };
}

function welcomeFor(dir: TestDirectory, entry: TestDirectory['entries'][number], oldSize: number) {
  const size = dir.entries.length;
  return {
    type: 'WELCOME' as const,
    clientId: entry.clientId,
    entry,
    inclusionProof: dir.log.inclusionProof(entry.index, size),
    treeHead: dir.head(size),
    consistencyProof: oldSize > 0 ? dir.log.consistencyProof(oldSize, size) : [],
    mapProof: dir.mapProof(entry.name, size),
    phonebook: { offset: 0, total: 0, contacts: [] },
  };
}

describe('registration handshake (docs/session-protocol.md §1)', () => {
  it('completes, verifies WELCOME and gives both sides one working sealed channel', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    const { result, relayChannel } = handshake(dir, aliceKey, 'alice');
    expect(result.clientId).toEqual(clientIdOf(crypto, aliceKey.publicKey));
    expect(result.treeHead.size).toBe(2);
    const ping = { type: 'PING' as const, nonce: new Uint8Array(8).fill(7), sentAt: 1 };
    expect(relayChannel.open(result.channel.seal(ping))).toEqual(ping);
    const pong = result.channel.open(
      relayChannel.seal({
        type: 'PONG',
        nonce: ping.nonce,
        load: { clients: 1, calls: 0, packetsPerSecond: 0, capacity: 10 },
      }),
    );
    expect(pong.type).toBe('PONG');
  });

  it('accepts a later registration whose head is consistent with the one the client kept', () => {
    const dir = new TestDirectory(relayKey);
    const first = handshake(dir, aliceKey, 'alice');
    dir.add('carol', malloryKey.publicKey.toDer());
    const second = handshake(dir, bobKey, 'bob', { lastTreeHead: first.result.treeHead });
    expect(second.result.treeHead.size).toBe(3);
  });

  it('refuses a relay whose key is not the pinned one (no TOFU, docs/lessons.md #2)', () => {
    const dir = new TestDirectory(malloryKey);
    expect(codeOf(() => handshake(dir, aliceKey, 'alice', { signingRelayKey: malloryKey }))).toBe(
      'SESSION_ERR_RELAY_KEY_MISMATCH',
    );
  });

  it('refuses a tree head with a bad signature', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    const tamper = (bytes: Uint8Array) => {
      const m = decodeMessage(bytes);
      if (m.type !== 'CHALLENGE') throw new Error('not a challenge');
      const sig = m.treeHead.signature.slice();
      sig[10]! ^= 1;
      return encodeMessage({ ...m, treeHead: { ...m.treeHead, signature: sig } });
    };
    expect(codeOf(() => handshake(dir, aliceKey, 'alice', { tamperChallenge: tamper }))).toBe(
      'SESSION_ERR_TREE_HEAD_SIGNATURE',
    );
  });

  it('refuses a tree head that rewrites history (not consistent with the last accepted head)', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    dir.add('carol', malloryKey.publicKey.toDer());
    const kept: SignedTreeHead = dir.head(2);
    // A forked directory: same size, different history, correctly signed by the same relay key.
    const fork = new TestDirectory(relayKey);
    fork.add('bob', bobKey.publicKey.toDer());
    fork.add('mallory', malloryKey.publicKey.toDer());
    fork.add('dave', malloryKey.publicKey.toDer());
    expect(codeOf(() => handshake(fork, aliceKey, 'alice', { lastTreeHead: kept }))).toBe(
      'SESSION_ERR_TREE_INCONSISTENT',
    );
  });

  it('refuses a shrunken directory', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    dir.add('carol', malloryKey.publicKey.toDer());
    const kept = dir.head(2);
    const small = new TestDirectory(relayKey);
    small.add('bob', bobKey.publicKey.toDer());
    expect(codeOf(() => handshake(small, aliceKey, 'alice', { lastTreeHead: kept }))).toBe(
      'SESSION_ERR_TREE_INCONSISTENT',
    );
  });

  it('refuses a WELCOME whose entry carries another key (key substitution)', () => {
    const dir = new TestDirectory(relayKey);
    const code = codeOf(() =>
      handshake(dir, aliceKey, 'alice', {
        tamperWelcome: (w) => ({ ...w, entry: { ...w.entry, publicKey: malloryKey.publicKey.toDer() } }),
      }),
    );
    expect(code).toBe('SESSION_ERR_WELCOME_MISMATCH');
  });

  it('refuses a WELCOME whose inclusion proof does not verify', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    dir.add('carol', malloryKey.publicKey.toDer());
    const code = codeOf(() =>
      handshake(dir, aliceKey, 'alice', {
        tamperWelcome: (w) => ({ ...w, inclusionProof: w.inclusionProof.slice(1) }),
      }),
    );
    expect(code).toBe('SESSION_ERR_INCLUSION');
  });

  it('refuses a WELCOME head that is not consistent with the CHALLENGE head', () => {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    const code = codeOf(() =>
      handshake(dir, aliceKey, 'alice', {
        tamperWelcome: (w) => ({ ...w, consistencyProof: [new Uint8Array(32)] }),
      }),
    );
    expect(code).toBe('SESSION_ERR_TREE_INCONSISTENT');
  });

  it('relay refuses a PROVE from someone who cannot decrypt the challenge, with one code for every cause', () => {
    const client = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    const dir = new TestDirectory(relayKey);
    const relay = new RelayHandshake({ crypto, privateKey: relayKey });
    relay.onRegister(client.start());
    relay.challenge({ treeHead: dir.head(), consistencyProof: [] });
    // An impostor who claims alice's key but guesses the challenge.
    const guess = encodeMessage({
      type: 'PROVE',
      sealed: crypto.rsaEncrypt(
        relayKey.publicKey,
        crypto.randomBytes(64),
        new TextEncoder().encode('leitung/v1 prove'),
      ),
      confirm: crypto.randomBytes(32),
    });
    expect(codeOf(() => relay.onProve(guess))).toBe('SESSION_ERR_PROOF_FAILED');

    for (const bad of [
      encodeMessage({ type: 'PROVE', sealed: crypto.randomBytes(512), confirm: new Uint8Array(32) }),
      encodeMessage({ type: 'PROVE', sealed: new Uint8Array(3), confirm: new Uint8Array(32) }),
      new Uint8Array([1, 2, 3]),
    ]) {
      const r = new RelayHandshake({ crypto, privateKey: relayKey });
      const c = new ClientHandshake({
        crypto,
        privateKey: aliceKey,
        name: 'alice',
        pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      });
      r.onRegister(c.start());
      r.challenge({ treeHead: dir.head(), consistencyProof: [] });
      expect(codeOf(() => r.onProve(bad))).toBe('SESSION_ERR_PROOF_FAILED');
    }
  });

  it('split PROVE check (beginProve → decrypt elsewhere → finishProve) works like onProve and fails the same way', () => {
    const dir = new TestDirectory(relayKey);
    const start = () => {
      const client = new ClientHandshake({
        crypto,
        privateKey: aliceKey,
        name: 'alice',
        pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      });
      const relay = new RelayHandshake({ crypto, privateKey: relayKey });
      relay.onRegister(client.start());
      const prove = client.onChallenge(relay.challenge({ treeHead: dir.head(), consistencyProof: [] }));
      return { client, relay, prove };
    };
    const ok = start();
    const operation = ok.relay.beginProve(ok.prove);
    expect(operation.op).toBe('oaep-decrypt');
    const relayChannel = ok.relay.finishProve(runRelayKeyOperation(crypto, relayKey, operation));
    const entry = dir.add('alice', aliceKey.publicKey.toDer());
    expect(ok.client.onWelcome(relayChannel.seal(welcomeFor(dir, entry, 0))).welcome.entry.name).toBe(
      'alice',
    );
    // A decryption that failed elsewhere, or a wrong plaintext, is the one PROVE failure code.
    const failed = start();
    failed.relay.beginProve(failed.prove);
    expect(codeOf(() => failed.relay.finishProve(undefined))).toBe('SESSION_ERR_PROOF_FAILED');
    const wrong = start();
    wrong.relay.beginProve(wrong.prove);
    expect(codeOf(() => wrong.relay.finishProve(crypto.randomBytes(64)))).toBe('SESSION_ERR_PROOF_FAILED');
    const garbage = start();
    expect(codeOf(() => garbage.relay.beginProve(new Uint8Array([1, 2, 3])))).toBe(
      'SESSION_ERR_PROOF_FAILED',
    );
    expect(codeOf(() => garbage.relay.finishProve(new Uint8Array(64)))).toBe(
      'SESSION_ERR_UNEXPECTED_MESSAGE',
    );
    // The client's key checked and the challenge sealed elsewhere: the client answers it as usual.
    const deferred = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    const later = new RelayHandshake({ crypto, privateKey: relayKey });
    later.onRegister(deferred.start(), { checkKeyLater: true });
    expect(codeOf(() => later.challenge({ treeHead: dir.head(), consistencyProof: [] }))).toBe(
      'SESSION_ERR_UNEXPECTED_MESSAGE',
    );
    const refused = new RelayHandshake({ crypto, privateKey: relayKey });
    refused.onRegister(
      new ClientHandshake({
        crypto,
        privateKey: aliceKey,
        name: 'alice',
        pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      }).start(),
      { checkKeyLater: true },
    );
    const sealing = refused.beginChallenge({ treeHead: dir.head(), consistencyProof: [] });
    expect(sealing.op).toBe('seal-challenge');
    expect(codeOf(() => refused.finishChallenge(undefined))).toBe('SESSION_ERR_INVALID_ARGUMENT');
    if (sealing.op !== 'seal-challenge') throw new Error('expected seal-challenge');
    // A key the crypto layer refuses (a truncated SPKI) fails the operation.
    expect(() =>
      runRelayKeyOperation(crypto, relayKey, {
        ...sealing,
        clientPublicKey: sealing.clientPublicKey.subarray(1),
      }),
    ).toThrow();
    const ok2 = new RelayHandshake({ crypto, privateKey: relayKey });
    const deferredClient = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    ok2.onRegister(deferredClient.start(), { checkKeyLater: true });
    const sealOperation = ok2.beginChallenge({ treeHead: dir.head(), consistencyProof: [] });
    const challengeBytes = ok2.finishChallenge(runRelayKeyOperation(crypto, relayKey, sealOperation));
    const channel = ok2.onProve(deferredClient.onChallenge(challengeBytes));
    expect(channel).toBeDefined();

    // The sealed REGISTER opened elsewhere: the same REGISTER, and the same code when it did not open.
    const sealingClient = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      relayPublicKey: relayKey.publicKey.toDer(),
    });
    const sealed = decodeMessage(sealingClient.start());
    if (sealed.type !== 'REGISTER_SEALED') throw new Error('expected REGISTER_SEALED');
    const opened = runRelayKeyOperation(crypto, relayKey, sealedRegisterOperation(sealed.sealed));
    expect(registerFromOpened(opened).register.name).toBe('alice');
    expect(codeOf(() => registerFromOpened(undefined))).toBe('SESSION_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => registerFromOpened(new Uint8Array([1, 2, 3])))).toBe('SESSION_ERR_INVALID_ARGUMENT');
  });

  it('sends REGISTER sealed to a known relay key: no name or key in clear, same transcript', () => {
    const dir = new TestDirectory(relayKey);
    const client = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      relayPublicKey: relayKey.publicKey.toDer(),
    });
    const first = client.start();
    expect(decodeMessage(first).type).toBe('REGISTER_SEALED');
    const hex = Buffer.from(first).toString('hex');
    expect(hex).not.toContain(Buffer.from('alice').toString('hex'));
    expect(hex).not.toContain(Buffer.from(aliceKey.publicKey.toDer().subarray(0, 64)).toString('hex'));
    const relay = new RelayHandshake({ crypto, privateKey: relayKey });
    expect(relay.onRegister(first).name).toBe('alice');
    const challenge = relay.challenge({ treeHead: dir.head(), consistencyProof: [] });
    const relayChannel = relay.onProve(client.onChallenge(challenge));
    const entry = dir.add('alice', aliceKey.publicKey.toDer());
    const result = client.onWelcome(relayChannel.seal(welcomeFor(dir, entry, 0)));
    expect(result.welcome.entry.name).toBe('alice');
    // A cached key that is not the pinned relay's is refused before anything is sent.
    const wrong = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      relayPublicKey: malloryKey.publicKey.toDer(),
    });
    expect(codeOf(() => wrong.start())).toBe('SESSION_ERR_RELAY_KEY_MISMATCH');
    // A sealed REGISTER for another relay does not open.
    const other = new RelayHandshake({ crypto, privateKey: malloryKey });
    expect(codeOf(() => other.onRegister(first))).toBe('SESSION_ERR_INVALID_ARGUMENT');
  });

  it('refuses a challenge another relay sealed, forwarded by the pinned relay (key id in the sealed challenge)', () => {
    // Mallory is the pinned relay; she forwards honest relay R2's sealed challenge in her own CHALLENGE.
    const client = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: malloryKey.publicKey.fingerprint(),
    });
    const register = client.start();
    const r2 = new RelayHandshake({ crypto, privateKey: relayKey });
    r2.onRegister(register);
    const fromR2 = decodeMessage(
      r2.challenge({ treeHead: new TestDirectory(relayKey).head(), consistencyProof: [] }),
    );
    if (fromR2.type !== 'CHALLENGE') throw new Error('expected CHALLENGE');
    const forwarded = encodeMessage({
      ...fromR2,
      relayPublicKey: malloryKey.publicKey.toDer(),
      treeHead: new TestDirectory(malloryKey).head(),
    });
    expect(codeOf(() => client.onChallenge(forwarded))).toBe('SESSION_ERR_CHALLENGE_BINDING');
  });

  it('refuses a challenge for a REGISTER whose name was rewritten on the way (H(REGISTER) in the seal)', () => {
    const client = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    const original = decodeMessage(client.start());
    if (original.type !== 'REGISTER') throw new Error('expected REGISTER');
    const relay = new RelayHandshake({ crypto, privateKey: relayKey });
    relay.onRegister(encodeMessage({ ...original, name: 'mallory' }));
    const challenge = relay.challenge({ treeHead: new TestDirectory(relayKey).head(), consistencyProof: [] });
    expect(codeOf(() => client.onChallenge(challenge))).toBe('SESSION_ERR_CHALLENGE_BINDING');
  });

  it('relay refuses a PROVE whose key confirmation does not cover the REGISTER and CHALLENGE it saw', () => {
    const dir = new TestDirectory(relayKey);
    // A correct answer with one confirm bit flipped, and an answer to another CHALLENGE (other relayNonce).
    for (const tamper of ['confirm', 'challenge'] as const) {
      const client = new ClientHandshake({
        crypto,
        privateKey: aliceKey,
        name: 'alice',
        pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
      });
      const relay = new RelayHandshake({ crypto, privateKey: relayKey });
      relay.onRegister(client.start());
      let challenge = relay.challenge({ treeHead: dir.head(), consistencyProof: [] });
      if (tamper === 'challenge') {
        const message = decodeMessage(challenge);
        if (message.type !== 'CHALLENGE') throw new Error('expected CHALLENGE');
        challenge = encodeMessage({ ...message, relayNonce: new Uint8Array(32).fill(9) });
      }
      let prove = client.onChallenge(challenge);
      if (tamper === 'confirm') {
        const message = decodeMessage(prove);
        if (message.type !== 'PROVE') throw new Error('expected PROVE');
        const confirm = message.confirm.slice();
        confirm[0]! ^= 1;
        prove = encodeMessage({ ...message, confirm });
      }
      expect(codeOf(() => relay.onProve(prove))).toBe('SESSION_ERR_PROOF_FAILED');
    }
  });

  it('turns a plain ERROR in place of CHALLENGE or WELCOME into SESSION_ERR_REFUSED with the relay code', () => {
    const client = new ClientHandshake({
      crypto,
      privateKey: aliceKey,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    client.start();
    try {
      client.onChallenge(
        encodeMessage({ type: 'ERROR', code: 'RELAY_ERR_NAME_TAKEN', message: 'taken', fatal: true }),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SessionError);
      expect((error as SessionError).code).toBe('SESSION_ERR_REFUSED');
      expect((error as SessionError).relayCode).toBe('RELAY_ERR_NAME_TAKEN');
    }
  });
});

describe('small-directory check (docs/design.md §4, the seed flat root made sound)', () => {
  function directoryOf() {
    const dir = new TestDirectory(relayKey);
    dir.add('bob', bobKey.publicKey.toDer());
    dir.add('carol', malloryKey.publicKey.toDer());
    return dir;
  }

  it('accepts the full directory when it hashes to the signed root and reports the flat root', async () => {
    const { flatRoot } = await import('@leitung/merkle');
    const dir = directoryOf();
    const { result } = handshake(dir, aliceKey, 'alice', { sendDirectory: (e) => e });
    expect(result.flatRoot).toBe(flatRoot([bobKey.publicKey.toDer(), malloryKey.publicKey.toDer()]));
  });

  it('refuses a directory with a substituted key, a missing entry or reordered entries', () => {
    const swapKey = (e: TestDirectory['entries']) =>
      e.map((x, i) =>
        i === 1
          ? { ...x, publicKey: aliceKey.publicKey.toDer(), clientId: clientIdOf(crypto, aliceKey.publicKey) }
          : x,
      );
    const forgedId = (e: TestDirectory['entries']) =>
      e.map((x, i) => (i === 1 ? { ...x, publicKey: aliceKey.publicKey.toDer() } : x));
    const drop = (e: TestDirectory['entries']) => e.slice(1);
    const reorder = (e: TestDirectory['entries']) => [e[1]!, e[0]!];
    for (const tamper of [swapKey, forgedId, drop, reorder]) {
      expect(codeOf(() => handshake(directoryOf(), aliceKey, 'alice', { sendDirectory: tamper }))).toBe(
        'SESSION_ERR_DIRECTORY_MISMATCH',
      );
    }
  });
});

describe('sealed channel (docs/session-protocol.md §2)', () => {
  function pair() {
    const dir = new TestDirectory(relayKey);
    const { result, relayChannel } = handshake(dir, aliceKey, 'alice');
    return { client: result.channel, relay: relayChannel };
  }
  const ping = (n: number) => ({ type: 'PING' as const, nonce: new Uint8Array(8).fill(n), sentAt: n });

  it('rejects a flipped bit in the IV, the ciphertext or the tag, and stays closed afterwards', () => {
    const intact = pair();
    const frame = intact.client.seal(ping(1));
    for (const index of [0, 20, frame.length - 1]) {
      // A fresh channel each time: the first failure ends a channel for good.
      const { client, relay } = pair();
      const genuine = client.seal(ping(1));
      const bad = genuine.slice();
      bad[index]! ^= 0x01;
      expect(codeOf(() => relay.open(bad))).toBe('SESSION_ERR_CHANNEL_AUTH');
      expect(codeOf(() => relay.open(genuine))).toBe('SESSION_ERR_CHANNEL_AUTH');
    }
    expect(intact.relay.open(frame)).toEqual(ping(1));
  });

  it('rejects a replayed frame', () => {
    const { client, relay } = pair();
    const frame = client.seal(ping(1));
    relay.open(frame);
    expect(codeOf(() => relay.open(frame))).toBe('SESSION_ERR_CHANNEL_AUTH');
  });

  it('rejects reordered frames', () => {
    const { client, relay } = pair();
    const a = client.seal(ping(1));
    const b = client.seal(ping(2));
    expect(codeOf(() => relay.open(b))).toBe('SESSION_ERR_CHANNEL_AUTH');
    expect(a.length).toBeGreaterThan(0);
  });

  it('rejects a frame reflected back to its sender (direction keys differ)', () => {
    const { client } = pair();
    const frame = client.seal(ping(1));
    expect(codeOf(() => client.open(frame))).toBe('SESSION_ERR_CHANNEL_AUTH');
  });

  it('rejects a frame from another session', () => {
    const one = pair();
    const two = pair();
    expect(codeOf(() => two.relay.open(one.client.seal(ping(1))))).toBe('SESSION_ERR_CHANNEL_AUTH');
  });

  it('refuses to work after destroy', () => {
    const { client } = pair();
    client.destroy();
    expect(codeOf(() => client.seal(ping(1)))).toBe('SESSION_ERR_CHANNEL_CLOSED');
  });
});
