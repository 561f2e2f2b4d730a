/**
 * Exponential backoff with jitter for reconnect attempts (docs/design.md §6: "failover … with backoff and
 * jitter"). The n-th delay is min(maxMs, baseMs · 2^n) scaled by a random factor in [0.5, 1) ("equal
 * jitter"): clients that lost the same relay at the same moment do not reconnect in lockstep, and each
 * still waits at least half the nominal delay. The random source is injected (tests make it fixed).
 */
/** The delays of a {@link Backoff}: defaults as in docs/client.md "Defaults" (250 ms doubling to 15 s). */
export interface BackoffOptions {
  /** First delay before jitter (default 250 ms). */
  readonly baseMs?: number;
  /** Largest delay before jitter (default 15 000 ms). */
  readonly maxMs?: number;
  /** Uniform random in [0, 1) (default Math.random: jitter needs no cryptographic quality). */
  readonly random?: () => number;
}

/**
 * Delays between reconnect attempts: the n-th is min(`maxMs`, `baseMs` · 2ⁿ) · U[0.5, 1) ms ("equal
 * jitter", so clients that lost the same relay do not come back in lockstep); `reset()` after a
 * successful registration (docs/client.md "Relays: choice, failover, resume").
 */
export class Backoff {
  readonly #base: number;
  readonly #max: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#base = options.baseMs ?? 250;
    this.#max = options.maxMs ?? 15_000;
    this.#random = options.random ?? Math.random;
  }

  /** Attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; each call doubles the nominal delay up to the maximum. */
  next(): number {
    const nominal = Math.min(this.#max, this.#base * 2 ** this.#attempt);
    this.#attempt += 1;
    return Math.round(nominal * (0.5 + 0.5 * this.#random()));
  }

  /** Starts over at `baseMs` (after a successful registration). */
  reset(): void {
    this.#attempt = 0;
  }
}
