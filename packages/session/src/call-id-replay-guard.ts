/**
 * Refuses a call id seen before (docs/design.md §5 step 3: "checks … replay of callId"). Offers older than the
 * freshness window are refused anyway, so ids only need remembering for that long; the guard is bounded.
 * A guard that lived only in memory would forget every id on a restart, and a recorded offer could ring
 * again within the window (docs/session-protocol.md "Call offers"): `entries()` gives what to persist and
 * `seen` restores it.
 */
const toKey = (id: Uint8Array): string => Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Remembers admitted call ids for `retainMs` (default 10 min) so a recorded offer cannot ring twice; bounded,
 * and persistable across restarts through `entries()` and `seen` (docs/session-protocol.md §3).
 */
export class CallIdReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #retainMs: number;
  readonly #maxEntries: number;

  /**
   * `retainMs` must be at least twice the offer freshness window (default 10 min for ±30 s offers).
   * `seen`: ids (hex) with the time they were admitted, as `entries()` gave them before a restart.
   */
  constructor(
    options: {
      retainMs?: number;
      maxEntries?: number;
      seen?: Iterable<readonly [string, number]>;
    } = {},
  ) {
    this.#retainMs = options.retainMs ?? 10 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    const seen = [...(options.seen ?? [])]
      .filter(([id, at]) => /^[0-9a-f]+$/.test(id) && Number.isFinite(at))
      .sort((a, b) => a[1] - b[1]);
    for (const [id, at] of seen.slice(-this.#maxEntries)) this.#seen.set(id, at);
  }

  /** The remembered ids (hex) and when they were admitted, oldest first: what to persist. */
  entries(): [string, number][] {
    return [...this.#seen];
  }

  /** True the first time `callId` is offered (and remembers it); false for a replay. */
  admit(callId: Uint8Array, now: number): boolean {
    this.#expire(now);
    const key = toKey(callId);
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= this.#maxEntries) {
      // Full: forget the oldest (insertion order = time order). Offers that old are stale anyway.
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    this.#seen.set(key, now);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }

  #expire(now: number): void {
    for (const [key, at] of this.#seen) {
      if (now - at <= this.#retainMs) break;
      this.#seen.delete(key);
    }
  }
}
