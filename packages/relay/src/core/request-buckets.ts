/**
 * The token buckets that rate-limit requests per address and per identity (docs/relay.md "Limits and their
 * defaults", docs/design.md §6): handshakes, lookups, calls and presence watches. Idle buckets are swept
 * now and then so a stream of new addresses cannot grow them without bound.
 */
import type { RelayLimits } from '../limits.js';
import { KeyedRateLimiter } from '../protection/token-bucket.js';

export type RequestBucket =
  | 'handshakesPerIp'
  | 'handshakesPerIdentity'
  | 'lookupsPerIp'
  | 'lookupsPerIdentity'
  | 'callsPerIp'
  | 'callsPerIdentity'
  | 'presenceWatchesPerIdentity';

const SWEEP_INTERVAL_MS = 10_000;

export class RequestBuckets {
  readonly #buckets: Record<RequestBucket, KeyedRateLimiter>;
  #lastSweep = 0;

  constructor(limits: RelayLimits) {
    const bucket = (name: RequestBucket) => new KeyedRateLimiter(limits[name], limits.maxBucketKeys);
    this.#buckets = {
      handshakesPerIp: bucket('handshakesPerIp'),
      handshakesPerIdentity: bucket('handshakesPerIdentity'),
      lookupsPerIp: bucket('lookupsPerIp'),
      lookupsPerIdentity: bucket('lookupsPerIdentity'),
      callsPerIp: bucket('callsPerIp'),
      callsPerIdentity: bucket('callsPerIdentity'),
      presenceWatchesPerIdentity: bucket('presenceWatchesPerIdentity'),
    };
  }

  /** Takes a token from `key`'s bucket; false when it is empty. */
  take(bucket: RequestBucket, key: string, now: number): boolean {
    return this.#buckets[bucket].take(key, now);
  }

  /** Forgets idle buckets, at most once per sweep interval (called from the core's tick). */
  sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const limiter of Object.values(this.#buckets)) limiter.sweep(now);
  }
}
