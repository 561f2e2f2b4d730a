import { buildControlPacket } from '@leitung/session';
import { encodeMediaHeader } from '@leitung/wire';
import { describe, expect, it } from 'vitest';
import { MediaRouter, type MediaRouterOptions } from '../src/index.js';
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
  return { router, grant, bind, data };
}

describe('MediaRouter (docs/session-protocol.md §4)', () => {
  it('binds both sides with valid BINDs and forwards DATA only between the bound addresses', () => {
    const { router, bind, data } = setup();
    const ack = router.datagram(bind('caller', 1), A, T0);
    expect(ack).toMatchObject({ kind: 'reply', address: A.address, port: A.port, binding: 'bound' });
    expect(router.datagram(data('caller-to-callee'), A, T0)).toEqual({
      kind: 'drop',
      reason: 'peer-unbound',
    });
    router.datagram(bind('callee', 1), B, T0);
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
    const { router, bind, data } = setup();
    router.datagram(bind('caller', 1), A, T0);
    router.datagram(bind('callee', 1), B, T0);
    const packet = data('caller-to-callee');
    expect(router.datagram(packet, A, T0)).toBe(router.datagram(packet, A, T0));
  });

  it('drops, before any cryptography: oversize, malformed, unknown session, unbound and spoofed sources', () => {
    const { router, bind, data } = setup();
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(1201), 'oversize'],
      [new Uint8Array(29), 'malformed'],
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x21 : b)), 'malformed'], // version 2
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 1 ? 0x02 : b)), 'malformed'], // reserved flag
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x15 : b)), 'malformed'], // type 5
      [Uint8Array.from(data('caller-to-callee'), (b, i) => (i === 0 ? 0x13 : b)), 'unexpected-type'], // BIND_ACK
      [data('caller-to-callee', 180, 12345), 'unknown-session'],
      [data('caller-to-callee'), 'unbound'],
    ];
    for (const [packet, reason] of cases)
      expect(router.datagram(packet, A, T0)).toEqual({ kind: 'drop', reason });
    router.datagram(bind('caller', 1), A, T0);
    expect(router.datagram(data('caller-to-callee'), X, T0)).toEqual({
      kind: 'drop',
      reason: 'wrong-source',
    });
    expect(router.drops).toMatchObject({
      oversize: 1,
      malformed: 4,
      'unexpected-type': 1,
      'unknown-session': 1,
      unbound: 1,
      'wrong-source': 1,
    });
  });

  it('refuses BINDs with a wrong token, a stale clock or a used counter; a replay cannot move the binding', () => {
    const { router, bind, grant } = setup();
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
    const captured = bind('caller', 5);
    expect(router.datagram(captured, A, T0).kind).toBe('reply');
    expect(router.datagram(captured, X, T0 + 1000)).toEqual({ kind: 'drop', reason: 'replayed-counter' });
    expect(router.datagram(bind('caller', 4), X, T0)).toEqual({ kind: 'drop', reason: 'replayed-counter' });
    // A fresh BIND from a new address moves the binding (NAT rebinding).
    expect(router.datagram(bind('caller', 6), X, T0)).toMatchObject({ kind: 'reply', binding: 'rebound' });
    expect(router.rebinds).toBe(1);
  });

  it('accepts KEEPALIVE only from the bound address; it refreshes without moving', () => {
    const { router, bind } = setup();
    router.datagram(bind('caller', 1), A, T0);
    expect(router.datagram(bind('caller', 2, { kind: 'KEEPALIVE' }), X, T0)).toEqual({
      kind: 'drop',
      reason: 'wrong-source',
    });
    expect(router.datagram(bind('caller', 3, { kind: 'KEEPALIVE' }), A, T0)).toEqual({ kind: 'refresh' });
  });

  it('enforces the per-side packet rate', () => {
    const { router, bind, data } = setup({ packetsPerSide: { perSecond: 50, burst: 5 } });
    router.datagram(bind('caller', 1), A, T0);
    router.datagram(bind('callee', 1), B, T0);
    const packet = data('caller-to-callee');
    const verdicts = Array.from({ length: 8 }, () => router.datagram(packet, A, T0).kind);
    expect(verdicts.filter((v) => v === 'forward')).toHaveLength(4); // the BIND took one token
    expect(router.drops.rate).toBe(4);
    // The other direction has its own bucket.
    expect(router.datagram(data('callee-to-caller'), B, T0).kind).toBe('forward');
    expect(router.datagram(packet, A, T0 + 100).kind).toBe('forward');
  });

  it('expires sessions never bound and sessions gone idle; release erases the tokens', () => {
    const { router, bind, data, grant } = setup();
    const second = router.allocate('call-2', T0)!;
    router.datagram(bind('caller', 1), A, T0);
    router.datagram(bind('callee', 1), B, T0);
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
