/**
 * Attacks on the media plane's control packets, against a real relay on 127.0.0.1 with real UDP sockets
 * (docs/session-protocol.md §4.2 return routability, §4.3 control-packet budgets).
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { MediaReceiver, MediaSender } from '@leitung/session';
import { decodeMediaPacket, encodeMediaHeader } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { establishedCall } from './support/established-call.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { useMediaPeers } from './support/media-peer.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const fx = useFixture();
const peer = useMediaPeers();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const typeOf = (datagram: Uint8Array) => decodeMediaPacket(datagram).type;

describe('return routability of BIND (docs/session-protocol.md §4.2)', () => {
  it('a party with its valid token cannot point the call’s media at an address that never asked', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(fx, relay, alice, bob);
    const pa = await peer();
    const pb = await peer();
    await pa.establish(call.aliceGrant, relay);
    await pb.establish(call.bobGrant, relay);
    // Alice holds her token and forges a BIND whose source is the victim's address. Without raw sockets the
    // forgery is modelled by sending it from the victim's socket; the victim never sends anything itself and
    // Alice never sees what the relay sends there.
    const victim = await peer('127.0.0.5');
    const forged = pa.bind(call.aliceGrant);
    victim.send(forged, relay);
    expect(await victim.waitFor(1, 1000)).toBe(1);
    // Alice cannot confirm blind: a guessed nonce from the victim's address is refused.
    const guessed = decodeMediaPacket(victim.received[0]!).header;
    const blind = new Uint8Array(30);
    blind.set(guessed);
    blind.set(crypto.randomBytes(16), 14);
    victim.send(pa.confirm(call.aliceGrant, blind), relay);
    // Bob talks: ~94 KB of media.
    const sender = new MediaSender(crypto, call.bobKeys, call.bobGrant.sessionId);
    const receiver = new MediaReceiver(crypto, call.aliceKeys, call.aliceGrant.sessionId);
    let sentBytes = 0;
    for (let i = 0; i < 100; i++) {
      const datagram = sender.seal({ sequence: i, timestamp: i * 960, payload: new Uint8Array(900).fill(i) });
      sentBytes += datagram.length;
      pb.send(datagram, relay);
      if (i % 10 === 9) await sleep(5);
    }
    expect(sentBytes).toBeGreaterThan(94_000);
    // All of it reaches Alice's confirmed address…
    expect(await pa.waitFor(2 + 100, 5000)).toBe(102);
    expect(pa.received.slice(2).map((d) => receiver.open(d).sequence)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    // …and the victim got one BIND_CHALLENGE no larger than the BIND, and not one byte of media.
    await sleep(100);
    expect(victim.received.map(typeOf)).toEqual(['BIND_CHALLENGE']);
    expect(victim.received[0]!.length).toBeLessThanOrEqual(forged.length);
    expect(relay.core.media.rebinds).toBe(0);
    expect(relay.core.media.drops['bad-nonce']).toBe(1);
  });

  it('NAT rebinding: the new address answers the challenge and media moves; the old one keeps it until then', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(fx, relay, alice, bob);
    const pa = await peer();
    const pb = await peer();
    await pa.establish(call.aliceGrant, relay);
    await pb.establish(call.bobGrant, relay);
    const sender = new MediaSender(crypto, call.bobKeys, call.bobGrant.sessionId);
    const data = (sequence: number) => sender.seal({ sequence, timestamp: 0, payload: new Uint8Array(40) });
    // Alice's NAT gives her a new public address (a new socket here).
    const moved = await peer('127.0.0.7');
    moved.send(moved.bind(call.aliceGrant, { counter: 50 }), relay);
    expect(await moved.waitFor(1)).toBe(1);
    expect(typeOf(moved.received[0]!)).toBe('BIND_CHALLENGE');
    // Until the new address is confirmed, media still goes to the old one.
    pb.send(data(0), relay);
    expect(await pa.waitFor(3)).toBe(3);
    moved.send(moved.confirm(call.aliceGrant, moved.received[0]!), relay);
    expect(await moved.waitFor(2)).toBe(2);
    expect(typeOf(moved.received[1]!)).toBe('BIND_ACK');
    expect(relay.core.media.rebinds).toBe(1);
    pb.send(data(1), relay);
    expect(await moved.waitFor(3)).toBe(3);
    expect(typeOf(moved.received[2]!)).toBe('DATA');
    expect(pa.received.length).toBe(3);
  });
});

describe('junk control packets (docs/session-protocol.md §4.3)', () => {
  it('~1 500 junk BIND/s naming a live session id do not starve the side’s DATA (≥ 98 % delivered)', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(fx, relay, alice, bob);
    const pa = await peer();
    const pb = await peer();
    await pa.establish(call.aliceGrant, relay);
    await pb.establish(call.bobGrant, relay);
    const junkers = await Promise.all([10, 11, 12, 13, 14].map((i) => peer(`127.0.0.${i}`)));
    let junkCounter = 1_000;
    // Header fields an observer sees in every packet (session id, the caller's direction), a fresh counter and
    // clock, a random tag: it passes every check but the HMAC.
    const junk = () => {
      const header = encodeMediaHeader({
        type: 'BIND',
        direction: 'caller-to-callee',
        sessionId: call.aliceGrant.sessionId,
        sequence: junkCounter++,
        timestamp: Math.floor(Date.now() / 1000),
      });
      const packet = new Uint8Array(30);
      packet.set(header);
      packet.set(crypto.randomBytes(16), 14);
      return packet;
    };
    const sender = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId);
    const frames = 75; // 1.5 s at 50 packets/s
    const start = Date.now();
    let junkSent = 0;
    for (let i = 0; i < frames; i++) {
      await sleep(Math.max(0, start + i * 20 - Date.now()));
      for (let j = 0; j < 30; j++) junkers[j % junkers.length]!.send(junk(), relay);
      junkSent += 30;
      pa.send(sender.seal({ sequence: i, timestamp: i * 960, payload: new Uint8Array(160) }), relay);
    }
    const elapsed = (Date.now() - start) / 1000;
    await pb.waitFor(2 + frames, 3000);
    const delivered = pb.received.length - 2;
    expect(junkSent / elapsed).toBeGreaterThan(1_200);
    expect(delivered / frames).toBeGreaterThanOrEqual(0.98);
    const drops = relay.core.media.drops;
    // On the native plane DATA is forwarded by the media thread while the junk waits for the loop: give the
    // loop time to finish the queue before counting.
    const deadline = Date.now() + 2000;
    while (drops['unconfirmed-rate'] + drops['bad-token'] < junkSent && Date.now() < deadline)
      await sleep(10);
    expect(drops.rate).toBe(0);
    expect(drops['unconfirmed-rate'] + drops['bad-token']).toBe(junkSent);
    // The HMAC ran only for what the session's unconfirmed-control bucket let through.
    expect(drops['bad-token']).toBeLessThan(200);
    for (const j of junkers) expect(j.received.length).toBe(0);
  });
});
