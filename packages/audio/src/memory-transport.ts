import type { FrameTransport, MediaFrame } from './frame-transport.js';

/**
 * Two connected in-memory transports: what one sends, the other's listeners receive on a later
 * microtask (never synchronously inside `send`), unimpaired. For shells and examples. Closing either
 * end closes the pair.
 */
export function createMemoryTransportPair(): [FrameTransport, FrameTransport] {
  const listeners: [Set<(f: MediaFrame) => void>, Set<(f: MediaFrame) => void>] = [new Set(), new Set()];
  let closed = false;
  const end = (self: 0 | 1): FrameTransport => ({
    send: (frame) => {
      if (closed) return;
      const peer = listeners[self === 0 ? 1 : 0];
      queueMicrotask(() => {
        if (closed) return;
        for (const l of [...peer]) l(frame);
      });
    },
    onFrame: (listener) => {
      listeners[self].add(listener);
      return () => listeners[self].delete(listener);
    },
    close: () => {
      closed = true;
      listeners[0].clear();
      listeners[1].clear();
    },
  });
  return [end(0), end(1)];
}
