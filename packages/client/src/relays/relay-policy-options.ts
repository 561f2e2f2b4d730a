/** What the relay policy is given, and the defaults of its timing (docs/client.md "Defaults"). */
import type { BackoffOptions } from './backoff.js';
import type { RelayEntry } from './relay-entry.js';
import type { RelaySelectorOptions } from './relay-selector.js';

/**
 * What a {@link RelayPolicy} is built with: the relay list, the jitter source and the settings of
 * docs/client.md "Defaults" (probe timeout and period, failure penalty, start attempts).
 */
export interface RelayPolicyOptions {
  /** The pinned relay-list entries to choose from (at least one). */
  readonly relays: readonly RelayEntry[];
  /** Uniform random in [0, 1) for the backoff jitter (it overrides `backoff.random`). */
  readonly random: () => number;
  /** Ranking thresholds and hysteresis (`RelaySelector`). */
  readonly selection?: RelaySelectorOptions;
  /** Delays between registration attempts (`Backoff`). */
  readonly backoff?: BackoffOptions;
  /** Probe timeout. Default 2 000 ms. */
  readonly probeTimeoutMs?: number;
  /** Re-probe period once registered; 0 = never. Default 30 000 ms. */
  readonly probeIntervalMs?: number;
  /** How long a relay that failed is ranked behind the others. Default 10 000 ms. */
  readonly failurePenaltyMs?: number;
  /** Registration attempts `start` makes before giving up. Default 3 per relay. */
  readonly startAttempts?: number;
}

export interface RelayPolicyTiming {
  readonly probeTimeoutMs: number;
  readonly probeIntervalMs: number;
  readonly failurePenaltyMs: number;
  readonly startAttempts: number;
}

export function resolvePolicyTiming(o: RelayPolicyOptions): RelayPolicyTiming {
  return {
    probeTimeoutMs: o.probeTimeoutMs ?? 2_000,
    probeIntervalMs: o.probeIntervalMs ?? 30_000,
    failurePenaltyMs: o.failurePenaltyMs ?? 10_000,
    startAttempts: o.startAttempts ?? 3 * o.relays.length,
  };
}
