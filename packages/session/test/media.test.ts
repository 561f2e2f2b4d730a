import { decodeMediaPacket } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acceptOffer,
  buildBindChallenge,
  buildBindConfirm,
  buildControlPacket,
  CallIdReplayGuard,
  clientIdOf,
  clockSkewMs,
  completeCall,
  createCallOffer,
  type MediaKeys,
  MediaReceiver,
  MediaSender,
  openCallOffer,
  verifyControlPacket,
} from '../src/index.js';
import { codeOf, crypto, key } from './fixtures.js';

let callerKeys: MediaKeys;
let calleeKeys: MediaKeys;

beforeAll(async () => {
  const [alice, bob] = await Promise.all([key('alice'), key('bob')]);
  const offer = createCallOffer({
    crypto,
    caller: { id: clientIdOf(crypto, alice.publicKey), privateKey: alice },
    callee: { id: clientIdOf(crypto, bob.publicKey), publicKey: bob.publicKey },
    codecs: [1],
    now: 0,
  });
  const opened = openCallOffer({
    crypto,
    sealedCallData: offer.sealedCallData,
    statedCallId: offer.callId,
    callee: { id: clientIdOf(crypto, bob.publicKey), privateKey: bob },
    statedCallerId: clientIdOf(crypto, alice.publicKey),
    callerPublicKey: alice.publicKey,
    now: 0,
    replayGuard: new CallIdReplayGuard(),
  });
  const answer = acceptOffer(crypto, opened);
  calleeKeys = answer.keys;
  callerKeys = completeCall(crypto, offer.pending, answer);
});

const frame = (sequence: number) => ({
  sequence,
  timestamp: sequence * 960,
  payload: new Uint8Array(60).fill(sequence & 0xff),
});

describe('DATA packets (docs/session-protocol.md §4)', () => {
  it('decrypt at the other party only', () => {
    const send = new MediaSender(crypto, callerKeys, 42);
    const receive = new MediaReceiver(crypto, calleeKeys, 42);
    const packet = send.seal(frame(1));
    expect(receive.open(packet)).toEqual(frame(1));
    // The sender's own receiver (other direction key) cannot open it.
    const own = new MediaReceiver(crypto, callerKeys, 42);
    expect(codeOf(() => own.open(packet))).toBe('SESSION_ERR_MEDIA_AUTH');
  });

  it('reject a flipped bit anywhere, a replay, another session id', () => {
    const send = new MediaSender(crypto, callerKeys, 7);
    const receive = new MediaReceiver(crypto, calleeKeys, 7);
    const packet = send.seal(frame(5));
    for (let i = 0; i < packet.length; i++) {
      const bad = packet.slice();
      bad[i]! ^= 0x80;
      expect(codeOf(() => receive.open(bad))).toBe('SESSION_ERR_MEDIA_AUTH');
    }
    receive.open(packet);
    expect(codeOf(() => receive.open(packet))).toBe('SESSION_ERR_MEDIA_REPLAY');
    const other = new MediaReceiver(crypto, calleeKeys, 8);
    expect(codeOf(() => other.open(send.seal(frame(6))))).toBe('SESSION_ERR_MEDIA_AUTH');
  });

  it('accept reordering within the window and survive a session id change (failover)', () => {
    const send = new MediaSender(crypto, callerKeys, 1);
    const receive = new MediaReceiver(crypto, calleeKeys, 1);
    const packets = [10, 11, 12, 13].map((n) => send.seal(frame(n)));
    for (const i of [2, 0, 3, 1]) expect(receive.open(packets[i]!).sequence).toBe(10 + i);
    send.rebind(2);
    receive.rebind(2);
    expect(receive.open(send.seal(frame(14))).sequence).toBe(14);
  });

  it('open an already decoded packet with the same checks (one header parse per packet)', () => {
    const send = new MediaSender(crypto, callerKeys, 11);
    const receive = new MediaReceiver(crypto, calleeKeys, 11);
    const packet = decodeMediaPacket(send.seal(frame(20)));
    expect(receive.openPacket(packet)).toEqual(frame(20));
    expect(codeOf(() => receive.openPacket(packet))).toBe('SESSION_ERR_MEDIA_REPLAY');
    const forged = decodeMediaPacket(
      send.seal(frame(21)).map((x, i, all) => (i === all.length - 1 ? x ^ 1 : x)),
    );
    expect(codeOf(() => receive.openPacket(forged))).toBe('SESSION_ERR_MEDIA_AUTH');
    const ack = decodeMediaPacket(
      buildControlPacket(crypto, {
        kind: 'BIND_ACK',
        token: new Uint8Array(32),
        sessionId: 11,
        side: 'callee',
        counter: 1,
        nowMs: 0,
      }),
    );
    expect(codeOf(() => receive.openPacket(ack))).toBe('SESSION_ERR_MEDIA_AUTH');
    const otherSession = decodeMediaPacket(new MediaSender(crypto, callerKeys, 12).seal(frame(22)));
    expect(codeOf(() => receive.openPacket(otherSession))).toBe('SESSION_ERR_MEDIA_AUTH');
  });

  it('identical payloads give different ciphertexts (no static IV, docs/lessons.md #12)', () => {
    const send = new MediaSender(crypto, callerKeys, 3);
    const a = send.seal({ sequence: 1, timestamp: 0, payload: new Uint8Array(64) });
    const b = send.seal({ sequence: 2, timestamp: 0, payload: new Uint8Array(64) });
    expect(a.subarray(14)).not.toEqual(b.subarray(14));
  });
});

describe('BIND / KEEPALIVE / BIND_ACK / BIND_CHALLENGE / BIND_CONFIRM tags', () => {
  const token = new Uint8Array(32).fill(9);
  const input = { token, sessionId: 99, side: 'caller' as const, counter: 3, nowMs: 1_800_000_000_123 };

  it('verify with the right token and kind only', () => {
    const bind = decodeMediaPacket(buildControlPacket(crypto, { ...input, kind: 'BIND' }));
    expect(bind.type).toBe('BIND');
    expect(bind.sequence).toBe(3);
    expect(verifyControlPacket(crypto, token, bind)).toBe(true);
    expect(verifyControlPacket(crypto, new Uint8Array(32), bind)).toBe(false);
    // A BIND_ACK tag cannot be turned into a BIND by rewriting the type nibble.
    const ack = buildControlPacket(crypto, { ...input, kind: 'BIND_ACK' });
    const retyped = ack.slice();
    retyped[0] = (retyped[0]! & 0xf0) | 2;
    expect(verifyControlPacket(crypto, token, decodeMediaPacket(retyped))).toBe(false);
  });

  it('bind the counter and clock: changing either breaks the tag', () => {
    const bytes = buildControlPacket(crypto, { ...input, kind: 'KEEPALIVE' });
    for (const offset of [6, 13]) {
      const bad = bytes.slice();
      bad[offset]! ^= 1;
      expect(verifyControlPacket(crypto, token, decodeMediaPacket(bad))).toBe(false);
    }
  });

  it('BIND_CHALLENGE is as long as a BIND; BIND_CONFIRM covers the echoed nonce with the token', () => {
    const nonce = new Uint8Array(16).fill(0x5a);
    const bind = buildControlPacket(crypto, { ...input, kind: 'BIND' });
    const challenge = buildBindChallenge({
      sessionId: 99,
      side: 'caller',
      counter: 3,
      nowMs: input.nowMs,
      nonce,
    });
    expect(challenge.length).toBe(bind.length);
    expect(decodeMediaPacket(challenge)).toMatchObject({
      type: 'BIND_CHALLENGE',
      sequence: 3,
      sessionId: 99,
    });
    expect(decodeMediaPacket(challenge).body).toEqual(nonce);
    const confirm = decodeMediaPacket(buildBindConfirm(crypto, { ...input, counter: 4, nonce }));
    expect(confirm).toMatchObject({ type: 'BIND_CONFIRM', sequence: 4, direction: 'caller-to-callee' });
    expect(verifyControlPacket(crypto, token, confirm)).toBe(true);
    expect(verifyControlPacket(crypto, new Uint8Array(32), confirm)).toBe(false);
    // Another nonce under the same tag does not verify.
    const swapped = buildBindConfirm(crypto, { ...input, counter: 4, nonce });
    swapped[14]! ^= 1;
    expect(verifyControlPacket(crypto, token, decodeMediaPacket(swapped))).toBe(false);
    // A challenge is not a control packet anyone can verify.
    expect(verifyControlPacket(crypto, token, decodeMediaPacket(challenge))).toBe(false);
    expect(codeOf(() => buildBindConfirm(crypto, { ...input, nonce: new Uint8Array(15) }))).toBe(
      'SESSION_ERR_INVALID_ARGUMENT',
    );
  });

  it('measure clock skew across the 32-bit wrap', () => {
    expect(clockSkewMs(2 ** 32 - 10, (2 ** 32 * 5 + 20) * 1000)).toBe(30_000);
    expect(clockSkewMs(100, (2 ** 32 * 3 + 150) * 1000 + 999)).toBe(50_000);
    expect(clockSkewMs(Math.floor(1_800_000_000_500 / 1000), 1_800_000_000_500)).toBe(0);
  });
});
