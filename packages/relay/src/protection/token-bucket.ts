/**
 * Token buckets (docs/design.md §6 "token buckets per IP and per identity"). Time is passed in, never read,
 * so limits are exact in tests. A bucket starts full.
 */
import type { BucketLimit } from '../limits.js';

/**
 * One token bucket (docs/design.md §6): at most `limit.burst` tokens, refilled at `limit.perSecond`, starting
 * full. Time is passed in, never read, so limits are exact in tests.
 */
export class TokenBucket {
  /**
   * [tokens, updatedAt]. A Float64Array, not two number fields: the media path refills a bucket per
   * packet, and storing a fresh double into a long-lived object allocates a heap number that survives the
   * next scavenge; enough of those make V8 grow the young generation and lengthen every GC pause.
   */
  readonly #state = new Float64Array(2);

  constructor(
    readonly limit: BucketLimit,
    now: number,
  ) {
    this.#state[0] = limit.burst;
    this.#state[1] = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#state[0]! < 1) return false;
    this.#state[0]! -= 1;
    return true;
  }

  /** Milliseconds until a token is available (0 if one is there now); takes nothing. */
  waitMs(now: number): number {
    this.#refill(now);
    const missing = 1 - this.#state[0]!;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.limit.perSecond);
  }

  /** True when the bucket has been refilled to the brim (nothing to remember about this key). */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#state[0]! >= this.limit.burst;
  }

  #refill(now: number): void {
    const state = this.#state;
    const elapsed = now - state[1]!;
    if (elapsed > 0) {
      state[0] = Math.min(this.limit.burst, state[0]! + (elapsed * this.limit.perSecond) / 1000);
      state[1] = now;
    }
  }
}

/**
 * One bucket per key (an IP address, a client id). Memory is bounded: full buckets carry no information
 * and are swept, and when `maxKeys` is reached the least recently created key is forgotten (it starts
 * full again, which only ever errs towards the peer).
 */
export class KeyedRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly limit: BucketLimit,
    readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.#buckets.size;
  }

  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.maxKeys) {
        this.sweep(now);
        if (this.#buckets.size >= this.maxKeys) {
          const oldest = this.#buckets.keys().next();
          if (!oldest.done) this.#buckets.delete(oldest.value);
        }
      }
      bucket = new TokenBucket(this.limit, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Milliseconds until `key` has a token (0 if it has one now); takes nothing, remembers nothing. */
  waitMs(key: string, now: number): number {
    return this.#buckets.get(key)?.waitMs(now) ?? 0;
  }

  /** Forgets every bucket that has refilled completely. */
  sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}
