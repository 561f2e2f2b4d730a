import { buildBindConfirm, buildControlPacket } from '@leitung/session';
import { decodeMediaPacket, encodeMediaHeader } from '@leitung/wire';
import { describe, expect, it } from 'vitest';
import {
  type MediaDecision,
  type MediaEndpoint,
  MediaRouter,
  type MediaRouterOptions,
} from '../src/core/index.js';
import { crypto } from './support/keys.js';

const T0 = 1_700_000_000_000;
const A = { address: '192.0.2.1', port: 4000 };
const B = { address: '192.0.2.2', port: 5000 };
const X = { address: '198.51.100.66', port: 4000 };

function setup(options: Partial<MediaRouterOptions> = {}) {
  const router = new MediaRouter({
    crypto,
    maxPacketSize: 1200,
    packetsPerSide: { perSecond: 100, burst: 10 },
    unconfirmedControlPerSession: { perSecond: 50, burst: 20 },
    bindTimeoutMs: 5000,
    idleTimeoutMs: 10_000,
    maxSessions: 10,
    ...options,
  });
  const grant = router.allocate('call-1', T0)!;
  const bind = (
    side: 'caller' | 'callee',
    counter: number,
    options: { token?: Uint8Array; nowMs?: number; kind?: 'BIND' | 'KEEPALIVE' } = {},
  ) =>
    buildControlPacket(crypto, {
      kind: options.kind ?? 'BIND',
      token: options.token ?? (side === 'caller' ? grant.callerToken : grant.calleeToken),
      sessionId: grant.sessionId,
      side,
      counter,
      nowMs: options.nowMs ?? T0,
    });
  const data = (
    direction: 'caller-to-callee' | 'callee-to-caller',
    size = 180,
    sessionId = grant.sessionId,
  ) => {
    const packet = new Uint8Array(size);
    packet.set(encodeMediaHeader({ type: 'DATA', direction, sessionId, sequence: 1, timestamp: 2 }));
    return packet;
  };
  const tokenOf = (side: 'caller' | 'callee') => (side === 'caller' ? grant.callerToken : grant.calleeToken);
  /** The BIND_CONFIRM answering `challenge` (a 'challenged' reply) with `counter`. */
  const confirm = (
    side: 'caller' | 'callee',
    counter: number,
    challenge: MediaDecision,
    options: { token?: Uint8Array; nowMs?: number } = {},
  ) => {
    if (challenge.kind !== 'reply' || challenge.binding !== 'challenged') throw new Error('not a challenge');
    return buildBindConfirm(crypto, {
      token: options.token ?? tokenOf(side),
      sessionId: grant.sessionId,
      side,
      counter,
      nowMs: options.nowMs ?? T0,
      nonce: decodeMediaPacket(challenge.bytes).body,
    });
  };
  /** BIND (counter) → challenge → BIND_CONFIRM (counter + 1) from `from`; returns the final decision. */
  const bindFully = (side: 'caller' | 'callee', counter: number, from: MediaEndpoint, now = T0) => {
    const challenge = router.datagram(bind(side, counter, { nowMs: now }), from, now);
    return router.datagram(confirm(side, counter + 1, challenge, { nowMs: now }), from, now);
  };
  return { router, grant, bind, data, confirm, bindFully };
}

describe('MediaRouter (docs/session-protocol.md §4)', () => {
  it('binds both sides with BIND → BIND_CHALLENGE → BIND_CONFIRM and forwards DATA only between them', () => {
    const { router, bind, data, confirm, bindFully } = setup();
    const challenge = router.datagram(bind('caller', 1), A, T0);
    expect(challenge).toMatchObject({
      kind: 'reply',
      address: A.address,
      port: A.port,
      binding: 'challenged',
    });
    if (challenge.kind !== 'reply') throw new Error('unreachable');
    // The challenge is no larger than the BIND and echoes its counter; nothing is bound yet.
    expect(challenge.bytes.length).toBe(bind('caller', 1).length);
    expect(decodeMediaPacket(challenge.bytes)).toMatchObject({ type: 'BIND_CHALLENGE', sequence: 1 });
    expect(router.datagram(data('caller-to-callee'), A, T0)).toEqual({ kind: 'drop', reason: 'unbound' });
    const ack = router.datagram(confirm('caller', 2, challenge), A, T0);
    expect(ack).toMatchObject({ kind: 'reply', address: A.address, port: A.port, binding: 'bound' });
    if (ack.kind !== 'reply') throw new Error('unreachable');
    expect(decodeMediaPacket(ack.bytes)).toMatchObject({ type: 'BIND_ACK', sequence: 2 });
    expect(router.datagram(data('caller-to-callee'), A, T0)).toEqual({
      kind: 'drop',
      reason: 'peer-unbound',
    });
    // A later BIND from the confirmed address is acknowledged at once.
    expect(router.datagram(bind('caller', 3), A, T0)).toMatchObject({ kind: 'reply', binding: 'refreshed' });
    expect(router.binds).toBe(1);
    bindFully('callee', 1, B);
    expect(router.datagram(data('caller-to-callee'), A, T0)).toEqual({ kind: 'forward', ...B });
    expect(router.datagram(data('callee-to-caller'), B, T0)).toEqual({ kind: 'forward', ...A });
    // Direction must match the source: the caller cannot send as the callee.
    expect(router.datagram(data('callee-to-caller'), A, T0)).toEqual({
      kind: 'drop',
      reason: 'wrong-source',
    });
    expect(router.forwardedPackets).toBe(2);
  });

  it('the DATA fast path returns a prepared decision (no allocation per packet)', () => {
    const { router, data, bindFully } = setup();
    bindFully('caller', 1, A);
    bindFully('callee', 1, B);
    const packet = data('caller-to-callee');
    expect(router.datagram(packet, A, T0)).toBe(router.datagram(packet, A, T0));
  });

  it('drops, before any cryptography: oversize, malformed, unknown session, unbound and spoofed sources', () => {
    const { router, data, bindFully } = setup();
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(1201), 'oversize'],
      [new Uint8Array(29), 'malformed'],
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x21 : b)), 'malformed'], // version 2
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 1 ? 0x02 : b)), 'malformed'], // reserved flag
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x17 : b)), 'malformed'], // type 7
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x13 : b)), 'unexpected-type'], // BIND_ACK
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x15 : b)), 'unexpected-type'], // BIND_CHALLENGE
      [data('caller-to-callee', 180, 12345), 'unknown-session'],
      [data('caller-to-callee'), 'unbound'],
    ];
    for (const [packet, reason] of cases)
      expect(router.datagram(packet, A, T0)).toEqual({ kind: 'drop', reason });
    bindFully('caller', 1, A);
    expect(router.datagram(data('caller-to-callee'), X, T0)).toEqual({
      kind: 'drop',
      reason: 'wrong-source',
    });
    expect(router.drops).toMatchObject({
      oversize: 1,
      malformed: 4,
      'unexpected-type': 2,
      'unknown-session': 1,
      unbound: 1,
      'wrong-source': 1,
    });
  });

  it('refuses BINDs with a wrong token, a stale clock or a used counter; a replay cannot move the binding', () => {
    const { router, bind, grant, bindFully, confirm } = setup();
    expect(router.datagram(bind('caller', 1, { token: grant.calleeToken }), X, T0)).toEqual({
      kind: 'drop',
      reason: 'bad-token',
    });
    expect(router.datagram(bind('caller', 1, { nowMs: T0 - 31_000 }), A, T0)).toEqual({
      kind: 'drop',
      reason: 'clock-skew',
    });
    expect(router.datagram(bind('caller', 1, { nowMs: T0 + 31_000 }), A, T0)).toEqual({
      kind: 'drop',
      reason: 'clock-skew',
    });
    expect(bindFully('caller', 4, A)).toMatchObject({ binding: 'bound' });
    const captured = bind('caller', 6);
    expect(router.datagram(captured, A, T0).kind).toBe('reply');
    expect(router.datagram(captured, X, T0 + 1000)).toEqual({ kind: 'drop', reason: 'replayed-counter' });
    expect(router.datagram(bind('caller', 4), X, T0)).toEqual({ kind: 'drop', reason: 'replayed-counter' });
    // A fresh BIND from a new address moves nothing by itself; its confirmation does (NAT rebinding).
    const challenge = router.datagram(bind('caller', 7), X, T0);
    expect(challenge).toMatchObject({ kind: 'reply', binding: 'challenged', ...X });
    expect(router.rebinds).toBe(0);
    expect(router.datagram(confirm('caller', 8, challenge), X, T0)).toMatchObject({
      kind: 'reply',
      binding: 'rebound',
      ...X,
    });
    expect(router.rebinds).toBe(1);
  });

  it('a valid BIND from a forged address never moves the binding nor sends it anything but one challenge', () => {
    const { router, bind, data, bindFully, confirm, grant } = setup();
    bindFully('caller', 1, A);
    bindFully('callee', 1, B);
    // The caller (who holds its token) sends a BIND whose source is the victim V.
    const V = { address: '203.0.113.9', port: 7000 };
    const forged = bind('caller', 3);
    const challenge = router.datagram(forged, V, T0);
    expect(challenge).toMatchObject({ kind: 'reply', binding: 'challenged', ...V });
    if (challenge.kind !== 'reply') throw new Error('unreachable');
    expect(challenge.bytes.length).toBeLessThanOrEqual(forged.length);
    // The callee's media still goes to A, never to V.
    expect(router.datagram(data('callee-to-caller'), B, T0)).toEqual({ kind: 'forward', ...A });
    // The attacker does not see the challenge (it went to V): a confirm from V with a guessed nonce, or
    // with the nonce of A's address, or the right nonce from another address, is refused.
    const guessed = { kind: 'reply', bytes: new Uint8Array(30).fill(1), binding: 'challenged' } as const;
    guessed.bytes.set(challenge.bytes.subarray(0, 14));
    expect(router.datagram(confirm('caller', 4, { ...guessed, address: '', port: 0 }), V, T0)).toEqual({
      kind: 'drop',
      reason: 'bad-nonce',
    });
    const forA = router.datagram(bind('caller', 5), { ...A, port: A.port + 1 }, T0);
    expect(router.datagram(confirm('caller', 6, forA), V, T0)).toEqual({ kind: 'drop', reason: 'bad-nonce' });
    expect(router.datagram(confirm('caller', 7, challenge), X, T0)).toEqual({
      kind: 'drop',
      reason: 'bad-nonce',
    });
    // The other side's token does not confirm it either.
    expect(router.datagram(confirm('caller', 8, challenge, { token: grant.calleeToken }), V, T0)).toEqual({
      kind: 'drop',
      reason: 'bad-token',
    });
    expect(router.datagram(data('callee-to-caller'), B, T0)).toEqual({ kind: 'forward', ...A });
    // A nonce expires: 10–20 s after it was issued.
    const late = router.datagram(bind('caller', 9), V, T0);
    expect(router.datagram(confirm('caller', 10, late, { nowMs: T0 + 20_000 }), V, T0 + 20_000)).toEqual({
      kind: 'drop',
      reason: 'bad-nonce',
    });
    expect(router.rebinds).toBe(0);
  });

  it('a connection (a WebSocket leg) binds with BIND → BIND_ACK; its wrong token or replayed counter still binds nothing', () => {
    const { router, grant, bind, data, bindFully } = setup();
    const leg = { address: 'ws:1', port: 0, connected: true };
    expect(router.datagram(bind('caller', 1, { token: grant.calleeToken }), leg, T0)).toMatchObject({
      kind: 'drop',
      reason: 'bad-token',
    });
    const ack = router.datagram(bind('caller', 2), leg, T0);
    expect(ack).toMatchObject({ kind: 'reply', address: 'ws:1', port: 0, binding: 'bound' });
    expect(ack.kind === 'reply' && decodeMediaPacket(ack.bytes).type).toBe('BIND_ACK');
    expect(router.datagram(bind('caller', 2), leg, T0)).toMatchObject({
      kind: 'drop',
      reason: 'replayed-counter',
    });
    // The same address without the flag is an unproven one, as from UDP: challenged, nothing moves.
    const other = { address: 'ws:2', port: 0 };
    expect(router.datagram(bind('caller', 3), other, T0)).toMatchObject({ binding: 'challenged' });
    expect(bindFully('callee', 1, B)).toMatchObject({ binding: 'bound' });
    expect(router.datagram(data('caller-to-callee'), leg, T0)).toMatchObject({ kind: 'forward', ...B });
    expect(router.datagram(data('callee-to-caller'), B, T0)).toMatchObject({
      kind: 'forward',
      address: 'ws:1',
    });
  });

  it('accepts KEEPALIVE only from the bound address; it refreshes without moving', () => {
    const { router, bind, bindFully } = setup();
    bindFully('caller', 1, A);
    expect(router.datagram(bind('caller', 3, { kind: 'KEEPALIVE' }), X, T0)).toEqual({
      kind: 'drop',
      reason: 'wrong-source',
    });
    expect(router.datagram(bind('caller', 4, { kind: 'KEEPALIVE' }), A, T0)).toEqual({ kind: 'refresh' });
  });

  it('enforces the per-side packet rate', () => {
    const { router, data, bindFully } = setup({ packetsPerSide: { perSecond: 50, burst: 5 } });
    bindFully('caller', 1, A);
    bindFully('callee', 1, B);
    const packet = data('caller-to-callee');
    const verdicts = Array.from({ length: 8 }, () => router.datagram(packet, A, T0).kind);
    expect(verdicts.filter((v) => v === 'forward')).toHaveLength(3); // BIND and BIND_CONFIRM took one each
    expect(router.drops.rate).toBe(5);
    // The other direction has its own bucket.
    expect(router.datagram(data('callee-to-caller'), B, T0).kind).toBe('forward');
    expect(router.datagram(packet, A, T0 + 100).kind).toBe('forward');
  });

  it("junk control packets naming the session never take the sides' DATA budget", () => {
    const { router, bind, data, bindFully, grant } = setup({
      packetsPerSide: { perSecond: 50, burst: 5 },
      // Binding both sides takes 4 (BIND and BIND_CONFIRM each), 3 are left for junk.
      unconfirmedControlPerSession: { perSecond: 10, burst: 7 },
    });
    bindFully('caller', 1, A);
    bindFully('callee', 1, B);
    const junkToken = new Uint8Array(32).fill(0xee);
    // Junk from unconfirmed addresses: the session's unconfirmed bucket, then refused before any HMAC.
    const verdicts = Array.from({ length: 10 }, (_, i) =>
      router.datagram(bind('caller', 100 + i, { token: junkToken }), X, T0),
    );
    expect(verdicts.filter((v) => v.kind === 'drop' && v.reason === 'bad-token')).toHaveLength(3);
    expect(router.drops['unconfirmed-rate']).toBe(7);
    // Junk spoofing the confirmed address fails its HMAC and is charged to nothing.
    for (let i = 0; i < 10; i++) router.datagram(bind('caller', 200 + i, { token: junkToken }), A, T0);
    expect(router.drops['bad-token']).toBe(13);
    // The caller's DATA budget is intact: the burst minus BIND and BIND_CONFIRM.
    const forwarded = Array.from({ length: 5 }, () => router.datagram(data('caller-to-callee'), A, T0).kind);
    expect(forwarded.filter((v) => v === 'forward')).toHaveLength(3);
    // A real BIND from the confirmed address still works during the flood (no unconfirmed bucket).
    expect(router.datagram(bind('caller', 300, { token: grant.callerToken }), A, T0 + 1000)).toMatchObject({
      binding: 'refreshed',
    });
  });

  it('expires sessions never bound and sessions gone idle; release erases the tokens', () => {
    const { router, data, grant, bindFully } = setup();
    const second = router.allocate('call-2', T0)!;
    bindFully('caller', 1, A);
    bindFully('callee', 1, B);
    expect(router.expire(T0 + 5000)).toEqual([
      { sessionId: second.sessionId, callKey: 'call-2', reason: 'bind-timeout' },
    ]);
    router.datagram(data('caller-to-callee'), A, T0 + 9000);
    expect(router.expire(T0 + 18_999)).toEqual([]);
    expect(router.expire(T0 + 19_000)).toEqual([
      { sessionId: grant.sessionId, callKey: 'call-1', reason: 'idle' },
    ]);
    expect(router.sessionCount).toBe(0);
    expect(router.datagram(data('caller-to-callee'), A, T0)).toEqual({
      kind: 'drop',
      reason: 'unknown-session',
    });
  });

  it('allocates unique random session ids up to the cap', () => {
    const { router } = setup({ maxSessions: 3 });
    const ids = new Set([router.allocate('a', T0)?.sessionId, router.allocate('b', T0)?.sessionId]);
    expect(ids.size).toBe(2);
    expect(router.allocate('c', T0)).toBeUndefined();
  });
});
