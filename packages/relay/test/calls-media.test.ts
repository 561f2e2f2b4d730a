import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf, MediaReceiver, MediaSender } from '@leitung/session';
import { encodeMediaHeader, type MediaGrant } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../src/index.js';
import { establishedCall as establishCall } from './support/established-call.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { type MediaPeer, useMediaPeers } from './support/media-peer.js';
import type { TestClient } from './support/test-client.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let carol: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([key('alice'), key('bob'), key('carol')]);
});

const fx = useFixture();
const peer = useMediaPeers();

async function registered(relay: Relay, privateKey: RsaPrivateKey, name: string): Promise<TestClient> {
  const client = await fx.client(relay);
  await client.register(privateKey, name, relay.fingerprint);
  return client;
}

const idOf = (k: RsaPrivateKey) => clientIdOf(crypto, k.publicKey);

/** Alice calls Bob, Bob accepts; both hold media keys and grants. */
const establishedCall = (relay: Relay) => establishCall(fx, relay, alice, bob);

async function bindPeer(relay: Relay, p: MediaPeer, grant: MediaGrant): Promise<void> {
  await p.establish(grant, relay);
}

describe('call routing (docs/design.md §5)', () => {
  it('routes request → incoming call (caller from the authenticated channel) → accept → grants', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    expect(call.incoming.caller).toEqual(idOf(alice));
    expect(call.incoming.callerName).toBe('alice');
    expect(call.aliceGrant.sessionId).toBe(call.bobGrant.sessionId);
    expect(call.aliceGrant.side).toBe('caller');
    expect(call.bobGrant.side).toBe('callee');
    expect(call.aliceGrant.token).not.toEqual(call.bobGrant.token);
    expect(relay.core.media.hasSession(call.aliceGrant.sessionId)).toBe(true);
    // Hang-up: forwarded to the other side; call and media session are gone (docs/lessons.md #22).
    call.a.send({ type: 'CALL_END', callId: call.callId, reason: 'hangup' });
    expect(await call.b.next('CALL_END')).toMatchObject({ reason: 'hangup' });
    expect(relay.core.callCount).toBe(0);
    expect(relay.core.media.sessionCount).toBe(0);
  });

  it('answers offline, busy, reject and ring timeout; refuses responses from non-parties', async () => {
    const relay = await fx.relay({ limits: { ringTimeoutMs: 300 } });
    const a = await registered(relay, alice, 'alice');
    const b = await registered(relay, bob, 'bob');
    const c = await registered(relay, carol, 'carol');
    const callId = (n: number) => new Uint8Array(16).fill(n);
    const request = (from: TestClient, id: number, callee: RsaPrivateKey) =>
      from.send({
        type: 'CALL_REQUEST',
        callId: callId(id),
        callee: idOf(callee),
        sealedCallData: new Uint8Array(8),
      });

    // Offline: a registered key that is not connected.
    c.close();
    await c.closed;
    await a.next('PHONEBOOK_DELTA');
    await new Promise((r) => setTimeout(r, 50));
    request(a, 1, carol);
    expect(await a.next('CALL_END')).toMatchObject({ callId: callId(1), reason: 'offline' });

    // Reject.
    request(a, 2, bob);
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId: callId(2), decision: 'reject' });
    expect(await a.next('CALL_RESPONSE')).toMatchObject({ decision: 'reject' });
    expect(relay.core.callCount).toBe(0);

    // Only the callee may answer; a stranger's CALL_END is refused.
    request(a, 3, bob);
    await b.next('INCOMING_CALL');
    a.send({ type: 'CALL_RESPONSE', callId: callId(3), decision: 'accept', ephemeral: new Uint8Array(32) });
    expect(await a.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_UNKNOWN_CALL', fatal: false });

    // Call waiting: Bob is ringing; a second call rings him as well, stated as from carol, and his busy answer
    // reaches carol. Bob's own call stays his (it rings on below until its timeout).
    const c2 = await registered(relay, carol, 'carol');
    request(c2, 4, bob);
    expect(await b.next('INCOMING_CALL')).toMatchObject({
      callId: callId(4),
      caller: idOf(carol),
      callerName: 'carol',
    });
    b.send({ type: 'CALL_RESPONSE', callId: callId(4), decision: 'busy' });
    expect(await c2.next('CALL_RESPONSE')).toMatchObject({ callId: callId(4), decision: 'busy' });
    // A waiting call cannot be accepted while the callee is in another call: it ends busy for the caller.
    request(c2, 5, bob);
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId: callId(5), decision: 'accept', ephemeral: new Uint8Array(32) });
    expect(await b.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_CALL_ACTIVE', fatal: false });
    expect(await c2.next('CALL_END')).toMatchObject({ callId: callId(5), reason: 'busy' });
    expect(relay.core.media.sessionCount).toBe(0);
    // A waiting call whose callee goes away ends for its caller as offline.
    request(c2, 6, bob);
    await b.next('INCOMING_CALL');
    expect(relay.core.callCount).toBe(2);

    // Ring timeout: both sides hear about it (the waiting call times out too); nothing is left.
    expect(await a.next('CALL_END', 3000)).toMatchObject({ callId: callId(3), reason: 'timeout' });
    expect(await b.next('CALL_END', 3000)).toMatchObject({ reason: 'timeout' });
    expect(await c2.next('CALL_END', 3000)).toMatchObject({ callId: callId(6), reason: 'timeout' });
    expect(relay.core.callCount).toBe(0);
  });

  it('a waiting call ends for its caller as offline when the busy callee disconnects', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    const c = await registered(relay, carol, 'carol');
    const waitingId = new Uint8Array(16).fill(9);
    c.send({ type: 'CALL_REQUEST', callId: waitingId, callee: idOf(bob), sealedCallData: new Uint8Array(8) });
    expect(await call.b.next('INCOMING_CALL')).toMatchObject({ callId: waitingId, callerName: 'carol' });
    call.b.close();
    expect(await c.next('CALL_END')).toMatchObject({ callId: waitingId, reason: 'offline' });
    expect(await call.a.next('CALL_END')).toMatchObject({ reason: 'offline' });
    expect(relay.core.callCount).toBe(0);
  });

  it('a disconnect mid-call ends it for the other side and frees the media session', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    call.b.close();
    expect(await call.a.next('CALL_END')).toMatchObject({ reason: 'offline' });
    expect(relay.core.callCount).toBe(0);
    expect(relay.core.media.sessionCount).toBe(0);
  });
});

describe('media forwarding (docs/design.md §5 step 5, docs/lessons.md #13)', () => {
  it('forwards DATA verbatim between the bound addresses; only the peer can decrypt', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    const pa = await peer();
    const pb = await peer();
    await bindPeer(relay, pa, call.aliceGrant);
    await bindPeer(relay, pb, call.bobGrant);
    const sender = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId);
    const receiver = new MediaReceiver(crypto, call.bobKeys, call.bobGrant.sessionId);
    const frame = new TextEncoder().encode('twenty milliseconds of audio');
    const datagram = sender.seal({ sequence: 0, timestamp: 960, payload: frame });
    const before = pb.received.length;
    pa.send(datagram, relay);
    expect(await pb.waitFor(before + 1)).toBe(before + 1);
    const forwarded = pb.received[before]!;
    expect(new Uint8Array(forwarded)).toEqual(datagram);
    expect(receiver.open(forwarded).payload).toEqual(frame);
    const back = new MediaSender(crypto, call.bobKeys, call.bobGrant.sessionId).seal({
      sequence: 0,
      timestamp: 0,
      payload: frame,
    });
    const beforeA = pa.received.length;
    pb.send(back, relay);
    expect(await pa.waitFor(beforeA + 1)).toBe(beforeA + 1);
  });

  it('ignores a BIND with a wrong token: no ack, no binding', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    const intruder = await peer('127.0.0.3');
    intruder.send(intruder.bind(call.aliceGrant, { token: call.bobGrant.token }), relay);
    intruder.send(intruder.bind(call.aliceGrant, { token: new Uint8Array(32).fill(7) }), relay);
    expect(await intruder.waitFor(1, 300)).toBe(0);
    expect(relay.core.media.drops['bad-token']).toBe(2);
    // The intruder's DATA is not forwarded to Bob: its address is not bound.
    const pb = await peer();
    await bindPeer(relay, pb, call.bobGrant);
    const count = pb.received.length;
    intruder.send(
      new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId).seal({
        sequence: 0,
        timestamp: 0,
        payload: new Uint8Array(20),
      }),
      relay,
    );
    expect(await pb.waitFor(count + 1, 300)).toBe(count);
    expect(relay.core.media.drops.unbound).toBe(1);
  });

  it('does not forward a packet from an unbound address, even with the right session and direction', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    const pa = await peer();
    const pb = await peer();
    await bindPeer(relay, pa, call.aliceGrant);
    await bindPeer(relay, pb, call.bobGrant);
    const spoofer = await peer('127.0.0.4');
    const count = pb.received.length;
    const datagram = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId).seal({
      sequence: 5,
      timestamp: 0,
      payload: new Uint8Array(40),
    });
    spoofer.send(datagram, relay);
    // Unknown session and junk are dropped too, and counted by reason.
    const junkHeader = encodeMediaHeader({
      type: 'DATA',
      direction: 'caller-to-callee',
      sessionId: (call.aliceGrant.sessionId + 1) >>> 0,
      sequence: 0,
      timestamp: 0,
    });
    spoofer.send(new Uint8Array([...junkHeader, ...new Uint8Array(16)]), relay);
    spoofer.send(new Uint8Array(2000), relay);
    spoofer.send(new Uint8Array(10), relay);
    expect(await pb.waitFor(count + 1, 300)).toBe(count);
    const drops = relay.core.media.drops;
    expect(drops['wrong-source']).toBe(1);
    expect(drops['unknown-session']).toBe(1);
    expect(drops.oversize).toBe(1);
    expect(drops.malformed).toBe(1);
    // The bound sender still gets through.
    pa.send(datagram, relay);
    expect(await pb.waitFor(count + 1)).toBe(count + 1);
  });

  it('a BIND replayed from another address does not move the binding', async () => {
    const relay = await fx.relay();
    const call = await establishedCall(relay);
    const pa = await peer();
    const pb = await peer();
    const capturedBind = pa.bind(call.aliceGrant);
    pa.send(capturedBind, relay);
    expect(await pa.waitFor(1)).toBe(1);
    pa.send(pa.confirm(call.aliceGrant, pa.received[0]!), relay);
    expect(await pa.waitFor(2)).toBe(2);
    await bindPeer(relay, pb, call.bobGrant);
    const attacker = await peer('127.0.0.5');
    attacker.send(capturedBind, relay);
    expect(await attacker.waitFor(1, 300)).toBe(0);
    expect(relay.core.media.drops['replayed-counter']).toBe(1);
    // Bob's packets still go to Alice's real address, not to the attacker.
    const count = pa.received.length;
    pb.send(
      new MediaSender(crypto, call.bobKeys, call.bobGrant.sessionId).seal({
        sequence: 0,
        timestamp: 0,
        payload: new Uint8Array(30),
      }),
      relay,
    );
    expect(await pa.waitFor(count + 1)).toBe(count + 1);
    expect(attacker.received.length).toBe(0);
    // A fresh BIND (new counter) from a new address moves it once the address answers the challenge.
    const moved = await peer('127.0.0.6');
    moved.send(moved.bind(call.aliceGrant, { counter: 10 }), relay);
    expect(await moved.waitFor(1)).toBe(1);
    expect(relay.core.media.rebinds).toBe(0);
    moved.send(moved.confirm(call.aliceGrant, moved.received[0]!), relay);
    expect(await moved.waitFor(2)).toBe(2);
    expect(relay.core.media.rebinds).toBe(1);
  });
});
