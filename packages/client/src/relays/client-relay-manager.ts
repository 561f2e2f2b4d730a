/**
 * ClientRelayManager (docs/client.md "Relays: choice, failover, resume"): the Client's relay policy core
 * (RelayPolicy: choice, failover, backoff, hysteresis) together with the RelayProbe that carries out its
 * `probe` actions. The probe is the one asynchronous part: it runs every probe of a round in parallel
 * and hands back one outcome per relay, never a rejection, for `RelayPolicy.probed`.
 */
import type { BackoffOptions } from './backoff.js';
import type { ProbeResult, RelayProbe } from './probe-result.js';
import type { ProbeOutcome } from './relay-actions.js';
import type { RelayEntry } from './relay-entry.js';
import { RelayPolicy } from './relay-policy.js';
import type { RelaySelectorOptions, RelayStatus } from './relay-selector.js';

/** The relay list and the policy's settings (docs/client.md "Defaults"); `ClientOptions` passes its own on. */
export interface ClientRelayManagerOptions {
  /** The pinned relay-list entries to choose from. */
  readonly relays: readonly RelayEntry[];
  /** How a relay is probed (the Client passes the unsealed PING/PONG prober). */
  readonly probe: RelayProbe;
  /** Ranking thresholds and hysteresis of the relay choice (`RelaySelector`). */
  readonly selection?: RelaySelectorOptions;
  /** Backoff of reconnect attempts; its `random` (default Math.random) is the jitter source. */
  readonly backoff?: BackoffOptions;
  /** Probe timeout (default 2 000 ms). */
  readonly probeTimeoutMs?: number;
  /** Re-probe period once registered; 0 = never (default 30 000 ms). */
  readonly probeIntervalMs?: number;
  /** How long a relay that failed is ranked behind the others (default 10 000 ms). */
  readonly failurePenaltyMs?: number;
  /** Registration attempts `start` makes before CLIENT_ERR_NO_RELAY (default 3 per relay). */
  readonly startAttempts?: number;
}

/**
 * The Client's relay management (`Client.relays`): the sans-I/O {@link RelayPolicy} — choice, probing,
 * failover, backoff — paired with the {@link RelayProbe} that carries out its `probe` actions. A shell
 * feeds the policy its inputs and runs `probe` rounds through this (docs/client.md "Relays: choice,
 * failover, resume").
 */
export class ClientRelayManager {
  /** The policy core: its inputs return the `RelayAction`s the shell carries out. */
  readonly policy: RelayPolicy;
  readonly #probe: RelayProbe;

  constructor(options: ClientRelayManagerOptions) {
    this.#probe = options.probe;
    this.policy = new RelayPolicy({
      relays: options.relays,
      random: options.backoff?.random ?? Math.random,
      ...(options.selection === undefined ? {} : { selection: options.selection }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
      ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
      ...(options.failurePenaltyMs === undefined ? {} : { failurePenaltyMs: options.failurePenaltyMs }),
      ...(options.startAttempts === undefined ? {} : { startAttempts: options.startAttempts }),
    });
  }

  /** The relay list the policy chooses from. */
  get relays(): readonly RelayEntry[] {
    return this.policy.relays;
  }

  /** What the client knows about each relay (RTT, load, failures, split view). */
  status(): RelayStatus[] {
    return this.policy.status();
  }

  /** Carries out a `probe` action: every relay in parallel; a failed probe is an outcome, not a rejection. */
  probe(relays: readonly RelayEntry[], timeoutMs: number): Promise<ProbeOutcome[]> {
    return Promise.all(
      relays.map(async (relay): Promise<ProbeOutcome> => {
        try {
          const result: ProbeResult = await this.#probe(relay, timeoutMs);
          return { relay, ok: true, result };
        } catch (error) {
          return { relay, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
        }
      }),
    );
  }
}
