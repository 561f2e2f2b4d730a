/**
 * Stop-gap until `@leitung/client/browser` (a node-free Client) is used: the Node Client's shell calls
 * `timer.unref()` on its timers and `setImmediate`, which browsers lack. In a page there is no process to
 * keep alive, so `unref` does nothing, and `setImmediate` is a zero-delay task.
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
