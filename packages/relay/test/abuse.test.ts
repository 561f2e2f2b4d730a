import { connect, type Socket } from 'node:net';
import type { RsaPrivateKey } from '@leitung/crypto';
import { MediaReceiver, MediaSender } from '@leitung/session';
import { decodeMessage, encodeFrame } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyDirectory, RelayCore, type RelayOutput } from '../src/core/index.js';
import { MemoryDirectoryStore } from '../src/testing.js';
import { establishedCall } from './support/established-call.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { MediaPeer } from './support/media-peer.js';

let relayKey: RsaPrivateKey;
let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let mallory: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, alice, bob, mallory] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('mallory'),
  ]);
});

const fx = useFixture();
const sockets: Socket[] = [];
const peers: MediaPeer[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of peers.splice(0)) p.close();
});

function sent(outputs: readonly RelayOutput[]) {
  return outputs.flatMap((o) => (o.kind === 'send' ? [decodeMessage(o.payload)] : []));
}

describe('framing limits (docs/design.md §3, docs/lessons.md #20)', () => {
  it('refuses a 2^32−1 length header after 4 bytes, without allocating anything for it', () => {
    const directory = new LocalKeyDirectory({
      store: new MemoryDirectoryStore(),
      crypto,
      privateKey: relayKey,
      now: () => 0,
    });
    const core = new RelayCore({ crypto, privateKey: relayKey, directory });
    core.connectionOpened(1, '10.0.0.1', 0);
    expect(sent(core.bytesReceived(1, new Uint8Array([0xff, 0xff, 0xff]), 1))).toEqual([]);
    expect(core.bufferedBytes(1)).toBe(0);
    const outputs = core.bytesReceived(1, new Uint8Array([0xff]), 2);
    expect(sent(outputs)).toMatchObject([{ type: 'ERROR', code: 'WIRE_ERR_FRAME_TOO_LARGE', fatal: true }]);
    expect(outputs.some((o) => o.kind === 'close' && o.connId === 1)).toBe(true);
    expect(core.connectionCount).toBe(0);
    // An acceptable but large announced frame pins memory only as its bytes arrive.
    core.connectionOpened(2, '10.0.0.1', 0);
    core.bytesReceived(2, new Uint8Array([0x00, 0x01, 0x00, 0x00, 1, 2, 3]), 3);
    expect(core.bufferedBytes(2)).toBeLessThanOrEqual(4096);
    // …and times out if it never completes.
    const later = core.tick(core.limits.partialFrameTimeoutMs + 10);
    expect(sent(later)).toMatchObject([{ type: 'ERROR', code: 'RELAY_ERR_PARTIAL_FRAME_TIMEOUT' }]);
  });

  it('over a socket: the oversized header gets a typed ERROR and only that connection closes', async () => {
    const relay = await fx.relay();
    const bystander = await fx.client(relay);
    await bystander.register(alice, 'alice', relay.fingerprint);
    const attacker = await fx.client(relay);
    attacker.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(await attacker.nextPlain()).toMatchObject({
      type: 'ERROR',
      code: 'WIRE_ERR_FRAME_TOO_LARGE',
      fatal: true,
    });
    await attacker.waitClosed();
    bystander.send({ type: 'PING', nonce: new Uint8Array(8), sentAt: 0 });
    await bystander.next('PONG');
  });
});

describe('floods (abuse tests)', () => {
  it('1 000 garbage connections and malformed frames leave a concurrent registration and call working', async () => {
    const relay = await fx.relay();
    const garbage = (i: number): Uint8Array => {
      switch (i % 5) {
        case 0:
          return crypto.randomBytes(64); // random bytes: some huge length header
        case 1:
          return new Uint8Array([0xff, 0xff, 0xff, 0xff]);
        case 2:
          return encodeFrame(crypto.randomBytes(100)); // a frame that does not decode
        case 3:
          return new Uint8Array([0x00, 0x00, 0xf0, 0x00, 1, 2]); // a partial frame, then silence
        default:
          return new Uint8Array(0); // connect and hold
      }
    };
    const flood = async () => {
      const batch = 100;
      for (let start = 0; start < 1000; start += batch) {
        await Promise.all(
          Array.from({ length: batch }, (_, k) => {
            const i = start + k;
            return new Promise<void>((resolve) => {
              const s = connect({
                host: relay.host,
                port: relay.port,
                localAddress: `127.0.0.${2 + (i % 10)}`,
              });
              sockets.push(s);
              s.on('error', () => resolve());
              s.on('connect', () => {
                const bytes = garbage(i);
                if (bytes.length > 0) s.write(bytes);
                resolve();
              });
            });
          }),
        );
      }
    };

    const legit = async () => {
      const {
        aliceKeys,
        bobKeys,
        aliceGrant: ga,
        bobGrant: gb,
      } = await establishedCall(fx, relay, alice, bob);
      const [pa, pb] = [await MediaPeer.open(), await MediaPeer.open()];
      peers.push(pa, pb);
      await Promise.all([pa.establish(ga, relay), pb.establish(gb, relay)]);
      // A malformed-datagram flood at the media port while audio flows.
      const junk = await MediaPeer.open('127.0.0.20');
      peers.push(junk);
      const sender = new MediaSender(crypto, aliceKeys, ga.sessionId);
      const receiver = new MediaReceiver(crypto, bobKeys, gb.sessionId);
      for (let seq = 0; seq < 20; seq++) {
        for (let j = 0; j < 50; j++) junk.send(crypto.randomBytes(20 + j * 10), relay);
        pa.send(
          sender.seal({ sequence: seq, timestamp: seq * 960, payload: new Uint8Array(160).fill(seq) }),
          relay,
        );
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(await pb.waitFor(22, 5000)).toBe(22);
      const frames = pb.received.slice(2).map((d) => receiver.open(d));
      expect(frames.map((f) => f.sequence)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    };

    // A registered client that floods malformed sealed frames is cut off without affecting anyone.
    const flooder = async () => {
      const m = await fx.client(relay);
      await m.register(mallory, 'mallory', relay.fingerprint);
      for (let i = 0; i < 200; i++) m.sendRaw(encodeFrame(crypto.randomBytes(48)));
      await m.waitClosed();
    };

    await Promise.all([flood(), legit(), flooder()]);
    const refusals = relay.core.stats.refusals;
    expect(refusals.get('RELAY_ERR_TOO_MANY_CONNECTIONS')).toBeGreaterThan(0);
    expect(refusals.get('WIRE_ERR_FRAME_TOO_LARGE')).toBeGreaterThan(0);
    expect(refusals.get('RELAY_ERR_CHANNEL_AUTH')).toBe(1);
    // The junk reached the relay and was dropped as malformed or sessionless while the call's 20 frames
    // above arrived intact. Of the 1 000 datagrams only those the kernel delivered can be
    // counted: with the event loop busy with the connection flood, a loaded 2-core machine's socket buffer
    // overflowed and delivered 450 in one CI run. So at least one whole burst (50) must be counted.
    expect(
      relay.core.media.drops.malformed + relay.core.media.drops['unknown-session'],
    ).toBeGreaterThanOrEqual(50);
    // Held connections are bounded per address (DEFAULT: 8 unauthenticated each).
    expect(relay.core.unauthenticatedCount).toBeLessThanOrEqual(
      10 * relay.core.limits.maxUnauthenticatedPerIp,
    );
    expect(relay.core.clientCount).toBe(2);
  });
});
