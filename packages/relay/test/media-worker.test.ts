/**
 * The media worker (docs/relay.md "Media worker"): with the media plane on its own thread, a relay whose main
 * loop is blocked — as by a burst of RSA-4096 registrations — keeps forwarding. The same measurement on the
 * relay's own loop shows the stall, so the test fails if the media ever moves back onto that loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RelayErrorCode } from '../src/index.js';
import { batchedMediaAvailable } from '../src/shell/media-socket.js';
import { BLOCK_MS, largestGapWhileBlocked, stopPeerThreads } from './support/blocked-loop.js';
import { useFixture } from './support/fixture.js';

const fx = useFixture();
afterEach(stopPeerThreads);

describe('media worker (docs/relay.md "Media worker")', () => {
  it('a blocked control loop does not stall media on the worker thread', async () => {
    const relay = await fx.relay({ mediaThread: 'worker' });
    const { sent, received, largestGapMs } = await largestGapWhileBlocked(relay);
    // Media kept flowing: a sizeable run, nearly all of it forwarded, and no gap near the block's length.
    expect(sent).toBeGreaterThan(100);
    expect(received).toBeGreaterThanOrEqual(Math.floor(sent * 0.95));
    expect(largestGapMs).toBeLessThan(BLOCK_MS / 3);
  });

  it('control: on the relay’s own loop the same block stalls media', async () => {
    // The addon's batched path and node:dgram run the media on the loop; the native plane does not (its own
    // test is in native-media-plane.test.ts).
    const mediaIo = batchedMediaAvailable('127.0.0.1') ? 'batched' : 'dgram';
    const relay = await fx.relay({ mediaThread: 'main', mediaIo });
    const { largestGapMs } = await largestGapWhileBlocked(relay);
    expect(largestGapMs).toBeGreaterThan(BLOCK_MS / 2);
  });

  it('is refused with a WebSocket listener (its media legs are routed on the control loop)', async () => {
    await expect(fx.relay({ mediaThread: 'worker', webSocket: { port: 0 } })).rejects.toMatchObject({
      code: RelayErrorCode.Unsupported,
    });
  });
});
