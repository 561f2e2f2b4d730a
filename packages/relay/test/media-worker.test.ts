/**
 * The media worker (docs/relay.md "Media worker"): with the media plane on its own thread, a relay whose main
 * loop is blocked — as by a burst of RSA-4096 registrations — keeps forwarding. The same measurement on the
 * relay's own loop shows the stall, so the test fails if the media ever moves back onto that loop.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { type Relay, RelayErrorCode } from '../src/index.js';
import { useFixture } from './support/fixture.js';

const fx = useFixture();
const threads: Worker[] = [];
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
});

const BLOCK_MS = 600;

/** Binds a caller and a callee from a thread of their own, blocks this thread for BLOCK_MS while the caller
 * sends every 5 ms, and returns the largest gap between two packets arriving at the callee. */
async function largestGapWhileBlocked(relay: Relay): Promise<{ received: number; largestGapMs: number }> {
  const grant = relay.core.media.allocate('blocked-loop', Date.now());
  if (grant === undefined) throw new Error('no media session');
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  const thread = new Worker(fileURLToPath(new URL('./support/media-peers-thread.mjs', import.meta.url)), {
    workerData: {
      host: relay.host,
      port: relay.mediaPort,
      sessionId: grant.sessionId,
      tokens: [hex(grant.callerToken), hex(grant.calleeToken)],
      sendMs: 1500,
    },
  });
  threads.push(thread);
  const messages: { type: string; received?: number; largestGapMs?: number }[] = [];
  const waitFor = (type: string) =>
    new Promise<{ received: number; largestGapMs: number }>((resolve, reject) => {
      const check = () => {
        const found = messages.find((m) => m.type === type);
        if (found) resolve(found as { received: number; largestGapMs: number });
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

describe('media worker (docs/relay.md "Media worker")', () => {
  it('a blocked control loop does not stall media on the worker thread', async () => {
    const relay = await fx.relay({ mediaThread: 'worker' });
    const { received, largestGapMs } = await largestGapWhileBlocked(relay);
    expect(received).toBeGreaterThan(200);
    expect(largestGapMs).toBeLessThan(BLOCK_MS / 3);
  });

  it('control: on the relay’s own loop the same block stalls media', async () => {
    const relay = await fx.relay({ mediaThread: 'main' });
    const { largestGapMs } = await largestGapWhileBlocked(relay);
    expect(largestGapMs).toBeGreaterThan(BLOCK_MS / 2);
  });

  it('is refused with a WebSocket listener (its media legs are routed on the control loop)', async () => {
    await expect(fx.relay({ mediaThread: 'worker', webSocket: { port: 0 } })).rejects.toMatchObject({
      code: RelayErrorCode.Unsupported,
    });
  });
});
