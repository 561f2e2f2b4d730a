/**
 * The relay policy core on a fake clock and a seeded RNG (docs/client.md "Relays: choice, failover, resume";
 * docs/design.md §6): every test feeds inputs at chosen times and asserts the exact actions — which relay,
 * which deadline, which event — that come back.
 */
import { describe, expect, it } from 'vitest';
import { ClientError, ClientErrorCode, type RelayEntry } from '../src/index.js';
import type { ProbeOutcome, RelayAction } from '../src/relays/relay-actions.js';
import { RelayPolicy, type RelayPolicyOptions } from '../src/relays/relay-policy.js';

const relay = (n: number): RelayEntry => ({
  host: '127.0.0.1',
  port: 1000 + n,
  mediaPort: 2000 + n,
  fingerprint: n.toString(16).padStart(64, '0'),
});
const A = relay(1);
const B = relay(2);
const C = relay(3);

/** A reachable relay's probe outcome: `rttMs`, and its load as a fraction (coarse percent, protocol.md §4.6). */
const ok = (r: RelayEntry, rttMs: number, load = 0): ProbeOutcome => ({
  relay: r,
  ok: true,
  result: { rttMs, load: { clients: 0, calls: 0, packetsPerSecond: Math.round(load * 100), capacity: 100 } },
});
const unreachable = (r: RelayEntry): ProbeOutcome => ({
  relay: r,
  ok: false,
  error: new ClientError(ClientErrorCode.Timeout, 'relay probe timed out'),
});
const refused = (what: string) => new ClientError(ClientErrorCode.ConnectionClosed, what);

/** mulberry32: a small seeded PRNG, uniform in [0, 1). Two generators with one seed give one sequence. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SEED = 0x5eed;

function policy(relays: readonly RelayEntry[], options: Partial<RelayPolicyOptions> = {}): RelayPolicy {
  return new RelayPolicy({ relays, random: seeded(SEED), probeIntervalMs: 0, ...options });
}

/** Starts `p`, answers the start round with `outcomes` and returns the actions of that answer. */
function started(p: RelayPolicy, outcomes: readonly ProbeOutcome[], now = 0): RelayAction[] {
  expect(p.start()).toEqual([{ kind: 'probe', relays: p.relays, timeoutMs: 2_000 }]);
  return p.probed(outcomes, now);
}

const connect = (r: RelayEntry): RelayAction => ({ kind: 'connect', relay: r });
const wait = (until: number | undefined): RelayAction => ({ kind: 'wait', until });

/** The deadline of the `wait` in `actions` (the test fails if there is none). */
function waitUntil(actions: readonly RelayAction[]): number {
  const w = actions.find((a) => a.kind === 'wait');
  if (w?.kind !== 'wait' || w.until === undefined) throw new Error(`no wait in ${JSON.stringify(actions)}`);
  return w.until;
}

describe('RelayPolicy: choice and failover order', () => {
  it('start probes every relay, then connects to the fastest relay that is not overloaded', () => {
    const p = policy([A, B, C]);
    // B is fastest but at 90 % load: C (50 ms) beats A (90 ms).
    expect(started(p, [ok(A, 90), ok(B, 10, 0.9), ok(C, 50)])).toEqual([connect(C)]);
    expect(p.state).toBe('connecting');
  });

  it('tries the relays in rank order, each after a backoff, then the one whose penalty ends first', () => {
    const p = policy([A, B, C], { backoff: { baseMs: 100, maxMs: 100 }, random: () => 0 });
    expect(started(p, [ok(A, 10), ok(B, 20), ok(C, 30)])).toEqual([connect(A)]);
    // Jitter factor 0.5 (random 0): every wait is 50 ms.
    expect(p.registrationFailed(A, refused('a'), 0)).toEqual([wait(50)]);
    expect(p.tick(50)).toEqual([connect(B)]);
    expect(p.registrationFailed(B, refused('b'), 60)).toEqual([wait(110)]);
    expect(p.tick(110)).toEqual([connect(C)]);
    expect(p.registrationFailed(C, refused('c'), 120)).toEqual([wait(170)]);
    // All three down (10 s penalty): A's penalty ends first.
    expect(p.tick(170)).toEqual([connect(A)]);
    expect(p.rank(170)).toEqual([A, B, C]);
    expect(p.status().map((s) => s.failures)).toEqual([1, 1, 1]);
  });

  it('a lost relay is reported, marked down, and the next in rank is connected at once; the switch follows registration', () => {
    const p = policy([A, B, C]);
    started(p, [ok(A, 10), ok(B, 20), ok(C, 30)]);
    p.registered(A, 5);
    expect(p.closed(A, ClientErrorCode.ConnectionClosed, 1_000)).toEqual([
      { kind: 'event', event: { type: 'relay:lost', relay: A, code: ClientErrorCode.ConnectionClosed } },
      connect(B),
    ]);
    expect(p.status()[0]).toMatchObject({ entry: A, downUntil: 11_000, failures: 1 });
    expect(p.registered(B, 1_020)).toEqual([
      { kind: 'event', event: { type: 'relay:switched', from: A, to: B, reason: 'failover' } },
    ]);
    expect(p.relay).toEqual(B);
  });

  it('reconnecting to the same relay after a drop is no switch; a reconnect run never gives up', () => {
    const p = policy([A], { startAttempts: 1, backoff: { baseMs: 10, maxMs: 10 }, random: () => 0 });
    started(p, [ok(A, 10)]);
    p.registered(A, 0);
    expect(p.closed(A, ClientErrorCode.Timeout, 100)).toEqual([
      { kind: 'event', event: { type: 'relay:lost', relay: A, code: ClientErrorCode.Timeout } },
      connect(A),
    ]);
    // More failures than startAttempts: a reconnect keeps trying.
    let now = 100;
    for (let i = 0; i < 5; i++) {
      expect(p.registrationFailed(A, refused('down'), now)).toEqual([wait(now + 5)]);
      now += 5;
      expect(p.tick(now)).toEqual([connect(A)]);
    }
    expect(p.registered(A, now)).toEqual([]);
  });

  it('a connection that closes during an attempt is a failed attempt; a close after registration:failed is not counted twice', () => {
    const p = policy([A, B], { backoff: { baseMs: 100, maxMs: 100 }, random: () => 0 });
    started(p, [ok(A, 10), ok(B, 20)]);
    expect(p.closed(A, ClientErrorCode.ConnectionClosed, 0)).toEqual([wait(50)]);
    expect(p.tick(50)).toEqual([connect(B)]);
    expect(p.registrationFailed(B, refused('b'), 50)).toEqual([wait(100)]);
    expect(p.closed(B, ClientErrorCode.ConnectionClosed, 50)).toEqual([]);
    expect(p.status().map((s) => s.failures)).toEqual([1, 1]);
  });
});

describe('RelayPolicy: backoff', () => {
  it('waits grow exponentially up to the cap, with the seeded jitter, and start over after a registration', () => {
    const p = policy([A], { startAttempts: 100, backoff: { baseMs: 100, maxMs: 1_000 } });
    const twin = seeded(SEED);
    const expected = (nominal: number) => Math.round(nominal * (0.5 + 0.5 * twin()));
    started(p, [ok(A, 10)]);
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const until = waitUntil(p.registrationFailed(A, refused('down'), now));
      delays.push(until - now);
      now = until;
      expect(p.tick(now)).toEqual([connect(A)]);
    }
    const nominal = [100, 200, 400, 800, 1_000, 1_000, 1_000];
    expect(delays).toEqual(nominal.map(expected));
    for (const [i, d] of delays.entries()) {
      expect(d).toBeGreaterThanOrEqual(nominal[i]! / 2);
      expect(d).toBeLessThanOrEqual(nominal[i]!);
    }
    // Registered: the backoff starts over at 100 ms nominal.
    p.registered(A, now);
    expect(p.closed(A, ClientErrorCode.ConnectionClosed, now)).toContainEqual(connect(A));
    const until = waitUntil(p.registrationFailed(A, refused('down'), now));
    expect(until - now).toBe(expected(100));
  });

  it('a timer that fires early gets the same deadline again', () => {
    const p = policy([A], { backoff: { baseMs: 100, maxMs: 100 }, random: () => 0 });
    started(p, [ok(A, 10)]);
    expect(p.registrationFailed(A, refused('down'), 0)).toEqual([wait(50)]);
    expect(p.tick(49)).toEqual([wait(50)]);
    expect(p.tick(50)).toEqual([connect(A)]);
  });
});

describe('RelayPolicy: start gives up', () => {
  it('after startAttempts failed attempts with CLIENT_ERR_NO_RELAY, the last failure as cause, and then stays quiet', () => {
    const p = policy([A, B], { startAttempts: 3, backoff: { baseMs: 100, maxMs: 100 }, random: () => 0 });
    started(p, [ok(A, 10), ok(B, 20)]);
    p.registrationFailed(A, refused('first'), 0);
    expect(p.tick(50)).toEqual([connect(B)]);
    p.registrationFailed(B, refused('second'), 50);
    expect(p.tick(100)).toEqual([connect(A)]);
    const last = refused('third');
    const actions = p.registrationFailed(A, last, 100);
    expect(actions).toEqual([{ kind: 'give-up', error: expect.any(ClientError) }]);
    const error = (actions[0] as Extract<RelayAction, { kind: 'give-up' }>).error;
    expect(error.code).toBe(ClientErrorCode.NoRelay);
    expect(error.cause).toBe(last);
    expect(p.state).toBe('stopped');
    expect(p.tick(10_000)).toEqual([]);
    expect(p.closed(A, ClientErrorCode.ConnectionClosed, 10_000)).toEqual([]);
  });

  it('defaults to three attempts per relay', () => {
    const p = policy([A, B], { backoff: { baseMs: 10, maxMs: 10 }, random: () => 0 });
    started(p, [ok(A, 10), ok(B, 20)]);
    let now = 0;
    let gaveUp = 0;
    for (let i = 0; i < 6; i++) {
      const target = i % 2 === 0 ? A : B;
      const actions = p.registrationFailed(target, refused('down'), now);
      if (actions.some((a) => a.kind === 'give-up')) {
        gaveUp = i + 1;
        break;
      }
      now += 5;
      expect(p.tick(now)).toEqual([connect(i % 2 === 0 ? B : A)]);
    }
    expect(gaveUp).toBe(6);
  });
});

describe('RelayPolicy: moving to a better relay (hysteresis)', () => {
  const options = { probeIntervalMs: 1_000 };

  it('probes every interval once registered, and stays on a relay that is only a little slower', () => {
    const p = policy([A, B], options);
    started(p, [ok(A, 50), ok(B, 60)]);
    expect(p.registered(A, 10)).toEqual([wait(1_010)]);
    expect(p.tick(1_010)).toEqual([{ kind: 'probe', relays: [A, B], timeoutMs: 2_000 }]);
    // 45 ms against 50: neither 30 % nor 20 ms faster.
    expect(p.probed([ok(A, 50), ok(B, 45)], 1_100)).toEqual([wait(2_100)]);
    expect(p.relay).toEqual(A);
  });

  it('leaves for a clearly faster relay only while idle, and reports the move as "better"', () => {
    const p = policy([A, B, C], options);
    started(p, [ok(A, 50), ok(B, 60), ok(C, 80)]);
    p.registered(A, 0);
    let now = 1_000;
    // B becomes much faster, but a call is up: no move.
    for (let i = 0; i < 4; i++) {
      expect(p.tick(now)).toEqual([{ kind: 'probe', relays: [A, B, C], timeoutMs: 2_000 }]);
      expect(p.probed([ok(A, 50), ok(B, 5)], now, { idle: false })).toEqual([wait(now + 1_000)]);
      now += 1_000;
    }
    expect(p.tick(now)).toHaveLength(1);
    expect(p.probed([ok(A, 50), ok(B, 5)], now, { idle: true })).toEqual([
      { kind: 'leave', relay: A, to: B },
      wait(now + 1_000),
    ]);
    // Figures that arrive while leaving do not redirect the move the `leave` action announced.
    for (let i = 0; i < 10; i++) p.probed([ok(C, 1)], now);
    expect(p.rank(now)[0]).toEqual(C);
    expect(p.closed(A, ClientErrorCode.ConnectionClosed, now + 1)).toEqual([
      { kind: 'event', event: { type: 'relay:lost', relay: A, code: ClientErrorCode.ConnectionClosed } },
      connect(B),
    ]);
    // Leaving on purpose is no failure of A.
    expect(p.status()[0]).toMatchObject({ entry: A, downUntil: 0, failures: 0 });
    expect(p.registered(B, now + 20)).toEqual([
      { kind: 'event', event: { type: 'relay:switched', from: A, to: B, reason: 'better' } },
    ]);
  });

  it('keepalive RTTs of the registered relay are smoothed into its RTT; others are ignored', () => {
    const p = policy([A, B]);
    started(p, [ok(A, 50), ok(B, 60)]);
    p.registered(A, 0);
    expect(p.keepaliveRtt(A, 100)).toEqual([]);
    expect(p.keepaliveRtt(B, 1)).toEqual([]);
    expect(p.status().map((s) => s.rttMs)).toEqual([65, 60]);
  });

  it('probe outcomes nobody asked for are recorded and cause nothing', () => {
    const p = policy([A, B], options);
    started(p, [ok(A, 50), ok(B, 60)]);
    p.registered(A, 0);
    expect(p.probed([ok(A, 500), unreachable(B)], 100)).toEqual([]);
    expect(p.status()).toMatchObject([{ rttMs: 50 + 0.3 * 450 }, { downUntil: 10_100, failures: 1 }]);
  });
});

describe('RelayPolicy: split view', () => {
  it('a relay that showed a split view is ranked out: behind every other relay, even down ones, for good', () => {
    const p = policy([A, B, C]);
    started(p, [ok(A, 10), ok(B, 20), ok(C, 30)]);
    expect(p.splitView(A.fingerprint.toUpperCase())).toEqual([]);
    expect(p.rank(0)).toEqual([B, C, A]);
    // B and C fail: still tried before A.
    p.probed([unreachable(B), unreachable(C)], 0);
    expect(p.rank(0)).toEqual([B, C, A]);
    // A good probe does not clear the split view.
    p.probed([ok(A, 1)], 0);
    expect(p.rank(20_000)).toEqual([B, C, A]);
    expect(p.status()[0]).toMatchObject({ splitView: true, rttMs: 10 + 0.3 * (1 - 10) });
  });

  it('the registration attempt that revealed it fails over to the next relay, never back to it', () => {
    const p = policy([A, B], { backoff: { baseMs: 100, maxMs: 100 }, random: () => 0 });
    expect(started(p, [ok(A, 10), ok(B, 50)])).toEqual([connect(A)]);
    p.splitView(A.fingerprint);
    p.registrationFailed(A, refused('split view'), 0);
    expect(p.tick(50)).toEqual([connect(B)]);
    p.registrationFailed(B, refused('b'), 50);
    // B is down for 10 s, A only showed a fork: B is tried again.
    expect(p.tick(100)).toEqual([connect(B)]);
  });

  it('the current relay, once it showed a split view, is left for a usable one at the next probe round', () => {
    const p = policy([A, B], { probeIntervalMs: 1_000 });
    started(p, [ok(A, 10), ok(B, 50)]);
    p.registered(A, 0);
    p.splitView(A.fingerprint);
    expect(p.tick(1_000)).toHaveLength(1);
    expect(p.probed([ok(A, 10), ok(B, 50)], 1_000)).toEqual([
      { kind: 'leave', relay: A, to: B },
      wait(2_000),
    ]);
  });

  it('when it is the only relay, it is still the one tried', () => {
    const p = policy([A]);
    started(p, [ok(A, 10)]);
    p.splitView(A.fingerprint);
    expect(p.rank(0)).toEqual([A]);
  });
});

describe('RelayPolicy: media target', () => {
  it('a cluster grant names the media relay by fingerprint, looked up in the pinned list only', () => {
    const p = policy([A, B]);
    expect(p.mediaTarget(undefined, A)).toEqual(A);
    expect(p.mediaTarget(B.fingerprint.toUpperCase(), A)).toEqual(B);
    expect(p.mediaTarget(C.fingerprint, A)).toBeUndefined();
    expect(p.mediaTarget(undefined, undefined)).toBeUndefined();
  });
});

describe('RelayPolicy: stop', () => {
  it('stop cancels the deadline and ends every activity', () => {
    const p = policy([A], { probeIntervalMs: 1_000 });
    started(p, [ok(A, 10)]);
    expect(p.registered(A, 0)).toEqual([wait(1_000)]);
    expect(p.stop()).toEqual([wait(undefined)]);
    expect(p.tick(1_000)).toEqual([]);
    expect(p.closed(A, ClientErrorCode.ConnectionClosed, 1_000)).toEqual([]);
  });

  it('refuses an empty relay list', () => {
    expect(() => policy([])).toThrow(expect.objectContaining({ code: ClientErrorCode.InvalidArgument }));
  });
});
