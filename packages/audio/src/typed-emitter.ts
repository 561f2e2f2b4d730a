/**
 * A minimal typed event emitter for the stream shells (events are named noun:verb). Kept local so the
 * package stays free of runtime dependencies besides the Opus binding and runs unchanged in browsers.
 */
type Listener<T> = (payload: T) => void;

/**
 * The event emitter the stream shells extend: `on(event, listener)` (returns the unsubscribe function),
 * `off`, and a protected `emit`, typed by a map of event names to payloads. Not exported from the package.
 */
export class TypedEmitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) (listener as Listener<Events[K]>)(payload);
  }
}
