import type { RsaPrivateKey } from '@leitung/crypto';
import { ClientHandshake, clientIdOf } from '@leitung/session';
import { encodeMessage } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { Blocklist } from '../src/core/index.js';
import type { RelayLimits } from '../src/index.js';
import { Harness, type Peer, registerFull } from './support/harness.js';
import { crypto, key } from './support/keys.js';

let relayKey: RsaPrivateKey;
let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
let carol: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, alice, bob, carol] = await Promise.all([key('relay'), key('alice'), key('bob'), key('carol')]);
});

const harness = (limits: Partial<RelayLimits> = {}, blocklist?: Blocklist) =>
  new Harness(relayKey, { limits, ...(blocklist ? { blocklist } : {}) });
const errorCode = (peer: Peer) =>
  peer.inbox.find((m) => m.type === 'ERROR')?.type === 'ERROR'
    ? (peer.inbox.find((m) => m.type === 'ERROR') as { code: string }).code
    : undefined;
const ping = { type: 'PING' as const, nonce: new Uint8Array(8), sentAt: 0 };

describe('RelayCore timeouts (injected clock)', () => {
  it('closes a connection that does not finish the handshake in time', () => {
    const h = harness({ handshakeTimeoutMs: 5000 });
    const idle = h.open();
    h.tick(4999);
    expect(idle.closed).toBeUndefined();
    h.tick(1);
    expect(idle.closed).toBe('RELAY_ERR_HANDSHAKE_TIMEOUT');
    expect(errorCode(idle)).toBe('RELAY_ERR_HANDSHAKE_TIMEOUT');
  });

  it('closes an established connection that stays silent past the idle timeout; PING keeps it alive', () => {
    const h = harness({ idleTimeoutMs: 10_000 });
    const a = registerFull(h, alice, 'alice');
    const b = registerFull(h, bob, 'bob');
    h.tick(6000);
    h.send(a, ping);
    h.tick(6000);
    expect(a.closed).toBeUndefined();
    expect(b.closed).toBe('RELAY_ERR_IDLE_TIMEOUT');
    expect(h.take(a, 'PHONEBOOK_DELTA').changes[0]?.kind).toBe('added');
  });

  it('closes a connection whose partial frame never completes', () => {
    const h = harness({ partialFrameTimeoutMs: 2000 });
    const a = registerFull(h, alice, 'alice');
    h.apply(h.core.bytesReceived(a.connId, new Uint8Array([0, 0, 1, 0, 9]), h.now));
    h.tick(1999);
    expect(a.closed).toBeUndefined();
    h.tick(1);
    expect(a.closed).toBe('RELAY_ERR_PARTIAL_FRAME_TIMEOUT');
  });
});

describe('RelayCore connection caps and rate limits', () => {
  it('caps connections per IP and unauthenticated connections per IP', () => {
    const h = harness({ maxConnectionsPerIp: 3, maxUnauthenticatedPerIp: 2 });
    const [c1, c2, c3] = [h.open('198.51.100.1'), h.open('198.51.100.1'), h.open('198.51.100.1')];
    expect([c1.closed, c2.closed]).toEqual([undefined, undefined]);
    expect(c3.closed).toBe('RELAY_ERR_TOO_MANY_CONNECTIONS');
    expect(h.open('198.51.100.2').closed).toBeUndefined();
    // An established client frees its unauthenticated slot, but still counts against the per-IP total.
    registerFull(h, alice, 'alice', '198.51.100.3');
    registerFull(h, bob, 'bob', '198.51.100.3');
    expect(h.open('198.51.100.3').closed).toBeUndefined();
    expect(h.open('198.51.100.3').closed).toBe('RELAY_ERR_TOO_MANY_CONNECTIONS');
    expect(h.core.stats.refusals.get('RELAY_ERR_TOO_MANY_CONNECTIONS')).toBe(2);
  });

  it('evicts the oldest unauthenticated connection when the global cap is reached', () => {
    const h = harness({ maxUnauthenticated: 3 });
    const peers = [1, 2, 3].map((i) => h.open(`203.0.113.${i}`));
    const newcomer = h.open('203.0.113.9');
    expect(peers[0]!.closed).toBe('RELAY_ERR_EVICTED');
    expect(peers[1]!.closed).toBeUndefined();
    expect(newcomer.closed).toBeUndefined();
    expect(h.core.unauthenticatedCount).toBe(3);
  });

  it('rate-limits registrations per IP (fatal) and lookups per identity (typed, not fatal)', () => {
    const h = harness({
      handshakesPerIp: { perSecond: 1, burst: 2 },
      lookupsPerIdentity: { perSecond: 1, burst: 3 },
    });
    const a = registerFull(h, alice, 'alice', '192.0.2.7');
    registerFull(h, bob, 'bob', '192.0.2.7');
    const third = registerFull(h, carol, 'carol', '192.0.2.7');
    expect(third.closed).toBe('RELAY_ERR_RATE_LIMITED');
    for (let i = 0; i < 3; i++)
      h.send(a, { type: 'GET_PUBLIC_KEY', requestId: i, target: { by: 'name', name: 'bob' } });
    h.send(a, { type: 'GET_PUBLIC_KEY', requestId: 3, target: { by: 'name', name: 'bob' } });
    expect(a.inbox.filter((m) => m.type === 'PUBLIC_KEY')).toHaveLength(3);
    expect(h.take(a, 'ERROR')).toMatchObject({ requestId: 3, code: 'RELAY_ERR_RATE_LIMITED', fatal: false });
    expect(a.closed).toBeUndefined();
    h.tick(1000);
    h.send(a, { type: 'GET_PUBLIC_KEY', requestId: 4, target: { by: 'name', name: 'bob' } });
    expect(a.inbox.filter((m) => m.type === 'PUBLIC_KEY')).toHaveLength(4);
    // After the bucket refills, the address may register again.
    h.tick(2000);
    expect(registerFull(h, carol, 'carol', '192.0.2.7').channel).toBeDefined();
  });

  it('rate-limits call requests per identity', () => {
    const h = harness({ callsPerIdentity: { perSecond: 0.1, burst: 1 } });
    const a = registerFull(h, alice, 'alice');
    registerFull(h, bob, 'bob');
    const request = (n: number) => ({
      type: 'CALL_REQUEST' as const,
      callId: new Uint8Array(16).fill(n),
      callee: new Uint8Array(32),
      sealedCallData: new Uint8Array(1),
    });
    h.send(a, request(1));
    h.send(a, request(2));
    expect(h.take(a, 'CALL_END')).toMatchObject({ reason: 'offline' });
    expect(h.take(a, 'ERROR')).toMatchObject({ code: 'RELAY_ERR_RATE_LIMITED', fatal: false });
  });
});

describe('RelayCore blocklists (docs/design.md §6)', () => {
  it('refuses blocked addresses at connect and blocked keys at REGISTER', () => {
    const fingerprint = crypto.fingerprint(bob.publicKey);
    const h = harness({}, Blocklist.parse(`198.18.0.0/15\nkey ${fingerprint}\n`));
    expect(h.open('198.19.1.1').closed).toBe('RELAY_ERR_BLOCKED');
    const b = registerFull(h, bob, 'bob');
    expect(b.closed).toBe('RELAY_ERR_BLOCKED');
    expect(h.directory.size()).toBe(0);
    expect(registerFull(h, alice, 'alice').channel).toBeDefined();
  });

  it('a reloaded blocklist closes connections it now blocks and leaves the others alone', () => {
    const h = harness();
    const a = registerFull(h, alice, 'alice', '192.0.2.10');
    const b = registerFull(h, bob, 'bob', '192.0.2.11');
    const c = registerFull(h, carol, 'carol', '192.0.2.12');
    h.apply(
      h.core.setBlocklist(Blocklist.parse(`192.0.2.10\n${crypto.fingerprint(bob.publicKey)}\n`), h.now),
    );
    expect(a.closed).toBe('RELAY_ERR_BLOCKED');
    expect(b.closed).toBe('RELAY_ERR_BLOCKED');
    expect(c.closed).toBeUndefined();
    h.send(c, ping);
    expect(h.take(c, 'PONG').nonce).toEqual(ping.nonce);
  });
});

describe('RelayCore protocol state', () => {
  it('refuses messages a client may never send, and REGISTER after the handshake', () => {
    const h = harness();
    const a = registerFull(h, alice, 'alice');
    h.send(a, {
      type: 'PONG',
      nonce: new Uint8Array(8),
      load: { clients: 0, calls: 0, packetsPerSecond: 0, capacity: 0 },
    });
    expect(a.closed).toBe('WIRE_ERR_WRONG_SENDER');
    const b = registerFull(h, bob, 'bob');
    h.send(b, {
      type: 'REGISTER',
      name: 'x',
      publicKey: new Uint8Array(1),
      clientNonce: new Uint8Array(32),
      knownTreeSize: 0,
    });
    expect(b.closed).toBe('RELAY_ERR_UNEXPECTED_MESSAGE');
  });

  it('refuses a REGISTER whose key is not RSA-4096', () => {
    const h = harness();
    const p = h.open();
    h.plain(
      p,
      encodeMessage({
        type: 'REGISTER',
        name: 'eve',
        publicKey: new Uint8Array(300).fill(1),
        clientNonce: new Uint8Array(32),
        knownTreeSize: 0,
      }),
    );
    expect(p.closed).toBe('RELAY_ERR_REGISTER_INVALID');
  });

  it('writes nothing before PROVE verifies (docs/lessons.md #8)', () => {
    const h = harness();
    const p = h.open();
    const handshake = new ClientHandshake({
      crypto,
      privateKey: alice,
      name: 'alice',
      pinnedRelayFingerprint: relayKey.publicKey.fingerprint(),
    });
    h.plain(p, handshake.start());
    expect(h.directory.size()).toBe(0);
    h.plain(p, encodeMessage({ type: 'PROVE', sealed: new Uint8Array(512), confirm: new Uint8Array(32) }));
    expect(p.closed).toBe('RELAY_ERR_PROOF_FAILED');
    expect(h.directory.size()).toBe(0);
  });

  it('a second login of the same identity replaces the first connection', () => {
    const h = harness();
    const first = registerFull(h, alice, 'alice');
    const watcher = registerFull(h, bob, 'bob');
    const second = registerFull(h, alice, 'alice');
    expect(first.closed).toBe('RELAY_ERR_REPLACED');
    expect(second.channel).toBeDefined();
    expect(h.core.clientCount).toBe(2);
    // Presence needs a mutual watch (docs/protocol.md "Presence"); the new connection watches afresh.
    h.send(second, { type: 'PRESENCE_WATCH', clientIds: [clientIdOf(crypto, bob.publicKey)] });
    h.send(watcher, { type: 'PRESENCE_WATCH', clientIds: [clientIdOf(crypto, alice.publicKey)] });
    h.send(watcher, { type: 'PHONEBOOK_REQUEST', requestId: 1, offset: 0, limit: 10 });
    expect(h.take(watcher, 'PHONEBOOK_PAGE').page.contacts.map((c) => c.online)).toEqual([true, true]);
  });

  it('frees a call whose media session is never bound, and ends it for both', () => {
    const h = harness({ mediaBindTimeoutMs: 3000 });
    const a = registerFull(h, alice, 'alice');
    const b = registerFull(h, bob, 'bob');
    const callId = new Uint8Array(16).fill(1);
    h.send(a, {
      type: 'CALL_REQUEST',
      callId,
      callee: clientIdOf(crypto, bob.publicKey),
      sealedCallData: new Uint8Array(4),
    });
    h.send(b, { type: 'CALL_RESPONSE', callId, decision: 'accept', ephemeral: new Uint8Array(32) });
    const grant = h.take(a, 'MEDIA_GRANT');
    expect(h.core.media.hasSession(grant.sessionId)).toBe(true);
    h.tick(3000);
    expect(h.core.media.hasSession(grant.sessionId)).toBe(false);
    expect(h.take(a, 'CALL_END').reason).toBe('timeout');
    expect(h.take(b, 'CALL_END').reason).toBe('timeout');
    expect(h.core.callCount).toBe(0);
    expect(h.events.some((e) => e.type === 'media:released')).toBe(true);
  });

  it('shutdown ends calls with relay-shutdown and closes every connection', () => {
    const h = harness();
    const a = registerFull(h, alice, 'alice');
    const b = registerFull(h, bob, 'bob');
    const idle = h.open();
    const callId = new Uint8Array(16).fill(2);
    h.send(a, {
      type: 'CALL_REQUEST',
      callId,
      callee: clientIdOf(crypto, bob.publicKey),
      sealedCallData: new Uint8Array(4),
    });
    h.apply(h.core.shutdown(h.now));
    expect(h.take(a, 'CALL_END').reason).toBe('relay-shutdown');
    expect(h.take(b, 'CALL_END').reason).toBe('relay-shutdown');
    expect([a.closed, b.closed, idle.closed]).toEqual([
      'RELAY_ERR_SHUTTING_DOWN',
      'RELAY_ERR_SHUTTING_DOWN',
      'RELAY_ERR_SHUTTING_DOWN',
    ]);
    expect(h.core.connectionCount).toBe(0);
    expect(h.open().closed).toBe('RELAY_ERR_SHUTTING_DOWN');
  });

  it('reports only a coarse load in PONG: no client or call count, the load percentage in steps of 5', () => {
    const h = harness({ capacityPacketsPerSecond: 1234 });
    const a = registerFull(h, alice, 'alice');
    h.send(a, ping);
    expect(h.take(a, 'PONG').load).toEqual({ clients: 0, calls: 0, packetsPerSecond: 0, capacity: 100 });
  });
});
