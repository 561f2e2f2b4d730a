/**
 * MediaChannelCore on its own (docs/design.md §5, docs/session-protocol.md §4): BIND with backoff until a valid
 * BIND_ACK, KEEPALIVE, re-BIND, the packet cipher and the replay window, and what it drops.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { buildBindChallenge, buildControlPacket, verifyControlPacket } from '@leitung/session';
import { decodeMediaPacket, type MediaGrant } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { MediaChannelCore } from '../src/core.js';
import { codeOf, crypto, key, mediaKeyPair } from './support/fixtures.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const T0 = 1_800_000_000_000;

function channels() {
  const keys = mediaKeyPair(alice, bob);
  const grant = (side: 'caller' | 'callee', sessionId = 77): MediaGrant => ({
    type: 'MEDIA_GRANT',
    callId: keys.callId,
    sessionId,
    token: new Uint8Array(32).fill(side === 'caller' ? 1 : 2),
    side,
    expiresAt: T0 + 60_000,
  });
  const caller = new MediaChannelCore({
    crypto,
    keys: keys.caller,
    grant: grant('caller'),
    keepaliveIntervalMs: 1_000,
  });
  const callee = new MediaChannelCore({ crypto, keys: keys.callee, grant: grant('callee') });
  return { keys, grant, caller, callee };
}

/** The relay's answer to a BIND: a BIND_ACK echoing its counter, under `token`. */
function ackFor(bind: Uint8Array, token: Uint8Array, side: 'caller' | 'callee'): Uint8Array {
  const packet = decodeMediaPacket(bind);
  return buildControlPacket(crypto, {
    kind: 'BIND_ACK',
    token,
    sessionId: packet.sessionId,
    side,
    counter: packet.sequence,
    nowMs: T0,
  });
}

function bound(channel: MediaChannelCore, token: Uint8Array, side: 'caller' | 'callee'): void {
  const [bind] = channel.bind(T0);
  expect(channel.receive(ackFor(bind!, token, side), T0)).toEqual({
    kind: 'bound',
    sessionId: channel.sessionId,
  });
}

describe('MediaChannelCore', () => {
  it('retries BIND with growing delays and gives up after the last attempt', () => {
    const { caller } = channels();
    const [first] = caller.bind(T0);
    expect(decodeMediaPacket(first!)).toMatchObject({
      type: 'BIND',
      sessionId: 77,
      sequence: 1,
      direction: 'caller-to-callee',
    });
    const times: number[] = [];
    const counters: number[] = [];
    let now = T0;
    for (;;) {
      now = caller.nextTimeout()!;
      const { datagrams, failed } = caller.tick(now);
      if (failed) break;
      times.push(now);
      counters.push(decodeMediaPacket(datagrams[0]!).sequence);
    }
    expect(counters).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const gaps = [times[0]! - T0, ...times.slice(1).map((t, i) => t - times[i]!)];
    expect(gaps).toEqual([200, 400, 800, 1600, 2000, 2000, 2000, 2000, 2000]);
    expect(caller.failed).toBe(true);
    expect(caller.nextTimeout()).toBeUndefined();
  });

  it('accepts only a BIND_ACK under its token that echoes a BIND of the current round', () => {
    const { caller, grant } = channels();
    const token = grant('caller').token;
    const [bind] = caller.bind(T0);
    expect(caller.receive(ackFor(bind!, new Uint8Array(32).fill(9), 'caller'), T0)).toEqual({
      kind: 'dropped',
      reason: 'auth',
    });
    expect(caller.receive(ackFor(bind!, token, 'callee'), T0)).toEqual({
      kind: 'dropped',
      reason: 'not-for-us',
    });
    // A later round (address change) makes the old ACK stale.
    caller.receive(ackFor(bind!, token, 'caller'), T0);
    expect(caller.bound).toBe(true);
    const [rebind] = caller.addressChanged(T0 + 10);
    expect(caller.bound).toBe(false);
    expect(caller.receive(ackFor(bind!, token, 'caller'), T0 + 10)).toEqual({
      kind: 'dropped',
      reason: 'stale-ack',
    });
    expect(caller.receive(ackFor(rebind!, token, 'caller'), T0 + 10).kind).toBe('bound');
    expect(caller.receive(new Uint8Array([1, 2, 3]), T0)).toEqual({ kind: 'dropped', reason: 'malformed' });
  });

  it('answers a BIND_CHALLENGE of the current round once per BIND with a BIND_CONFIRM; its ACK binds', () => {
    const { caller, grant } = channels();
    const token = grant('caller').token;
    const nonce = new Uint8Array(16).fill(0x3c);
    const challenge = (counter: number, side: 'caller' | 'callee' = 'caller') =>
      buildBindChallenge({ sessionId: 77, side, counter, nowMs: T0, nonce });
    const [bind] = caller.bind(T0);
    expect(caller.receive(challenge(1, 'callee'), T0)).toEqual({ kind: 'dropped', reason: 'not-for-us' });
    const answer = caller.receive(challenge(1), T0);
    if (answer.kind !== 'challenged') throw new Error(`expected a challenge answer, got ${answer.kind}`);
    const confirm = decodeMediaPacket(answer.datagrams[0]!);
    expect(confirm).toMatchObject({ type: 'BIND_CONFIRM', sequence: 2, sessionId: 77 });
    expect(confirm.body.subarray(0, 16)).toEqual(nonce);
    expect(verifyControlPacket(crypto, token, confirm)).toBe(true);
    // One answer per BIND: a repeated (or forged) challenge for the same BIND is ignored.
    expect(caller.receive(challenge(1), T0)).toEqual({ kind: 'dropped', reason: 'stale-challenge' });
    // A challenge for a BIND never sent is ignored.
    expect(caller.receive(challenge(9), T0)).toEqual({ kind: 'dropped', reason: 'stale-challenge' });
    // The retry's challenge is answered (the first confirm may have been lost).
    const retry = caller.tick(caller.nextTimeout()!).datagrams[0]!;
    expect(decodeMediaPacket(retry).sequence).toBe(3);
    expect(caller.receive(challenge(3), T0).kind).toBe('challenged');
    // The ACK of the confirm binds; challenges after that are stale.
    expect(caller.receive(ackFor(answer.datagrams[0]!, token, 'caller'), T0).kind).toBe('bound');
    expect(caller.receive(challenge(3), T0)).toEqual({ kind: 'dropped', reason: 'stale-challenge' });
    expect(bind).toBeDefined();
  });

  it('sends KEEPALIVE while bound', () => {
    const { caller, grant } = channels();
    bound(caller, grant('caller').token, 'caller');
    expect(caller.nextTimeout()).toBe(T0 + 1_000);
    const { datagrams } = caller.tick(T0 + 1_000);
    expect(decodeMediaPacket(datagrams[0]!)).toMatchObject({ type: 'KEEPALIVE', sequence: 2 });
    expect(caller.tick(T0 + 1_500).datagrams).toEqual([]);
  });

  it('seals frames only when bound and with increasing sequence numbers; the peer opens them once', () => {
    const { caller, callee, grant } = channels();
    const frame = (sequence: number) => ({
      sequence,
      timestamp: sequence * 960,
      payload: new Uint8Array([sequence, 42]),
    });
    expect(caller.send(frame(0))).toBeUndefined();
    expect(caller.stats.dropped.unbound).toBe(1);
    bound(caller, grant('caller').token, 'caller');
    bound(callee, grant('callee').token, 'callee');
    const first = caller.send(frame(0))!;
    const second = caller.send(frame(1))!;
    expect(caller.send(frame(1))).toBeUndefined();
    expect(caller.stats.dropped.sequence).toBe(1);
    expect(callee.receive(second, T0)).toEqual({ kind: 'frame', frame: frame(1), audioStarted: true });
    expect(callee.receive(first, T0)).toEqual({ kind: 'frame', frame: frame(0), audioStarted: false });
    expect(callee.receive(first, T0)).toEqual({ kind: 'dropped', reason: 'replay' });
    const forged = first.slice();
    forged[forged.length - 1]! ^= 1;
    expect(callee.receive(forged, T0)).toEqual({ kind: 'dropped', reason: 'auth' });
    // The caller cannot open its own packets (direction keys differ), nor can anyone with other keys.
    expect(caller.receive(first, T0)).toEqual({ kind: 'dropped', reason: 'auth' });
    const other = channels();
    bound(other.callee, other.grant('callee').token, 'callee');
    expect(other.callee.receive(caller.send(frame(2))!, T0)).toEqual({ kind: 'dropped', reason: 'auth' });
    expect(caller.lastSentSequence).toBe(2);
  });

  it('moves to a new grant (CALL_RESUME) with the same keys and sequence', () => {
    const { caller, callee, grant } = channels();
    bound(caller, grant('caller').token, 'caller');
    bound(callee, grant('callee').token, 'callee');
    callee.receive(caller.send({ sequence: 5, timestamp: 0, payload: new Uint8Array([5]) })!, T0);
    const moved = { ...grant('caller', 99), token: new Uint8Array(32).fill(7) };
    const [bind] = caller.rebind(moved, T0);
    expect(decodeMediaPacket(bind!).sessionId).toBe(99);
    expect(caller.send({ sequence: 6, timestamp: 0, payload: new Uint8Array([6]) })).toBeUndefined();
    caller.receive(ackFor(bind!, moved.token, 'caller'), T0);
    const next = caller.send({ sequence: 6, timestamp: 0, payload: new Uint8Array([6]) })!;
    expect(decodeMediaPacket(next).sessionId).toBe(99);
    callee.rebind({ ...grant('callee', 99) }, T0);
    expect(callee.receive(next, T0)).toMatchObject({ kind: 'frame', frame: { sequence: 6 } });
    expect(codeOf(() => caller.rebind(grant('callee', 100), T0))).toBe('CLIENT_ERR_PROTOCOL');
  });

  it('refuses a grant for the other side and stops after close', () => {
    const { keys, grant } = channels();
    expect(codeOf(() => new MediaChannelCore({ crypto, keys: keys.caller, grant: grant('callee') }))).toBe(
      'CLIENT_ERR_PROTOCOL',
    );
    const channel = new MediaChannelCore({ crypto, keys: keys.caller, grant: grant('caller') });
    channel.bind(T0);
    channel.close();
    expect(channel.tick(T0 + 10_000).datagrams).toEqual([]);
    expect(channel.bind(T0)).toEqual([]);
    expect(channel.receive(new Uint8Array(30), T0)).toEqual({ kind: 'dropped', reason: 'closed' });
  });
});
