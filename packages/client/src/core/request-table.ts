/**
 * Request/response matching over the control channel (docs/protocol.md §4: a message with a `requestId`
 * is answered by a message with the same `requestId`, or by an ERROR carrying it). Ids are u32, never 0,
 * and each request has a deadline so a relay that stays silent cannot stall a lookup forever.
 */
export class RequestTable<T> {
  readonly #pending = new Map<number, { readonly value: T; readonly deadline: number }>();
  #next = 1;

  /** Registers `value` and returns its fresh request id. */
  add(value: T, deadline: number): number {
    let id = this.#next;
    while (this.#pending.has(id)) id = id >= 0xffff_ffff ? 1 : id + 1;
    this.#next = id >= 0xffff_ffff ? 1 : id + 1;
    this.#pending.set(id, { value, deadline });
    return id;
  }

  /** Removes and returns the request `id`, if pending. */
  take(id: number): T | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    return entry.value;
  }

  /** Removes and returns every request whose deadline has passed. */
  expired(now: number): T[] {
    const out: T[] = [];
    for (const [id, entry] of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(id);
        out.push(entry.value);
      }
    }
    return out;
  }

  /** Removes and returns every pending request (connection closed). */
  drain(): T[] {
    const out = [...this.#pending.values()].map((e) => e.value);
    this.#pending.clear();
    return out;
  }

  /** Removes the requests `match` selects. */
  removeWhere(match: (value: T) => boolean): T[] {
    const out: T[] = [];
    for (const [id, entry] of this.#pending) {
      if (match(entry.value)) {
        this.#pending.delete(id);
        out.push(entry.value);
      }
    }
    return out;
  }

  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const { deadline } of this.#pending.values())
      if (min === undefined || deadline < min) min = deadline;
    return min;
  }

  get size(): number {
    return this.#pending.size;
  }
}
