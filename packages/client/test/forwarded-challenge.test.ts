/**
 * A relay the client pins must not be able to log in as that client on another relay
 * (docs/session-protocol.md §1, sealed challenge bound to the relay key and REGISTER). The honest relay R2
 * is the real `leitung-relay` program; the malicious relay M is a TCP server in this test holding its own
 * pinned key; the victim is the real Client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { emptyRoot, NameMap, SHA3_256 } from '@leitung/merkle';
import {
  challengeTranscriptHash,
  deriveChannelKeys,
  HANDSHAKE_SECRET_BYTES,
  logIdOf,
  OAEP_LABEL_PROVE,
  registrationConfirm,
  SealedChannel,
  signTreeHead,
} from '@leitung/session';
import { type ControlMessage, decodeMessage, encodeFrame, encodeMessage, FrameDecoder } from '@leitung/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientPool, crypto, key, nextEvent, rejection } from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';
import { RelayDouble } from './support/relay-double.js';

let aliceKey: RsaPrivateKey;
let malloryKey: RsaPrivateKey;
let relayKey: RsaPrivateKey;
let base: string;
const pool = new ClientPool();
const relays: RealRelay[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  [aliceKey, malloryKey, relayKey] = await Promise.all([key('alice'), key('mallory'), key('relay')]);
  base = await mkdtemp(join(tmpdir(), 'leitung-forwarded-'));
});

afterEach(async () => {
  await pool.closeAll();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function as<T extends ControlMessage['type']>(message: ControlMessage, type: T) {
  if (message.type !== type) throw new Error(`expected ${type}, got ${message.type}`);
  return message as Extract<ControlMessage, { type: T }>;
}

/** Frames of `socket`, one promise at a time. */
function frameReader(socket: Socket): () => Promise<Uint8Array> {
  const decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
  const queue: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk) => {
    queue.push(...decoder.push(chunk));
    wake?.();
  });
  return async () => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift()!;
  };
}

/** M: forwards the victim's REGISTER to R2 and R2's sealed challenge inside M's own signed CHALLENGE. */
async function maliciousRelay(r2: RealRelay) {
  const state = { provesReceived: 0, loggedInOnR2: false };
  const server = createServer((victim) => {
    sockets.push(victim);
    victim.on('error', () => {});
    const fromVictim = frameReader(victim);
    void (async () => {
      const register = await fromVictim();
      const upstream = await new Promise<Socket>((resolve, reject) => {
        const s = createConnection({ host: r2.entry.host, port: r2.entry.port });
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
      sockets.push(upstream);
      const fromR2 = frameReader(upstream);
      upstream.write(encodeFrame(register));
      const r2Challenge = await fromR2();
      const real = as(decodeMessage(r2Challenge), 'CHALLENGE');
      const head = signTreeHead(crypto, malloryKey, {
        logId: logIdOf(crypto, malloryKey.publicKey),
        size: 0,
        root: emptyRoot(SHA3_256),
        mapRoot: NameMap.empty().root(),
        time: Date.now(),
      });
      victim.write(
        encodeFrame(
          encodeMessage({
            type: 'CHALLENGE',
            relayPublicKey: malloryKey.publicKey.toDer(),
            relayNonce: real.relayNonce,
            sealedChallenge: real.sealedChallenge,
            treeHead: head,
            consistencyProof: [],
          }),
        ),
      );
      const prove = as(decodeMessage(await fromVictim()), 'PROVE');
      state.provesReceived++;
      const challenge = crypto
        .rsaDecrypt(malloryKey, prove.sealed, OAEP_LABEL_PROVE)
        .slice(0, HANDSHAKE_SECRET_BYTES);
      const own = crypto.randomBytes(HANDSHAKE_SECRET_BYTES);
      const sealed = crypto.rsaEncrypt(
        relayKey.publicKey,
        new Uint8Array([...challenge, ...own]),
        OAEP_LABEL_PROVE,
      );
      const secrets = {
        challenge,
        clientSecret: own,
        clientNonce: as(decodeMessage(register), 'REGISTER').clientNonce,
        relayNonce: real.relayNonce,
      };
      const confirm = registrationConfirm(
        crypto,
        secrets,
        challengeTranscriptHash(crypto, register, r2Challenge),
        sealed,
      );
      const forged = encodeMessage({ type: 'PROVE', sealed, confirm });
      const keys = deriveChannelKeys(crypto, secrets, { register, challenge: r2Challenge, prove: forged });
      upstream.write(encodeFrame(forged));
      const channel = new SealedChannel(crypto, keys.clientToRelay, keys.relayToClient);
      state.loggedInOnR2 = channel.open(await fromR2()).type === 'WELCOME';
      victim.destroy();
    })().catch(() => victim.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, state };
}

describe.skipIf(!realRelayAvailable)('a pinned relay forwarding another relay’s challenge', () => {
  it('the Client refuses with SESSION_ERR_CHALLENGE_BINDING and M is not logged in on R2', async () => {
    const r2 = await RealRelay.start(join(base, 'r2'), 'relay');
    relays.push(r2);
    const m = await maliciousRelay(r2);
    const pinnedM = { ...r2.entry, port: m.port, fingerprint: malloryKey.publicKey.fingerprint() };
    const victim = pool.make(aliceKey, 'alice', [pinnedM], { startAttempts: 1 });
    const error = await rejection(victim.start());
    expect(error.code).toBe('CLIENT_ERR_NO_RELAY');
    expect((error.cause as { code?: string }).code).toBe('SESSION_ERR_CHALLENGE_BINDING');
    expect(m.state.provesReceived).toBe(0);
    expect(m.state.loggedInOnR2).toBe(false);
    // The victim's name on R2 is untouched: the victim registers it directly.
    const direct = pool.make(aliceKey, 'alice', [r2.entry]);
    await direct.start();
    expect(direct.name).toBe('alice');
  });
});

describe('REGISTER sealed to a relay key learnt from a verified CHALLENGE (docs/session-protocol.md §1)', () => {
  it('a reconnect sends REGISTER_SEALED: the observer sees neither name nor key', async () => {
    const relay = await RelayDouble.start({ crypto, key: relayKey });
    try {
      const alice = pool.make(aliceKey, 'alice', [relay.entry], { backoff: { baseMs: 20, maxMs: 100 } });
      await alice.start();
      const again = nextEvent(alice, 'registration:complete', () => true, 5_000);
      relay.dropConnection(alice.clientId);
      await again;
      const [first, second] = relay.core.registrations.map((p) => decodeMessage(p));
      expect(first?.type).toBe('REGISTER');
      expect(second?.type).toBe('REGISTER_SEALED');
      const clear = Buffer.from(relay.core.registrations[1]!);
      expect(clear.includes(Buffer.from('alice'))).toBe(false);
      expect(clear.includes(Buffer.from(aliceKey.publicKey.toDer().subarray(0, 64)))).toBe(false);
    } finally {
      await pool.closeAll();
      await relay.stop();
    }
  });
});
