/**
 * ClientRelayManager (seed §3, §3.5; docs/design.md §6): knows the relay list, probes RTT and load, ranks the
 * relays (RelaySelector: RTT, 80 % load rule, hysteresis), remembers failures and paces reconnect attempts
 * (Backoff: exponential with jitter). The Client shell asks it which relay to use and reports what happened;
 * connecting and registering stay in the client core.
 */
import { Backoff, type BackoffOptions } from './backoff.js';
import type { ProbeResult, RelayProbe } from './probe-result.js';
import type { RelayEntry } from './relay-entry.js';
import { RelaySelector, type RelaySelectorOptions, type RelayStatus } from './relay-selector.js';

export interface ClientRelayManagerOptions {
  readonly relays: readonly RelayEntry[];
  /** How a relay is probed (the Client passes the unsealed PING/PONG prober). */
  readonly probe: RelayProbe;
  readonly selection?: RelaySelectorOptions;
  readonly backoff?: BackoffOptions;
  /** Probe timeout (default 2 000 ms). */
  readonly probeTimeoutMs?: number;
  /** How long a relay that failed is ranked last (default 10 000 ms). */
  readonly failurePenaltyMs?: number;
  /** Clock (default Date.now). */
  readonly now?: () => number;
}

export class ClientRelayManager {
  readonly selector: RelaySelector;
  readonly backoff: Backoff;
  readonly relays: readonly RelayEntry[];
  readonly #probe: RelayProbe;
  readonly #probeTimeoutMs: number;
  readonly #penaltyMs: number;
  readonly #now: () => number;

  constructor(options: ClientRelayManagerOptions) {
    this.relays = options.relays;
    this.selector = new RelaySelector(options.relays, options.selection);
    this.backoff = new Backoff(options.backoff);
    this.#probe = options.probe;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
    this.#penaltyMs = options.failurePenaltyMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Probes every relay in parallel; failures mark the relay down for the penalty time. */
  async probeAll(): Promise<Map<RelayEntry, ProbeResult | Error>> {
    const results = await Promise.all(
      this.relays.map(async (entry) => {
        try {
          const result = await this.#probe(entry, this.#probeTimeoutMs);
          this.selector.probed(entry, result.rttMs, result.load);
          return [entry, result] as const;
        } catch (error) {
          this.selector.failed(entry, this.#now() + this.#penaltyMs);
          return [entry, error instanceof Error ? error : new Error(String(error))] as const;
        }
      }),
    );
    return new Map<RelayEntry, ProbeResult | Error>(results);
  }

  /** Relays in the order to try them now. */
  rank(): RelayEntry[] {
    return this.selector.rank(this.#now());
  }

  /** The relay to be on, given the current one (hysteresis). */
  choose(current: RelayEntry | undefined): RelayEntry | undefined {
    return this.selector.choose(this.#now(), current);
  }

  /** A connection or registration with `entry` failed (or it stopped answering). */
  failed(entry: RelayEntry): void {
    this.selector.failed(entry, this.#now() + this.#penaltyMs);
  }

  /** Registered with `entry`: clear its failures and the backoff. */
  succeeded(entry: RelayEntry): void {
    this.selector.succeeded(entry);
    this.backoff.reset();
  }

  status(): RelayStatus[] {
    return this.selector.status();
  }
}
