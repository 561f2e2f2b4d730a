/**
 * Stop-gap: the Client's shell (also behind `@leitung/client/browser`) still calls `timer.unref()` on its
 * timers and `setImmediate`, which browsers lack — a page's call would throw without this. In a page
 * there is no process to keep alive, so `unref` does nothing, and `setImmediate` is a zero-delay task.
 * Remove once the shell stops using Node's timer API.
 */
type Immediate = (callback: (...args: unknown[]) => void, ...args: unknown[]) => unknown;

if (!('unref' in Number.prototype)) {
  Object.defineProperty(Number.prototype, 'unref', {
    value(this: number) {
      return this;
    },
  });
}
const scope = globalThis as { setImmediate?: Immediate };
scope.setImmediate ??= (callback, ...args) => setTimeout(callback, 0, ...args);
