/**
 * Relay choice (docs/design.md §6): by round-trip time, skipping relays above 80 % load, with
 * hysteresis so the client does not flap between relays whose figures are close or hover at the
 * threshold. Pure: probe results in, a ranking and a decision out.
 *
 * - RTT is smoothed (EWMA, like TCP's SRTT, RFC 6298 §2) so one slow probe does not move the choice.
 * - Load = packetsPerSecond / capacity. A relay becomes "overloaded" above `overloadThreshold` (0.8) and
 *   counts as available again only below `recoverThreshold` (0.7): a relay at 79–81 % does not toggle.
 * - The current relay is kept unless another available relay is faster by both `switchMarginRatio` (30 %)
 *   and `switchMarginMs` (20 ms), or the current one is down, overloaded or showed a split view.
 * - A relay that showed a tree head contradicting an accepted one (`directory:split-view`, docs/client.md
 *   "Relay cluster") is ranked after every other relay for good: a probe does not clear it, because the
 *   fork it signed does not heal. It is tried only when no other relay is left.
 */
import type { RelayLoad } from '@leitung/wire';
import { type RelayEntry, relayKey } from './relay-entry.js';

/**
 * Thresholds of the relay choice (docs/client.md "Relays: choice, failover, resume"): overload and
 * recovery load, the margin a faster relay needs to be switched to, and the RTT smoothing weight.
 */
export interface RelaySelectorOptions {
  /** Above this load a relay is skipped (default 0.8, the seed's 80 %). */
  readonly overloadThreshold?: number;
  /** An overloaded relay is used again only below this load (default 0.7). */
  readonly recoverThreshold?: number;
  /** A candidate must be this much faster (fraction of the current RTT) to switch (default 0.3). */
  readonly switchMarginRatio?: number;
  /** … and at least this many milliseconds faster (default 20). */
  readonly switchMarginMs?: number;
  /** EWMA weight of a new RTT sample (default 0.3). */
  readonly rttWeight?: number;
}

/**
 * What the client knows about one relay (`Client.relayStatus()`): smoothed RTT, load, whether it is
 * overloaded, skipped after a failure, or ranked last for good after showing a split view.
 */
export interface RelayStatus {
  /** The relay-list entry. */
  readonly entry: RelayEntry;
  /** Smoothed RTT in ms; undefined until a probe succeeded. */
  readonly rttMs: number | undefined;
  /** Last reported load (0..), undefined until a probe succeeded. */
  readonly load: number | undefined;
  /** Above 80 % load and not yet back below 70 %: skipped while others are available. */
  readonly overloaded: boolean;
  /** Until when the relay is skipped after a failure (ms since epoch); 0 when not. */
  readonly downUntil: number;
  /** Consecutive failures (probe or connection). */
  readonly failures: number;
  /** Showed a tree head that contradicts an accepted one: ranked last for good. */
  readonly splitView: boolean;
}

/**
 * A PONG's load as a fraction: `packetsPerSecond / capacity` (a relay reports a percentage in steps of 5
 * with `capacity` 100; above 0.8 counts as overloaded). Infinite for traffic on zero capacity.
 */
export function loadOf(load: RelayLoad): number {
  if (load.capacity === 0) return load.packetsPerSecond === 0 ? 0 : Number.POSITIVE_INFINITY;
  return load.packetsPerSecond / load.capacity;
}

/**
 * Relay ranking, pure: lowest smoothed RTT among relays not overloaded (above 80 %, available again below
 * 70 %), failed relays behind for their penalty, split-view relays last for good; the current relay is
 * kept unless another is faster by 30 % and 20 ms (docs/client.md "Relays: choice, failover, resume").
 */
export class RelaySelector {
  readonly #status = new Map<string, RelayStatus>();
  readonly #overload: number;
  readonly #recover: number;
  readonly #marginRatio: number;
  readonly #marginMs: number;
  readonly #weight: number;

  constructor(relays: readonly RelayEntry[], options: RelaySelectorOptions = {}) {
    this.#overload = options.overloadThreshold ?? 0.8;
    this.#recover = options.recoverThreshold ?? 0.7;
    this.#marginRatio = options.switchMarginRatio ?? 0.3;
    this.#marginMs = options.switchMarginMs ?? 20;
    this.#weight = options.rttWeight ?? 0.3;
    for (const entry of relays) {
      this.#status.set(relayKey(entry), {
        entry,
        rttMs: undefined,
        load: undefined,
        overloaded: false,
        downUntil: 0,
        failures: 0,
        splitView: false,
      });
    }
  }

  /** Every relay's status, in list order. */
  status(): RelayStatus[] {
    return [...this.#status.values()];
  }

  statusOf(entry: RelayEntry): RelayStatus | undefined {
    return this.#status.get(relayKey(entry));
  }

  /** Records a successful probe. */
  probed(entry: RelayEntry, rttMs: number, load: RelayLoad): void {
    const s = this.#status.get(relayKey(entry));
    if (!s) return;
    const l = loadOf(load);
    const overloaded = s.overloaded ? l >= this.#recover : l > this.#overload;
    const rtt = this.#smoothed(s, rttMs);
    this.#status.set(relayKey(entry), { ...s, rttMs: rtt, load: l, overloaded, downUntil: 0, failures: 0 });
  }

  /** Records a round-trip time measured on the registered connection (sealed keepalive): RTT only. */
  sampled(entry: RelayEntry, rttMs: number): void {
    const s = this.#status.get(relayKey(entry));
    if (s) this.#status.set(relayKey(entry), { ...s, rttMs: this.#smoothed(s, rttMs) });
  }

  /** The relay showed a tree head that contradicts an accepted one. */
  splitView(entry: RelayEntry): void {
    const s = this.#status.get(relayKey(entry));
    if (s) this.#status.set(relayKey(entry), { ...s, splitView: true });
  }

  /** Records a failed probe or connection: skipped until `downUntil`. */
  failed(entry: RelayEntry, downUntil: number): void {
    const s = this.#status.get(relayKey(entry));
    if (!s) return;
    this.#status.set(relayKey(entry), { ...s, downUntil, failures: s.failures + 1 });
  }

  /** A relay we registered with is fine again. */
  succeeded(entry: RelayEntry): void {
    const s = this.#status.get(relayKey(entry));
    if (s) this.#status.set(relayKey(entry), { ...s, downUntil: 0, failures: 0 });
  }

  /**
   * Relays in the order to try them: available ones by RTT (unprobed after probed), then overloaded ones
   * by load, then those marked down by when they come back, then those that showed a split view. Every
   * relay appears: when all are bad the client still tries something, with backoff.
   */
  rank(now: number): RelayEntry[] {
    const all = [...this.#status.values()];
    const trusted = all.filter((s) => !s.splitView);
    const up = trusted.filter((s) => s.downUntil <= now);
    const available = up.filter((s) => !s.overloaded).sort(byRtt);
    const overloaded = up.filter((s) => s.overloaded).sort((a, b) => (a.load ?? 0) - (b.load ?? 0));
    const down = trusted.filter((s) => s.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    const split = all.filter((s) => s.splitView);
    return [...available, ...overloaded, ...down, ...split].map((s) => s.entry);
  }

  /** The relay to be on: `current` unless another is clearly better (hysteresis), or current is unusable. */
  choose(now: number, current: RelayEntry | undefined): RelayEntry | undefined {
    const best = this.rank(now)[0];
    if (!best || !current) return best;
    const cur = this.#status.get(relayKey(current));
    if (!cur) return best;
    if (relayKey(best) === relayKey(current)) return current;
    const b = this.#status.get(relayKey(best))!;
    if (!usable(cur, now)) return usable(b, now) ? best : current;
    if (b.rttMs === undefined || cur.rttMs === undefined) return current;
    const gain = cur.rttMs - b.rttMs;
    return gain > this.#marginMs && gain > this.#marginRatio * cur.rttMs ? best : current;
  }

  #smoothed(s: RelayStatus, rttMs: number): number {
    return s.rttMs === undefined ? rttMs : s.rttMs + this.#weight * (rttMs - s.rttMs);
  }
}

function usable(s: RelayStatus, now: number): boolean {
  return s.downUntil <= now && !s.overloaded && !s.splitView;
}

function byRtt(a: RelayStatus, b: RelayStatus): number {
  if (a.rttMs === undefined) return b.rttMs === undefined ? 0 : 1;
  if (b.rttMs === undefined) return -1;
  return a.rttMs - b.rttMs;
}
