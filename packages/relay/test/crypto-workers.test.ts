/**
 * Crypto workers (docs/relay.md "Crypto workers"): with `cryptoWorkers` the relay runs the RSA private-key operations
 * of registration on worker threads. Over real sockets: the same results as inline, and the pool's counters show
 * the operations really ran there; a worker killed mid-flight is replaced, its handshakes refused with
 * RELAY_ERR_CRYPTO_WORKER_LOST; a full queue refuses with RELAY_ERR_CRYPTO_BUSY; close() stops every worker; and
 * media keeps flowing while a flood of handshakes runs.
 */
import { fileURLToPath } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import type { RsaPrivateKey } from '@leitung/crypto';
import { ClientHandshake } from '@leitung/session';
import { encodeFrame } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Relay, RelayErrorCode } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let mallory: RsaPrivateKey;
let relayKey: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob, mallory, relayKey] = await Promise.all([
    key('alice'),
    key('bob'),
    key('mallory'),
    key('relay'),
  ]);
});

const fx = useFixture();
const threads: Worker[] = [];
afterEach(async () => {
  await Promise.all(threads.splice(0).map((thread) => thread.terminate()));
});

/** Handshake limits high enough for a flood of logins of a few identities from one address. */
const FLOOD_LIMITS = {
  handshakesPerIp: { perSecond: 10_000, burst: 10_000 },
  handshakesPerIdentity: { perSecond: 10_000, burst: 10_000 },
  maxUnauthenticatedPerIp: 512,
  maxConnectionsPerIp: 1024,
};

function thread(script: string, workerData: unknown): Worker {
  const worker = new Worker(fileURLToPath(new URL(script, import.meta.url)), { workerData });
  threads.push(worker);
  return worker;
}

function message<T>(worker: Worker, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      worker.off('message', onMessage);
      resolve(m as T);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

interface FloodResult {
  readonly registered: number;
  readonly refusals: readonly string[];
}

/**
 * `count` registrations, `inFlight` at a time, from a thread of their own (registration-flood-thread.mjs); with
 * `nice` that thread yields the CPU to the relay and the media peers.
 */
function flood(
  relay: Relay,
  count: number,
  inFlight: number,
  nice?: number,
): { worker: Worker; done: Promise<FloodResult> } {
  const worker = thread('./support/registration-flood-thread.mjs', {
    host: relay.host,
    port: relay.port,
    fingerprint: relay.fingerprint,
    count,
    inFlight,
    identities: 4,
    ...(nice === undefined ? {} : { nice }),
  });
  return { worker, done: message<FloodResult>(worker, 'done') };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** What one relay answers to: a plain REGISTER, a sealed one, a wrong PROVE and a sealed REGISTER that does not open. */
async function scenario(relay: Relay): Promise<unknown[]> {
  const results: unknown[] = [];
  const plain = await fx.client(relay);
  const registered = await plain.register(alice, 'alice', relay.fingerprint);
  results.push(['plain', registered.welcome.entry.name, registered.treeHead.size]);

  const sealed = await fx.client(relay);
  const handshake = new ClientHandshake({
    crypto,
    privateKey: bob,
    name: 'bob',
    pinnedRelayFingerprint: relay.fingerprint,
    relayPublicKey: relayKey.publicKey.toDer(),
  });
  sealed.sendRaw(encodeFrame(handshake.start()));
  sealed.sendRaw(encodeFrame(handshake.onChallenge(await sealed.nextFrame())));
  const welcomed = handshake.onWelcome(await sealed.nextFrame());
  results.push(['sealed', welcomed.welcome.entry.name, welcomed.treeHead.size]);

  const guesser = await fx.client(relay);
  guesser.sendPlain({
    type: 'REGISTER',
    name: 'mallory',
    publicKey: mallory.publicKey.toDer(),
    clientNonce: new Uint8Array(32),
    knownTreeSize: 0,
  });
  expect((await guesser.nextPlain()).type).toBe('CHALLENGE');
  const guess = crypto.rsaEncrypt(
    relayKey.publicKey,
    crypto.randomBytes(64),
    new TextEncoder().encode('leitung/v1 prove'),
  );
  guesser.sendPlain({ type: 'PROVE', sealed: guess, confirm: new Uint8Array(32) });
  results.push(['guess', await guesser.nextPlain()]);

  const closed = await fx.client(relay);
  closed.sendPlain({ type: 'REGISTER_SEALED', sealed: crypto.seal(mallory.publicKey, new Uint8Array(40)) });
  results.push(['not for this relay', await closed.nextPlain()]);
  results.push(['directory', relay.core.directorySize]);
  return results;
}

describe('crypto workers (docs/relay.md "Crypto workers")', () => {
  it('registrations give the same answers inline and on the workers, and the RSA work runs there', async () => {
    const inline = await fx.relay({ cryptoWorkers: 0 });
    expect(inline.cryptoWorkers).toBeUndefined();
    const inlineResults = await scenario(inline);

    const pooled = await fx.relay({ cryptoWorkers: 2 });
    const pool = pooled.cryptoWorkers;
    expect(pool?.workers.length).toBe(Math.min(2, (await import('node:os')).availableParallelism()));
    const pooledResults = await scenario(pooled);

    expect(pooledResults).toEqual(inlineResults);
    expect(inlineResults[2]).toMatchObject(['guess', { type: 'ERROR', code: RelayErrorCode.ProofFailed }]);
    expect(inlineResults[3]).toMatchObject([
      'not for this relay',
      { type: 'ERROR', code: RelayErrorCode.RegisterInvalid },
    ]);
    // Alice: her key check with the challenge's sealing, her PROVE; bob: his sealed REGISTER, key check and PROVE;
    // the guesser: key check, PROVE; the sealed REGISTER that does not open: eight operations, all on a worker.
    expect(pool?.completed).toBe(8);
  });

  it('a worker killed mid-flight is replaced: its handshakes get RELAY_ERR_CRYPTO_WORKER_LOST, later ones succeed', async () => {
    const relay = await fx.relay({ cryptoWorkers: 1, limits: FLOOD_LIMITS });
    const pool = relay.cryptoWorkers;
    if (pool === undefined) throw new Error('no crypto workers');
    const [first] = pool.workers;
    if (first === undefined) throw new Error('no crypto worker');
    const { done } = flood(relay, 24, 8);
    // One operation on the worker is enough; more are not guaranteed when the worker keeps up with the flood.
    await until(() => pool.pending >= 1, 'an operation on the worker', 30_000);
    await first.terminate();
    const result = await done;
    expect(pool.restarts).toBe(1);
    // The handshakes the worker held are refused as lost; a worker that died this young is replaced after a
    // back-off, and what arrives meanwhile finds no worker: RELAY_ERR_CRYPTO_BUSY. Nothing else fails.
    expect(result.refusals).toContain(RelayErrorCode.CryptoWorkerLost);
    for (const code of result.refusals) {
      expect([RelayErrorCode.CryptoWorkerLost, RelayErrorCode.CryptoBusy]).toContain(code);
    }
    expect(result.registered + result.refusals.length).toBe(24);
    // A new worker took the slot (after the restart back-off for a worker that died young) and serves.
    await until(() => pool.workers.length === 1, 'the replacement worker');
    expect(pool.workers[0]).not.toBe(first);
    const later = await fx.client(relay);
    expect((await later.register(alice, 'alice', relay.fingerprint)).welcome.entry.name).toBe('alice');
    // 24 RSA-4096 handshakes on one worker, a restart back-off and one more registration: 29.6 s in a
    // fresh-clone CI run on 2 cores (and over the default 30 s in another), so it gets its own budget.
  }, 90_000);

  it('a full queue refuses new handshakes with RELAY_ERR_CRYPTO_BUSY instead of growing', async () => {
    const relay = await fx.relay({ cryptoWorkers: 1, cryptoQueue: 1, limits: FLOOD_LIMITS });
    const pool = relay.cryptoWorkers;
    if (pool === undefined) throw new Error('no crypto workers');
    let mostPending = 0;
    const sampler = setInterval(() => {
      mostPending = Math.max(mostPending, pool.pending);
    }, 1);
    const result = await flood(relay, 24, 8).done.finally(() => clearInterval(sampler));
    expect(result.refusals.length).toBeGreaterThan(0);
    expect(new Set(result.refusals)).toEqual(new Set([RelayErrorCode.CryptoBusy]));
    expect(pool.refused).toBe(result.refusals.length);
    expect(result.registered).toBeGreaterThan(0);
    expect(mostPending).toBeLessThanOrEqual(1);
    const metrics = await relay.metrics.metrics();
    expect(metrics).toContain(`leitung_relay_crypto_operations_refused_total ${result.refusals.length}`);
    // Drained, it serves again.
    const later = await fx.client(relay);
    expect((await later.register(alice, 'alice', relay.fingerprint)).welcome.entry.name).toBe('alice');
  });

  it('close() stops every crypto worker; a bad cryptoWorkers is refused at start', async () => {
    const relay = await fx.relay({ cryptoWorkers: 2 });
    const workers = [...(relay.cryptoWorkers?.workers ?? [])];
    expect(workers.length).toBeGreaterThan(0);
    for (const worker of workers) expect(worker.threadId).toBeGreaterThan(0);
    await fx.stop(relay);
    // A worker thread that has stopped reports thread id -1.
    for (const worker of workers) expect(worker.threadId).toBe(-1);
    await expect(fx.relay({ cryptoWorkers: -1 })).rejects.toMatchObject({
      code: RelayErrorCode.InvalidOption,
    });
    await expect(fx.relay({ cryptoWorkers: 1, cryptoQueue: 0 })).rejects.toMatchObject({
      code: RelayErrorCode.InvalidOption,
    });
  });

  it('while 120 handshakes run the RSA work leaves the relay loop and media keeps flowing (p99 within a sanity bound of inline)', async () => {
    // Where the RSA work ran is read from the pool's counter, not from the relay thread's CPU time: that time
    // moved by up to 40 % between two identical inline floods on this virtual machine (660 and 1 050 ms), so
    // a CPU ratio passed without the workers as often as it failed with them under load.
    expect(isMainThread).toBe(true);
    const measure = async (cryptoWorkers: number) => {
      const relay = await fx.relay({ cryptoWorkers, mediaThread: 'main', limits: FLOOD_LIMITS });
      const grant = relay.core.media.allocate(`flood-${cryptoWorkers}`, Date.now());
      if (grant === undefined) throw new Error('no media session');
      const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
      const media = thread('./support/media-peers-thread.mjs', {
        host: relay.host,
        port: relay.mediaPort,
        sessionId: grant.sessionId,
        tokens: [hex(grant.callerToken), hex(grant.calleeToken)],
        sendMs: 60_000,
      });
      const mediaDone = message<{ received: number; p99LatencyMs: number }>(media, 'done');
      await message(media, 'bound');
      const registrations = await flood(relay, 120, 8, 15).done;
      const offloaded = relay.cryptoWorkers?.completed ?? 0;
      media.postMessage({ type: 'stop' });
      const result = await mediaDone;
      await fx.stop(relay);
      return { registrations, offloaded, ...result };
    };
    const inline = await measure(0);
    const pooled = await measure(2);
    expect(inline.registrations.registered).toBe(120);
    expect(pooled.registrations.registered).toBe(120);
    // Inline, every registration's RSA-4096 decryption (~4 ms) runs on the relay's loop; with the workers each
    // one ran on a worker, and the loop keeps the client-key check and the challenge's encryption.
    expect(inline.offloaded).toBe(0);
    expect(pooled.offloaded).toBeGreaterThanOrEqual(120);
    expect(pooled.received).toBeGreaterThan(50);
    // Only a sanity bound (it catches media stalled for a flood's length, not milliseconds): both are measured on a
    // shared, loaded machine in the same test, where the other processes' load moves the p99 by tens of ms.
    expect(pooled.p99LatencyMs).toBeLessThanOrEqual(Math.max(3 * inline.p99LatencyMs, 100));
    // Two floods of 120 RSA-4096 handshakes: ~10 s each on two idle cores, over 30 s when another job shares them.
  }, 90_000);
});
