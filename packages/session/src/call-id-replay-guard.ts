/**
 * Refuses a call id seen before (DESIGN.md §5 step 3: "checks … replay of callId"). Offers older than the
 * freshness window are refused anyway, so ids only need remembering for that long; the guard is bounded.
 */
const toKey = (id: Uint8Array): string => Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');

export class CallIdReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #retainMs: number;
  readonly #maxEntries: number;

  /** `retainMs` must be at least twice the offer freshness window (default 10 min for ±60 s offers). */
  constructor(options: { retainMs?: number; maxEntries?: number } = {}) {
    this.#retainMs = options.retainMs ?? 10 * 60_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
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
