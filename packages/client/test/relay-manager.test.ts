/**
 * The relay manager with several relay doubles on 127.0.0.1: choice by RTT (delay
 * injected into PONG) skipping relays above 80 % load, no flapping, failover with backoff when the relay
 * stops or stops answering keepalives, reconnect after a restart with a consistent tree head, and the
 * CALL_RESUME path keeping a live call.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStateEvent, RegistrationCompleteEvent, RelaySwitchedEvent } from '../src/index.js';
import { MemoryStore } from '../src/testing.js';
import { ClientPool, crypto, key, nextEvent, nextFrame, rejection, waitFor } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';

let keys: RsaPrivateKey[];
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let carolKey: RsaPrivateKey;
const pool = new ClientPool();
const relays: RelayDouble[] = [];

beforeAll(async () => {
  [aliceKey, bobKey, carolKey] = await Promise.all([key('alice'), key('bob'), key('carol')]);
  keys = await Promise.all(['relay', 'relay-b', 'relay-c'].map(key));
});

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

async function start(count: number, delays: number[] = [], loads: number[] = []): Promise<RelayDouble[]> {
  const started: RelayDouble[] = [];
  for (let i = 0; i < count; i++) {
    const relay = await RelayDouble.start({ crypto, key: keys[i]! });
    relay.core.pongDelayMs = delays[i] ?? 0;
    relay.core.load = {
      clients: 0,
      calls: 0,
      packetsPerSecond: Math.round((loads[i] ?? 0) * 1000),
      capacity: 1000,
    };
    relays.push(relay);
    started.push(relay);
  }
  return started;
}

const fp = (r: RelayDouble) => r.entry.fingerprint;

describe('ClientRelayManager with several relays', () => {
  it('picks the relay with the lowest RTT and skips one above 80 % load', async () => {
    const [a, b, c] = await start(3, [200, 5, 50], [0.1, 0.9, 0.2]);
    const alice = pool.make(aliceKey, 'alice', [a!.entry, b!.entry, c!.entry]);
    const event = await alice.start();
    // b is fastest but at 90 % load: c (50 ms) beats a (200 ms).
    expect(event.relay.fingerprint).toBe(fp(c!));
    const status = alice.relayStatus();
    expect(status.find((s) => s.entry.fingerprint === fp(b!))?.overloaded).toBe(true);
    expect(status.find((s) => s.entry.fingerprint === fp(a!))!.rttMs!).toBeGreaterThan(100);

    const bob = pool.make(bobKey, 'bob', [a!.entry, b!.entry, c!.entry]);
    b!.core.load = { clients: 0, calls: 0, packetsPerSecond: 100, capacity: 1000 };
    expect((await bob.start()).relay.fingerprint).toBe(fp(b!));
  });

  it('does not flap between relays with close RTTs, but moves to a clearly better one while idle', async () => {
    // The first choice needs a clear gap (a probe under load varies by tens of ms); the close figures follow.
    const [a, b] = await start(2, [20, 80]);
    // A wider absolute margin than the default 20 ms: on a loaded test machine one stalled probe must not
    // look like a better relay (the default rule itself is checked deterministically in relay-selection).
    const alice = pool.make(aliceKey, 'alice', [a!.entry, b!.entry], {
      probeIntervalMs: 60,
      relaySelection: { switchMarginMs: 40 },
    });
    const switches: RelaySwitchedEvent[] = [];
    alice.on('relay:switched', (e) => switches.push(e));
    expect((await alice.start()).relay.fingerprint).toBe(fp(a!));
    // Noisy, close figures for a while: no switch.
    for (let i = 0; i < 8; i++) {
      a!.core.pongDelayMs = i % 2 ? 40 : 20;
      b!.core.pongDelayMs = i % 2 ? 20 : 35;
      await new Promise((r) => setTimeout(r, 70));
    }
    expect(switches).toEqual([]);
    expect(alice.relay?.fingerprint).toBe(fp(a!));
    // a becomes much slower for good: the client moves (reason "better").
    a!.core.pongDelayMs = 250;
    b!.core.pongDelayMs = 0;
    const moved = await nextEvent<RelaySwitchedEvent>(alice, 'relay:switched', () => true, 8_000);
    expect(moved).toMatchObject({ reason: 'better', to: { fingerprint: fp(b!) } });
    expect(alice.connectionState).toBe('ready');
  });

  it('fails over to the next-best relay when its relay stops', async () => {
    const [a, b] = await start(2, [0, 40]);
    const alice = pool.make(aliceKey, 'alice', [a!.entry, b!.entry]);
    expect((await alice.start()).relay.fingerprint).toBe(fp(a!));
    const switched = nextEvent<RelaySwitchedEvent>(alice, 'relay:switched');
    await a!.stop();
    expect(await switched).toMatchObject({
      reason: 'failover',
      from: { fingerprint: fp(a!) },
      to: { fingerprint: fp(b!) },
    });
    expect(alice.connectionState).toBe('ready');
    expect(b!.core.online()).toContain(alice.clientId);
  });

  it('fails over when the relay stops answering keepalives', async () => {
    const [a, b] = await start(2, [0, 30]);
    const alice = pool.make(aliceKey, 'alice', [a!.entry, b!.entry], {
      timing: { keepaliveIntervalMs: 100, keepaliveMisses: 2 },
    });
    await alice.start();
    expect(alice.relay?.fingerprint).toBe(fp(a!));
    const lost = nextEvent(
      alice,
      'connection:error',
      (e: { code: string }) => e.code === 'CLIENT_ERR_TIMEOUT',
    );
    const switched = nextEvent<RelaySwitchedEvent>(alice, 'relay:switched');
    a!.core.pongDelayMs = 60_000;
    await lost;
    expect((await switched).to.fingerprint).toBe(fp(b!));
  });

  it('retries with growing, jittered delays while its only relay is down, then reconnects with a consistent tree head', async () => {
    const [a] = await start(1);
    const store = new MemoryStore();
    const alice = pool.make(aliceKey, 'alice', [a!.entry], {
      store,
      backoff: { baseMs: 100, maxMs: 5_000, random: () => 0.5 },
    });
    const first = await alice.start();
    expect(first.treeHeadChange).toBe('first');
    const attempts: number[] = [];
    alice.on('connection:state', (e: ConnectionStateEvent) => {
      if (e.state === 'connecting') attempts.push(Date.now());
    });
    await a!.stop();
    await waitFor(() => attempts.length >= 5, 5_000, 'five reconnect attempts');
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // Nominal 100, 200, 400, 800 ms × the fixed jitter factor 0.75: never shorter (timers do not fire
    // early), and growing exponentially (checked with slack for a loaded machine).
    for (const [i, delay] of [75, 150, 300, 600].entries())
      expect(gaps[i]!).toBeGreaterThanOrEqual(delay - 2);
    expect(gaps[3]!).toBeGreaterThan(2 * gaps[1]!);
    expect(gaps[2]!).toBeGreaterThan(1.5 * gaps[0]!);

    // Meanwhile the directory grew; the relay comes back on the same ports with the same key and log.
    a!.core.directory.add('carol', carolKey.publicKey.toDer());
    const back = nextEvent<RegistrationCompleteEvent>(alice, 'registration:complete', () => true, 5_000);
    await a!.start();
    const again = await back;
    expect(again.relay.fingerprint).toBe(fp(a!));
    expect(again.treeHeadChange).toBe('grown');
    expect(again.treeHead.size).toBe(2);
    expect(store.treeHead(fp(a!))?.size).toBe(2);
    expect(a!.core.directory.size).toBe(2);
  });

  it('start() ends with CLIENT_ERR_ABORTED at once when aborted or closed during a backoff', async () => {
    const [a] = await start(1);
    await a!.stop();
    // At least 10 s of backoff after the first refused connection: only the abort ends start() quickly.
    const options = { startAttempts: 10, backoff: { baseMs: 20_000, maxMs: 20_000 } };
    for (const end of ['abort', 'close'] as const) {
      const alice = pool.make(aliceKey, 'alice', [a!.entry], options);
      const failures: string[] = [];
      alice.on('registration:failed', (e) => failures.push(e.code));
      const controller = new AbortController();
      const started = alice.start({ signal: controller.signal });
      await waitFor(() => failures.length === 1, 5_000, 'the first attempt failed');
      const before = Date.now();
      if (end === 'abort') controller.abort();
      else await alice.close();
      expect(await rejection(started)).toMatchObject({ code: 'CLIENT_ERR_ABORTED' });
      expect(Date.now() - before).toBeLessThan(1_000);
      expect(failures).toHaveLength(1);
      await alice.close();
    }
  });

  it('keeps a live call across a dropped control connection (CALL_RESUME, keys unchanged)', async () => {
    const [a] = await start(1);
    const alice = pool.make(aliceKey, 'alice', [a!.entry], { backoff: { baseMs: 20, maxMs: 100 } });
    const bob = pool.make(bobKey, 'bob', [a!.entry]);
    await alice.start();
    await bob.start();
    bob.once('call:incoming', () => bob.answer());
    const bound = nextEvent(alice, 'media:bound');
    await alice.call('bob');
    await bound;
    const first = nextFrame(bob);
    alice.sendFrame({ sequence: 0, timestamp: 0, payload: new Uint8Array([1, 2, 3]) });
    await first;

    const rebound = nextEvent(alice, 'media:bound', () => true, 5_000);
    a!.dropConnection(alice.clientId);
    await rebound;
    expect(alice.callState).toBe('active');
    const resume = a!.core.received.find((m) => m.type === 'CALL_RESUME');
    expect(resume).toMatchObject({ lastSequence: 0 });
    const after = nextFrame(bob);
    expect(alice.sendFrame({ sequence: 1, timestamp: 960, payload: new Uint8Array([4, 5, 6]) })).toBe(true);
    expect([...(await after).payload]).toEqual([4, 5, 6]);
  });
});
