/**
 * A call's media measured while the relay's control loop is blocked (docs/relay.md "Media worker", "Native
 * media plane"): a caller and a callee bind from a thread of their own, this thread blocks for BLOCK_MS the way
 * back-to-back RSA work does while the caller sends every 5 ms, and the largest gap between two packets
 * arriving at the callee is returned.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Relay } from '../../src/index.js';

const threads: Worker[] = [];

/** Stops the peer threads started so far (afterEach). */
export async function stopPeerThreads(): Promise<void> {
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
}

export const BLOCK_MS = 600;

/** Binds a caller and a callee from a thread of their own, blocks this thread for BLOCK_MS while the caller
 * sends every 5 ms (for 1.5 s), and returns how many packets it sent, how many arrived at the callee and the
 * largest gap between two arrivals. On a loaded machine the thread's 5 ms timer fires less often: count
 * arrivals against `sent`, not against the 300 an idle machine sends. */
export async function largestGapWhileBlocked(
  relay: Relay,
): Promise<{ sent: number; received: number; largestGapMs: number }> {
  const grant = relay.core.media.allocate('blocked-loop', Date.now());
  if (grant === undefined) throw new Error('no media session');
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const thread = new Worker(fileURLToPath(new URL('./media-peers-thread.mjs', import.meta.url)), {
    workerData: {
      host: relay.host,
      port: relay.mediaPort,
      sessionId: grant.sessionId,
      tokens: [hex(grant.callerToken), hex(grant.calleeToken)],
      sendMs: 1500,
    },
  });
  threads.push(thread);
  const messages: { type: string; sent?: number; received?: number; largestGapMs?: number }[] = [];
  const waitFor = (type: string) =>
    new Promise<{ sent: number; received: number; largestGapMs: number }>((resolve, reject) => {
      const check = () => {
        const found = messages.find((m) => m.type === type);
        if (found) resolve(found as { sent: number; received: number; largestGapMs: number });
        else setTimeout(check, 5);
      };
      thread.once('error', reject);
      check();
    });
  thread.on('message', (m) => messages.push(m));
  await waitFor('bound');
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Blocks this thread (the relay's control loop) the way back-to-back RSA work does.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCK_MS);
  return waitFor('done');
}
