/** RelaySelector and Backoff in isolation (docs/design.md §6): choice by RTT, the 80 % rule, hysteresis, backoff. */
import { describe, expect, it } from 'vitest';
import { Backoff, loadOf, RelaySelector } from '../src/core.js';
import type { RelayEntry } from '../src/index.js';

const relay = (n: number): RelayEntry => ({
  host: '127.0.0.1',
  port: 1000 + n,
  mediaPort: 2000 + n,
  fingerprint: n.toString(16).padStart(64, '0'),
});
const [A, B, C] = [relay(1), relay(2), relay(3)];
const load = (fraction: number) => ({
  clients: 1,
  calls: 0,
  packetsPerSecond: Math.round(fraction * 1000),
  capacity: 1000,
});

describe('RelaySelector', () => {
  it('ranks by RTT', () => {
    const s = new RelaySelector([A!, B!, C!]);
    s.probed(A!, 90, load(0.1));
    s.probed(B!, 10, load(0.1));
    s.probed(C!, 50, load(0.1));
    expect(s.rank(0)).toEqual([B, C, A]);
    expect(s.choose(0, undefined)).toEqual(B);
  });

  it('skips relays above 80 % load, and takes them back only below 70 %', () => {
    const s = new RelaySelector([A!, B!]);
    s.probed(A!, 10, load(0.85));
    s.probed(B!, 80, load(0.1));
    expect(s.choose(0, undefined)).toEqual(B);
    // 0.8 exactly is not "above 80 %"; but an overloaded relay must fall below 0.7 to come back.
    s.probed(A!, 10, load(0.75));
    expect(s.statusOf(A!)?.overloaded).toBe(true);
    expect(s.rank(0)[0]).toEqual(B);
    s.probed(A!, 10, load(0.69));
    expect(s.statusOf(A!)?.overloaded).toBe(false);
    expect(s.rank(0)[0]).toEqual(A);
    const fresh = new RelaySelector([A!]);
    fresh.probed(A!, 10, load(0.8));
    expect(fresh.statusOf(A!)?.overloaded).toBe(false);
  });

  it('keeps the current relay unless another is clearly faster (no flapping)', () => {
    const s = new RelaySelector([A!, B!]);
    s.probed(A!, 50, load(0));
    s.probed(B!, 45, load(0));
    expect(s.choose(0, A)).toEqual(A);
    // Noisy probes around similar values never cause a switch.
    for (let i = 0; i < 50; i++) {
      s.probed(A!, 45 + (i % 3) * 5, load(0));
      s.probed(B!, 55 - (i % 3) * 5, load(0));
      expect(s.choose(0, A)).toEqual(A);
    }
    // A relay that is consistently much faster wins (EWMA needs a few samples to get there).
    for (let i = 0; i < 10; i++) s.probed(B!, 5, load(0));
    expect(s.choose(0, A)).toEqual(B);
  });

  it('one slow probe does not move the choice (smoothed RTT)', () => {
    const s = new RelaySelector([A!, B!]);
    s.probed(A!, 10, load(0));
    s.probed(B!, 40, load(0));
    s.probed(A!, 100, load(0));
    expect(s.choose(0, A)).toEqual(A);
    expect(s.rank(0)[0]).toEqual(A);
  });

  it('leaves an overloaded or failed current relay', () => {
    const s = new RelaySelector([A!, B!]);
    s.probed(A!, 10, load(0));
    s.probed(B!, 40, load(0));
    s.probed(A!, 10, load(0.95));
    expect(s.choose(0, A)).toEqual(B);
    s.probed(A!, 10, load(0));
    s.failed(A!, 1_000);
    expect(s.choose(500, A)).toEqual(B);
    expect(s.rank(500)).toEqual([B, A]);
    expect(s.rank(1_000)[0]).toEqual(A);
  });

  it('works on the coarse load relays report (docs/protocol.md §4.6: percent in steps of 5, no counts)', () => {
    const coarse = (percent: number) => ({ clients: 0, calls: 0, packetsPerSecond: percent, capacity: 100 });
    const s = new RelaySelector([A!, B!]);
    s.probed(A!, 10, coarse(85));
    s.probed(B!, 50, coarse(80));
    expect(s.statusOf(A!)?.overloaded).toBe(true);
    expect(s.statusOf(B!)?.overloaded).toBe(false);
    expect(s.rank(0)).toEqual([B, A]);
    s.probed(A!, 10, coarse(70));
    expect(s.statusOf(A!)?.overloaded).toBe(true); // hysteresis: back only below 70 %
    s.probed(A!, 10, coarse(65));
    expect(s.rank(0)).toEqual([A, B]);
  });

  it('computes load as packets/s over capacity', () => {
    expect(loadOf({ clients: 0, calls: 0, packetsPerSecond: 400, capacity: 500 })).toBe(0.8);
    expect(loadOf({ clients: 0, calls: 0, packetsPerSecond: 0, capacity: 0 })).toBe(0);
    expect(loadOf({ clients: 0, calls: 0, packetsPerSecond: 1, capacity: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Backoff', () => {
  it('doubles up to the maximum with jitter in [0.5, 1) of the nominal delay', () => {
    const low = new Backoff({ baseMs: 100, maxMs: 1_000, random: () => 0 });
    expect([0, 1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ baseMs: 100, maxMs: 1_000, random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
    high.reset();
    expect(high.next()).toBe(100);
  });

  it('spreads clients that fail at the same moment', () => {
    const delays = new Set(Array.from({ length: 20 }, () => new Backoff({ baseMs: 1_000 }).next()));
    expect(delays.size).toBeGreaterThan(10);
  });
});
