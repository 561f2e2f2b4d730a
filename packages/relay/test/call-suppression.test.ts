/**
 * Repeated unanswered calls (docs/relay.md "Repeated calls") against a real relay on 127.0.0.1: one
 * identity ringing a victim again and again (short ring timeout for the test) is refused with
 * RELAY_ERR_CALL_SUPPRESSED after `unansweredCallsPerPair` unanswered calls, the victim is not rung again,
 * and another caller still reaches the victim; an answered call clears the pair's record.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf } from '@leitung/session';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import type { TestClient } from './support/test-client.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let carol: RsaPrivateKey;
let dave: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob, carol, dave] = await Promise.all([key('alice'), key('bob'), key('carol'), key('dave')]);
});

const fx = useFixture();

async function registered(relay: Relay, privateKey: RsaPrivateKey, name: string): Promise<TestClient> {
  const client = await fx.client(relay);
  await client.register(privateKey, name, relay.fingerprint);
  return client;
}

const idOf = (k: RsaPrivateKey) => clientIdOf(crypto, k.publicKey);
let nextCallId = 1;
const freshCallId = () => new Uint8Array(16).fill(nextCallId++ & 0xff);

function ring(from: TestClient, callee: RsaPrivateKey, callId: Uint8Array): void {
  from.send({ type: 'CALL_REQUEST', callId, callee: idOf(callee), sealedCallData: new Uint8Array(4) });
}

describe('repeated unanswered calls (docs/relay.md "Repeated calls")', () => {
  it('after R unanswered calls the caller gets RELAY_ERR_CALL_SUPPRESSED and the victim is not rung; others still reach it', async () => {
    const relay = await fx.relay({
      limits: { ringTimeoutMs: 150, unansweredCallsPerPair: 3, callSuppressionMs: 60_000 },
    });
    const mallory = await registered(relay, alice, 'mallory');
    const victim = await registered(relay, bob, 'victim');
    const friend = await registered(relay, carol, 'friend');

    // Three rings the victim does not answer: each reaches it and ends by ring timeout.
    for (let i = 0; i < 3; i++) {
      const callId = freshCallId();
      ring(mallory, bob, callId);
      expect(await victim.next('INCOMING_CALL')).toMatchObject({ callId });
      expect(await mallory.next('CALL_END', 3000)).toMatchObject({ callId, reason: 'timeout' });
      await victim.next('CALL_END', 3000);
    }
    // The fourth is refused with the typed code; the victim hears nothing.
    const suppressed = freshCallId();
    ring(mallory, bob, suppressed);
    expect(await mallory.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_CALL_SUPPRESSED', fatal: false });
    // Another caller still reaches the victim (and is the only INCOMING_CALL it gets).
    const fromFriend = freshCallId();
    ring(friend, bob, fromFriend);
    const incoming = await victim.next('INCOMING_CALL');
    expect(incoming.callId).toEqual(fromFriend);
    expect(victim.pending().filter((m) => m.type === 'INCOMING_CALL')).toEqual([]);
    expect(victim.history.filter((m) => m.type === 'INCOMING_CALL')).toHaveLength(4);
    // A cancelled ring (the caller hangs up while ringing) also counts as unanswered.
    friend.send({ type: 'CALL_END', callId: fromFriend, reason: 'hangup' });
    await victim.next('CALL_END');
  }, 20_000);

  it('an answered call clears the record; rejections and cancellations count', async () => {
    const relay = await fx.relay({
      limits: { ringTimeoutMs: 5_000, unansweredCallsPerPair: 2, callSuppressionMs: 60_000 },
    });
    const a = await registered(relay, alice, 'alice');
    const b = await registered(relay, bob, 'bob');
    // One rejection, then an answered call: the count starts again.
    let callId = freshCallId();
    ring(a, bob, callId);
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId, decision: 'reject', ephemeral: new Uint8Array(32).fill(2) });
    await a.next('CALL_RESPONSE');
    callId = freshCallId();
    ring(a, bob, callId);
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId, decision: 'accept', ephemeral: new Uint8Array(32).fill(2) });
    await a.next('MEDIA_GRANT');
    a.send({ type: 'CALL_END', callId, reason: 'hangup' });
    await b.next('CALL_END');
    // Now a cancellation and a rejection: two unanswered → suppressed.
    callId = freshCallId();
    ring(a, bob, callId);
    await b.next('INCOMING_CALL');
    a.send({ type: 'CALL_END', callId, reason: 'hangup' });
    await b.next('CALL_END');
    callId = freshCallId();
    ring(a, bob, callId);
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId, decision: 'reject', ephemeral: new Uint8Array(32).fill(2) });
    await a.next('CALL_RESPONSE');
    ring(a, bob, freshCallId());
    expect(await a.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_CALL_SUPPRESSED' });
    // The other direction is a different pair.
    callId = freshCallId();
    ring(b, alice, callId);
    expect(await a.next('INCOMING_CALL')).toMatchObject({ callId });
  }, 20_000);

  it('the back-off ends after callSuppressionMs; maxRingingCalls caps calls ringing at once', async () => {
    const relay = await fx.relay({
      limits: { ringTimeoutMs: 1_000, unansweredCallsPerPair: 1, callSuppressionMs: 300, maxRingingCalls: 1 },
    });
    const a = await registered(relay, alice, 'alice');
    const b = await registered(relay, bob, 'bob');
    const c = await registered(relay, carol, 'carol');
    await registered(relay, dave, 'dave');
    let callId = freshCallId();
    const placedAt = Date.now();
    ring(a, bob, callId);
    await b.next('INCOMING_CALL');
    // While alice → bob rings, no other call may ring (cap of 1).
    ring(c, dave, freshCallId());
    expect(await c.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED', fatal: false });
    // Alice cancels: unanswered; the back-off lasts until 300 ms after that call's ring deadline.
    a.send({ type: 'CALL_END', callId, reason: 'hangup' });
    await b.next('CALL_END');
    ring(a, bob, freshCallId());
    expect(await a.next('ERROR')).toMatchObject({ code: 'RELAY_ERR_CALL_SUPPRESSED' });
    await new Promise((r) => setTimeout(r, Math.max(0, placedAt + 1_000 + 300 + 100 - Date.now())));
    callId = freshCallId();
    ring(a, bob, callId);
    expect(await b.next('INCOMING_CALL')).toMatchObject({ callId });
  }, 20_000);
});
