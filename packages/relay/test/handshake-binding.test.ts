/**
 * Attacks on the registration handshake against a real relay on real sockets (docs/session-protocol.md §1,
 * docs/relay.md "Registration budgets"): a pinned relay that forwards another relay's challenge, an
 * on-path attacker who rewrites REGISTER, Sybil registrations from one network, and keys whose modulus
 * cannot be a two-prime RSA modulus.
 */
import { createPrivateKey } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { RsaPrivateKey } from '@leitung/crypto';
import {
  ClientHandshake,
  challengeTranscriptHash,
  deriveChannelKeys,
  HANDSHAKE_SECRET_BYTES,
  OAEP_LABEL_CHALLENGE,
  OAEP_LABEL_PROVE,
  registrationConfirm,
  SealedChannel,
  SessionError,
} from '@leitung/session';
import { type ControlMessage, decodeMessage, encodeFrame, encodeMessage, FrameDecoder } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyDirectory } from '../src/core/index.js';
import type { Relay } from '../src/index.js';
import { MemoryDirectoryStore } from '../src/testing.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { type Endpoint, TestClient } from './support/test-client.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let carol: RsaPrivateKey;
let dave: RsaPrivateKey;
let mallory: RsaPrivateKey;
let relayKey: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob, carol, dave, mallory, relayKey] = await Promise.all([
    key('alice'),
    key('bob'),
    key('carol'),
    key('dave'),
    key('mallory'),
    key('relay'),
  ]);
});

const fx = useFixture();
const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; relayCode?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionError) return { code: error.code, relayCode: error.relayCode ?? '' };
    throw error;
  }
  throw new Error('expected a refusal');
}

function expectType<T extends ControlMessage['type']>(
  message: ControlMessage,
  type: T,
): Extract<ControlMessage, { type: T }> {
  expect(message.type).toBe(type);
  return message as Extract<ControlMessage, { type: T }>;
}

/** A TCP server on 127.0.0.1:0 whose connections are handed to `onConnection`; closed after the test. */
async function listen(onConnection: (socket: Socket) => void): Promise<Endpoint> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { host: '127.0.0.1', port: address.port };
}

/** Calls `onFrame` for every frame payload arriving on `socket`. */
function frames(socket: Socket, onFrame: (payload: Uint8Array) => void): void {
  const decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
  socket.on('data', (chunk) => {
    for (const frame of decoder.push(chunk)) onFrame(frame);
  });
}

/**
 * Malicious relay M (the victim pins M's key): it opens a registration on the honest relay R2 with the
 * victim's own REGISTER, shows the victim R2's sealed challenge inside M's own (valid, signed) CHALLENGE,
 * and if the victim answers, uses the recovered challenge to finish the login on R2 as the victim.
 */
async function maliciousRelay(r2: Relay) {
  const state = { provesReceived: 0, loggedInOnR2: false };
  const head = new LocalKeyDirectory({
    store: new MemoryDirectoryStore(),
    crypto,
    privateKey: mallory,
    now: () => Date.now(),
  }).treeHead();
  const endpoint = await listen((victim) => {
    let upstream: TestClient | undefined;
    let register: Uint8Array | undefined;
    let r2Challenge: Uint8Array | undefined;
    frames(victim, (payload) => {
      void (async () => {
        if (register === undefined) {
          register = payload;
          upstream = await TestClient.connect({ host: r2.host, port: r2.port });
          sockets.push(upstream.socket);
          upstream.sendRaw(encodeFrame(register));
          r2Challenge = await upstream.nextFrame();
          const fromR2 = expectType(decodeMessage(r2Challenge), 'CHALLENGE');
          victim.write(
            encodeFrame(
              encodeMessage({
                type: 'CHALLENGE',
                relayPublicKey: mallory.publicKey.toDer(),
                relayNonce: fromR2.relayNonce,
                sealedChallenge: fromR2.sealedChallenge,
                treeHead: head,
                consistencyProof: [],
              }),
            ),
          );
          return;
        }
        // The victim answered: M reads the challenge and logs in on R2 with it.
        state.provesReceived++;
        const prove = expectType(decodeMessage(payload), 'PROVE');
        const opened = crypto.rsaDecrypt(mallory, prove.sealed, OAEP_LABEL_PROVE);
        const challenge = opened.slice(0, HANDSHAKE_SECRET_BYTES);
        const own = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
        const sealed = crypto.rsaEncrypt(
          relayKey.publicKey,
          new Uint8Array([...challenge, ...own]),
          OAEP_LABEL_PROVE,
        );
        const ch = expectType(decodeMessage(r2Challenge!), 'CHALLENGE');
        const reg = expectType(decodeMessage(register), 'REGISTER');
        const secrets = {
          challenge,
          clientSecret: own,
          clientNonce: reg.clientNonce,
          relayNonce: ch.relayNonce,
        };
        const confirm = registrationConfirm(
          crypto,
          secrets,
          challengeTranscriptHash(crypto, register, r2Challenge!),
          sealed,
        );
        const forged = encodeMessage({ type: 'PROVE', sealed, confirm });
        const keys = deriveChannelKeys(crypto, secrets, { register, challenge: r2Challenge!, prove: forged });
        const channel = new SealedChannel(crypto, keys.clientToRelay, keys.relayToClient);
        upstream!.sendRaw(encodeFrame(forged));
        const welcome = channel.open(await upstream!.nextFrame());
        state.loggedInOnR2 = welcome.type === 'WELCOME';
        victim.end(
          encodeFrame(encodeMessage({ type: 'ERROR', code: 'M_DONE', message: 'bye', fatal: true })),
        );
      })().catch(() => {});
    });
  });
  return { endpoint, state };
}

/**
 * An on-path attacker between client and relay: rewrites the first client frame (REGISTER) with
 * `rewrite` and forwards everything else verbatim, both ways.
 */
async function rewritingProxy(relay: Relay, rewrite: (register: ControlMessage) => ControlMessage) {
  return listen((client) => {
    const upstream = connect({ host: relay.host, port: relay.port });
    upstream.on('error', () => {});
    let first = true;
    frames(client, (payload) => {
      const out = first ? encodeMessage(rewrite(decodeMessage(payload))) : payload;
      first = false;
      upstream.write(encodeFrame(out));
    });
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    sockets.push(upstream);
  });
}

/**
 * A client that skips the CHALLENGE binding check (an older or buggy client): it answers any challenge
 * sealed to its key, with a key confirmation over the REGISTER it sent and the CHALLENGE it received.
 * What remains between such a client and a wrong registration is the relay's confirmation check.
 */
async function registerWithoutBindingCheck(
  endpoint: Endpoint,
  privateKey: RsaPrivateKey,
  name: string,
  clientNonce = crypto.randomBytes(32),
) {
  const client = await TestClient.connect(endpoint);
  sockets.push(client.socket);
  const register = encodeMessage({
    type: 'REGISTER',
    name,
    publicKey: privateKey.publicKey.toDer(),
    clientNonce,
    knownTreeSize: 0,
  });
  client.sendRaw(encodeFrame(register));
  const challengeBytes = await client.nextFrame();
  const challenge = expectType(decodeMessage(challengeBytes), 'CHALLENGE');
  const opened = crypto.rsaDecrypt(privateKey, challenge.sealedChallenge, OAEP_LABEL_CHALLENGE);
  const secrets = {
    challenge: opened.slice(0, HANDSHAKE_SECRET_BYTES),
    clientSecret: crypto.randomBytes(HANDSHAKE_SECRET_BYTES),
    clientNonce,
    relayNonce: challenge.relayNonce,
  };
  const relayKey = crypto.importRsaPublicKey(challenge.relayPublicKey);
  const sealed = crypto.rsaEncrypt(
    relayKey,
    new Uint8Array([...secrets.challenge, ...secrets.clientSecret]),
    OAEP_LABEL_PROVE,
  );
  const confirm = registrationConfirm(
    crypto,
    secrets,
    challengeTranscriptHash(crypto, register, challengeBytes),
    sealed,
  );
  client.sendPlain({ type: 'PROVE', sealed, confirm });
  return client.nextPlain();
}

/** SPKI DER of an RSA key with modulus `n` (any 4096-bit value) and e = 65537. */
function spkiWithModulus(n: bigint): Uint8Array {
  const der = alice.publicKey.toDer();
  const out = Uint8Array.from(der);
  // Alice's SPKI: the 512 modulus bytes end 5 bytes before the end (INTEGER 65537 follows).
  out.set(Buffer.from(n.toString(16).padStart(1024, '0'), 'hex'), der.length - 5 - 512);
  return out;
}

const bigOf = (base64url: string) => BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex')}`);

describe('a pinned relay cannot log in as its client elsewhere (docs/session-protocol.md §1)', () => {
  it("the victim refuses R2's challenge forwarded by M (SESSION_ERR_CHALLENGE_BINDING); M is not logged in on R2", async () => {
    const r2 = await fx.relay();
    const m = await maliciousRelay(r2);
    const victim = await TestClient.connect(m.endpoint);
    sockets.push(victim.socket);
    const { code } = await refusal(victim.register(alice, 'alice', mallory.publicKey.fingerprint()));
    expect(code).toBe('SESSION_ERR_CHALLENGE_BINDING');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(m.state.provesReceived).toBe(0);
    expect(m.state.loggedInOnR2).toBe(false);
    expect(r2.core.directorySize).toBe(0);
    // The victim's name on R2 is still its own to take.
    const direct = await fx.client(r2);
    expect((await direct.register(alice, 'alice', r2.fingerprint)).welcome.entry.name).toBe('alice');
  });
});

describe('nothing is committed before the key confirmation (docs/session-protocol.md §1)', () => {
  it('a REGISTER whose name was rewritten on the way: the client refuses, the relay binds nothing', async () => {
    const relay = await fx.relay();
    const proxy = await rewritingProxy(relay, (m) => ({ ...m, name: 'mallory' }) as ControlMessage);
    const victim = await TestClient.connect(proxy);
    sockets.push(victim.socket);
    const { code } = await refusal(victim.register(alice, 'alice', relay.fingerprint));
    expect(code).toBe('SESSION_ERR_CHALLENGE_BINDING');
    expect(relay.core.directorySize).toBe(0);
    const direct = await fx.client(relay);
    expect((await direct.register(alice, 'alice', relay.fingerprint)).welcome.entry.name).toBe('alice');
  });

  it('even a client that answers any challenge cannot be bound under a rewritten name: RELAY_ERR_PROOF_FAILED', async () => {
    const relay = await fx.relay();
    const proxy = await rewritingProxy(relay, (m) => ({ ...m, name: 'mallory' }) as ControlMessage);
    const answer = await registerWithoutBindingCheck(proxy, alice, 'alice');
    expect(answer).toMatchObject({ type: 'ERROR', code: 'RELAY_ERR_PROOF_FAILED', fatal: true });
    expect(relay.core.directorySize).toBe(0);
    const direct = await fx.client(relay);
    expect((await direct.register(alice, 'alice', relay.fingerprint)).welcome.entry.name).toBe('alice');
  });

  it('a rewritten login does not kick the existing session (no RELAY_ERR_REPLACED before confirmation)', async () => {
    const relay = await fx.relay();
    const session = await fx.client(relay);
    await session.register(alice, 'alice', relay.fingerprint);
    const proxy = await rewritingProxy(
      relay,
      (m) => ({ ...m, clientNonce: new Uint8Array(32).fill(0xee) }) as ControlMessage,
    );
    const answer = await registerWithoutBindingCheck(proxy, alice, 'alice');
    expect(answer).toMatchObject({ type: 'ERROR', code: 'RELAY_ERR_PROOF_FAILED' });
    session.send({ type: 'PING', nonce: new Uint8Array(8).fill(5), sentAt: 1 });
    expect((await session.next('PONG')).nonce).toEqual(new Uint8Array(8).fill(5));
    expect(session.history.some((m) => m.type === 'ERROR')).toBe(false);
    expect(session.isClosed).toBe(false);
  });
});

describe('registration budgets (docs/relay.md "Registration budgets")', () => {
  it('refuses the N+1th new name from one address, serves another address and logins of bound names', async () => {
    const relay = await fx.relay({
      limits: { newNamesPerAddress: { perSecond: 1e-6, burst: 2 } },
    });
    // A failed handshake (no proof) charges nothing.
    const liar = await fx.client(relay);
    liar.sendPlain({
      type: 'REGISTER',
      name: 'carol',
      publicKey: carol.publicKey.toDer(),
      clientNonce: new Uint8Array(32),
      knownTreeSize: 0,
    });
    await liar.nextPlain();
    liar.sendPlain({ type: 'PROVE', sealed: new Uint8Array(512), confirm: new Uint8Array(32) });
    expect(await liar.nextPlain()).toMatchObject({ code: 'RELAY_ERR_PROOF_FAILED' });

    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    await (await fx.client(relay)).register(bob, 'bob', relay.fingerprint);
    const third = await fx.client(relay);
    const { code, relayCode } = await refusal(third.register(carol, 'carol', relay.fingerprint));
    expect(code).toBe('SESSION_ERR_REFUSED');
    expect(relayCode).toBe('RELAY_ERR_REGISTRATION_BUDGET');
    expect(relay.core.directorySize).toBe(2);
    // A login of an existing binding is free; another address has its own budget.
    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    const other = await fx.client(relay, '127.0.0.2');
    expect((await other.register(carol, 'carol', relay.fingerprint)).welcome.entry.name).toBe('carol');
  });

  it('the global budget bounds new names from all addresses together', async () => {
    const relay = await fx.relay({ limits: { newNamesGlobal: { perSecond: 1e-6, burst: 2 } } });
    await (await fx.client(relay, '127.0.0.2')).register(alice, 'alice', relay.fingerprint);
    await (await fx.client(relay, '127.0.0.3')).register(bob, 'bob', relay.fingerprint);
    const { relayCode } = await refusal(
      (await fx.client(relay, '127.0.0.4')).register(dave, 'dave', relay.fingerprint),
    );
    expect(relayCode).toBe('RELAY_ERR_REGISTRATION_BUDGET');
    await (await fx.client(relay, '127.0.0.5')).register(bob, 'bob', relay.fingerprint);
  });
});

describe('REGISTER keys whose modulus cannot be two large primes (docs/crypto.md §3)', () => {
  it('an even modulus and one with a small prime factor get RELAY_ERR_REGISTER_INVALID; the relay keeps serving', async () => {
    const relay = await fx.relay();
    const jwk = createPrivateKey(alice.toPkcs8Pem()).export({ format: 'jwk' });
    const n = bigOf(jwk.n!);
    let k = (1n << 4095n) / 16381n + 1n;
    if (k % 2n === 0n) k += 1n;
    for (const modulus of [n ^ 1n, 16381n * k]) {
      const client = await fx.client(relay);
      client.sendPlain({
        type: 'REGISTER',
        name: 'sybil',
        publicKey: spkiWithModulus(modulus),
        clientNonce: new Uint8Array(32),
        knownTreeSize: 0,
      });
      expect(await client.nextPlain()).toMatchObject({
        type: 'ERROR',
        code: 'RELAY_ERR_REGISTER_INVALID',
        fatal: true,
      });
      await client.waitClosed();
    }
    expect(relay.core.directorySize).toBe(0);
    const honest = await fx.client(relay);
    expect((await honest.register(alice, 'alice', relay.fingerprint)).welcome.entry.name).toBe('alice');
  });
});

describe('REGISTER sealed to the pinned relay key (docs/session-protocol.md §1)', () => {
  /** Forwards verbatim and records what a passive observer sees from the client. */
  async function recordingProxy(relay: Relay) {
    const seen: Buffer[] = [];
    const endpoint = await listen((client) => {
      const upstream = connect({ host: relay.host, port: relay.port });
      upstream.on('error', () => {});
      sockets.push(upstream);
      client.on('data', (chunk: Buffer) => {
        seen.push(chunk);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    return { endpoint, seen: () => Buffer.concat(seen) };
  }

  async function registerVia(
    endpoint: Endpoint,
    privateKey: RsaPrivateKey,
    name: string,
    relay: Relay,
    known: boolean,
  ) {
    const client = await TestClient.connect(endpoint);
    sockets.push(client.socket);
    const handshake = new ClientHandshake({
      crypto,
      privateKey,
      name,
      pinnedRelayFingerprint: relay.fingerprint,
      ...(known ? { relayPublicKey: relayKey.publicKey.toDer() } : {}),
    });
    client.sendRaw(encodeFrame(handshake.start()));
    client.sendRaw(encodeFrame(handshake.onChallenge(await client.nextFrame())));
    return handshake.onWelcome(await client.nextFrame());
  }

  it('a passive observer sees neither the name nor the key; a plain REGISTER shows both', async () => {
    const relay = await fx.relay();
    const sealed = await recordingProxy(relay);
    expect((await registerVia(sealed.endpoint, alice, 'alice', relay, true)).welcome.entry.name).toBe(
      'alice',
    );
    expect(sealed.seen().includes(Buffer.from('alice'))).toBe(false);
    expect(sealed.seen().includes(Buffer.from(alice.publicKey.toDer()))).toBe(false);
    const plain = await recordingProxy(relay);
    await registerVia(plain.endpoint, bob, 'bob', relay, false);
    expect(plain.seen().includes(Buffer.from('bob'))).toBe(true);
    expect(plain.seen().includes(Buffer.from(bob.publicKey.toDer()))).toBe(true);
  });

  it('a REGISTER_SEALED that does not open is RELAY_ERR_REGISTER_INVALID; the relay keeps serving', async () => {
    const relay = await fx.relay();
    const client = await fx.client(relay);
    client.sendPlain({ type: 'REGISTER_SEALED', sealed: crypto.seal(mallory.publicKey, new Uint8Array(40)) });
    expect(await client.nextPlain()).toMatchObject({ code: 'RELAY_ERR_REGISTER_INVALID', fatal: true });
    await client.waitClosed();
    expect(
      (await registerVia({ host: relay.host, port: relay.port }, alice, 'alice', relay, true)).welcome.entry
        .name,
    ).toBe('alice');
  });
});
