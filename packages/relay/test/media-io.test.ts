/**
 * The media I/O paths (docs/relay.md "Batched media I/O", "Native media plane"). This file and the other media
 * test files run on every path (vitest.config.ts): the default (the native plane where the addon was built at
 * install), LEITUNG_RELAY_MEDIA_IO=batched (the addon on the event loop), LEITUNG_RELAY_MEDIA_IO=dgram
 * (node:dgram) and the media worker. All must accept, forward and drop exactly the same datagrams.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { MediaSender } from '@leitung/session';
import { beforeAll, describe, expect, it } from 'vitest';
import { RelayErrorCode } from '../src/index.js';
import { batchedMediaAvailable } from '../src/shell/media-socket.js';
import { establishedCall } from './support/established-call.js';
import { mediaIoUnderTest, useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { useMediaPeers } from './support/media-peer.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const fx = useFixture();
const peer = useMediaPeers();

/**
 * Waits until `read()` returns `expected` (or 2 s passed) and returns the last value: a relay with its media
 * on a worker thread reports its counters every 50 ms.
 */
async function settled<T>(read: () => T, expected: T): Promise<T> {
  const deadline = Date.now() + 2000;
  while (read() !== expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return read();
}

/** The path the relays of this run must take: `auto` is the native plane where the addon is built. */
const expectedIo =
  mediaIoUnderTest() === 'dgram' || !batchedMediaAvailable('127.0.0.1')
    ? 'dgram'
    : mediaIoUnderTest() === 'batched'
      ? 'batched'
      : 'native';

/** A relay with a call whose two sides are bound, and a generous packet rate (bursts of hundreds). */
async function boundCall() {
  const relay = await fx.relay({ limits: { mediaPacketsPerSide: { perSecond: 10_000, burst: 2_000 } } });
  const call = await establishedCall(fx, relay, alice, bob);
  const [pa, pb] = [await peer(), await peer()];
  await pa.establish(call.aliceGrant, relay);
  await pb.establish(call.bobGrant, relay);
  const sender = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId);
  return { relay, call, pa, pb, sender };
}

/** Whether this Node has the headers the install-time build compiles against (scripts/build-native.mjs). */
const headersPresent = existsSync(join(dirname(process.execPath), '..', 'include', 'node', 'node_api.h'));

describe(`media I/O (${expectedIo})`, () => {
  // A silent build failure would leave CI testing only the fallback; where CI has what the build needs,
  // the addon must be there.
  it.runIf(process.env.CI === 'true' && process.platform === 'linux' && headersPresent)(
    'CI: npm ci built the batched addon',
    () => {
      expect(batchedMediaAvailable('127.0.0.1')).toBe(true);
    },
  );

  it('the relay moves datagrams on the path under test', async () => {
    if (expectedIo === 'dgram' && mediaIoUnderTest() !== 'dgram') {
      process.stderr.write('media-io.test: the batched addon is not built here; only node:dgram is tested\n');
    }
    const relay = await fx.relay();
    expect(relay.mediaIo).toBe(expectedIo);
  });

  it('bursts of 100 DATA (more than one batch each) arrive complete, in order and byte for byte', async () => {
    const { relay, pa, pb, sender } = await boundCall();
    const sent = Array.from({ length: 600 }, (_, i) =>
      sender.seal({ sequence: i, timestamp: i * 960, payload: new Uint8Array(160).fill(i & 255) }),
    );
    const before = pb.received.length;
    // 100 at a time: a whole burst must fit the receiving test socket's default buffer (~208 KiB, ~170
    // datagrams), which the batched relay fills faster than this process drains it.
    for (let burst = 0; burst < sent.length; burst += 100) {
      for (const datagram of sent.slice(burst, burst + 100)) pa.send(datagram, relay);
      expect(await pb.waitFor(before + burst + 100, 5000)).toBe(before + burst + 100);
    }
    const received = pb.received.slice(before).map((b) => new Uint8Array(b));
    expect(received).toEqual(sent);
    expect(await settled(() => relay.core.media.forwardedPackets, 600)).toBe(600);
  });

  it('junk mixed into the same batches is dropped by reason; the valid DATA around it is forwarded', async () => {
    const { relay, pa, pb, sender } = await boundCall();
    const stranger = await peer('127.0.0.21');
    const before = pb.received.length;
    const valid = [];
    for (let i = 0; i < 100; i++) {
      const datagram = sender.seal({ sequence: i, timestamp: 0, payload: new Uint8Array(100) });
      valid.push(datagram);
      pa.send(datagram, relay);
      // The same bytes from an address that is not the caller's confirmed one, a header naming no session,
      // a datagram longer than any media packet and one longer than a receive slot.
      stranger.send(datagram, relay);
      const unknown = datagram.slice();
      unknown[2] = (unknown[2]! + 1) & 255;
      if (i % 10 === 0) pa.send(unknown, relay);
      if (i % 25 === 0) pa.send(new Uint8Array(1201).fill(0x11), relay);
      if (i % 50 === 0) pa.send(new Uint8Array(9000).fill(0x11), relay);
    }
    expect(await pb.waitFor(before + valid.length, 5000)).toBe(before + valid.length);
    // Give stray packets time to arrive if they were (wrongly) forwarded.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pb.received.slice(before).map((b) => new Uint8Array(b))).toEqual(valid);
    const drops = relay.core.media.drops;
    expect(await settled(() => drops['wrong-source'], 100)).toBe(100);
    expect(await settled(() => drops.oversize, 6)).toBe(6);
    expect(await settled(() => drops['unknown-session'], 10)).toBe(10);
    expect(stranger.received).toHaveLength(0);
  });

  it('mediaIo batched on an IPv6 host is RELAY_ERR_UNSUPPORTED (the addon is IPv4 only)', async () => {
    await expect(fx.relay({ host: '::1', mediaIo: 'batched' })).rejects.toMatchObject({
      code: RelayErrorCode.Unsupported,
    });
  });
});
