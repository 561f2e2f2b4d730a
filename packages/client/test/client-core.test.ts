/**
 * ClientCore in one process with a fake clock (sans-I/O): exact timeouts, secrets erased on every end
 * path, key confirmation, channel tampering, protocol violations, phonebook paging and conflicts,
 * request and keepalive timeouts.
 */
import { createCrypto, nativeBackend, type RsaPrivateKey } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/testing.js';
import { codeOf, crypto, key } from './support/fixtures.js';
import { eventsOf, InProcessNetwork, trackingCrypto } from './support/in-process.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let carolKey: RsaPrivateKey;
let malloryKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey, carolKey, malloryKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('carol'),
    key('mallory'),
  ]);
});

function setup(options: { pageSize?: number } = {}) {
  const net = new InProcessNetwork(relayKey, options);
  const a = trackingCrypto();
  const b = trackingCrypto();
  const alice = net.join({ crypto: a.crypto, identity: aliceKey, name: 'alice' });
  const bob = net.join({ crypto: b.crypto, identity: bobKey, name: 'bob' });
  return { net, alice, bob, a, b };
}

const zero = (bytes: Uint8Array) => bytes.every((x) => x === 0);

/** Alice calls Bob, Bob answers, and the relay rewrites the CALL_RESPONSE on its way to Alice. */
function answeredThroughLyingRelay(lie: NonNullable<InProcessNetwork['relay']['lies']['callResponse']>) {
  const world = setup();
  const { net, alice, bob } = world;
  net.relay.lies.callResponse = lie;
  const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
  net.pump();
  net.input(bob, bob.core.answer(net.now));
  net.pump();
  return { ...world, handle };
}

describe('ClientCore calls (fake clock)', () => {
  it('completes a call and erases ephemeral keys and media keys at hang-up', () => {
    const { net, alice, bob, a, b } = setup();
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(bob.core.callState).toBe('incoming-ringing');
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { peer: { name: 'bob' } } });
    expect(alice.core.callState).toBe('active');
    expect(eventsOf(alice, 'media:bound')).toHaveLength(1);
    expect(eventsOf(bob, 'media:bound')).toHaveLength(1);
    expect(net.sendFrame(alice, { sequence: 0, timestamp: 0, payload: new Uint8Array([9]) })).toBe(true);
    expect(bob.lane.frames.map((f) => [...f.payload])).toEqual([[9]]);
    // While the call is up the keys are live …
    expect(a.packetKeys.every(zero)).toBe(false);
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    // … and after the hang-up every ephemeral private key and every media key is gone, on both sides.
    for (const t of [a, b]) {
      expect(t.ephemerals.length).toBeGreaterThan(0);
      expect(t.ephemerals.every((k) => k.destroyed)).toBe(true);
      expect(t.packetKeys.length).toBe(2);
      expect(t.packetKeys.every(zero)).toBe(true);
    }
    expect(eventsOf(bob, 'call:ended')[0]).toMatchObject({ reason: 'hangup', by: 'remote' });
    // The lane was closed with the call: nothing more can be sent.
    expect(alice.lane.channel).toBeUndefined();
    expect(net.sendFrame(alice, { sequence: 1, timestamp: 960, payload: new Uint8Array([1]) })).toBe(false);
  });

  it('ring timeout is exact and erases the pending offer on both sides', () => {
    const { net, alice, bob, a } = setup();
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.advance(29_999);
    expect(alice.core.callState).toBe('outgoing-ringing');
    expect(bob.core.callState).toBe('incoming-ringing');
    net.advance(1);
    expect(alice.core.callState).toBe('ended');
    expect(bob.core.callState).toBe('ended');
    expect(alice.results.get(handle)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_CALL_TIMEOUT' },
    });
    expect(eventsOf(bob, 'call:ended')[0]?.reason).toBe('timeout');
    expect(a.ephemerals.every((k) => k.destroyed)).toBe(true);
  });

  it('reject and busy erase the caller secrets; call waiting is answered busy', () => {
    const { net, alice, bob, a } = setup();
    const carol = net.join({ identity: carolKey, name: 'carol' });
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.reject(net.now));
    net.pump();
    expect(a.ephemerals.every((k) => k.destroyed)).toBe(true);
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({ reason: 'rejected', by: 'remote' });

    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    const handle = net.command(carol, (h) => carol.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(carol.results.get(handle)).toMatchObject({ ok: false, error: { code: 'CLIENT_ERR_PEER_BUSY' } });
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(2);
    expect(bob.core.callState).toBe('active');
    // Bob's app hears who tried (call waiting), with the caller the relay authenticated; nothing opened.
    expect(eventsOf(bob, 'call:waiting')).toEqual([
      {
        type: 'call:waiting',
        callId: expect.stringMatching(/^[0-9a-f]{32}$/),
        callerId: carol.core.clientId,
        callerName: 'carol',
      },
    ]);
  });

  it('the call snapshot walks dialing → ringing → connecting-media → active ⇄ reconnecting → ended', () => {
    const { net, alice, bob } = setup();
    const phases = (node: typeof alice) =>
      eventsOf(node, 'call:state').map((e) =>
        e.call.phase === 'reconnecting'
          ? `reconnecting:${e.call.cause}`
          : e.call.phase === 'connecting-media'
            ? `connecting-media:${e.call.media}`
            : e.call.phase,
      );
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    expect(alice.core.currentCall).toMatchObject({ phase: 'dialing', direction: 'outgoing', target: 'bob' });
    net.pump();
    expect(bob.core.currentCall).toMatchObject({
      phase: 'ringing',
      direction: 'incoming',
      peer: { name: 'alice' },
    });
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    // Answered and bound, but no audio yet: never "active" before a frame arrived.
    expect(alice.core.currentCall).toMatchObject({
      phase: 'connecting-media',
      media: 'bound',
      audio: 'waiting',
    });
    const frame = (sequence: number) => ({
      sequence,
      timestamp: sequence * 960,
      payload: new Uint8Array([1]),
    });
    net.sendFrame(bob, frame(0));
    expect(alice.core.currentCall).toMatchObject({ phase: 'active', audio: 'flowing' });
    expect(bob.core.currentCall?.phase).toBe('connecting-media');
    // Bob stops sending: within the stall time Alice's call says no audio arrives.
    net.advance(499);
    expect(alice.core.currentCall?.phase).toBe('active');
    net.advance(1);
    expect(alice.core.currentCall).toMatchObject({ phase: 'reconnecting', cause: 'media', audio: 'stalled' });
    net.sendFrame(bob, frame(1));
    expect(alice.core.currentCall?.phase).toBe('active');
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    expect(alice.core.currentCall).toMatchObject({ phase: 'ended', reason: 'hangup', by: 'local' });
    expect(bob.core.currentCall).toMatchObject({ phase: 'ended', reason: 'hangup', by: 'remote' });
    expect(phases(alice)).toEqual([
      'dialing',
      'ringing',
      'connecting-media:opening',
      'connecting-media:bound',
      'active',
      'reconnecting:media',
      'active',
      'ended',
    ]);
    expect(phases(bob)).toEqual(['ringing', 'connecting-media:opening', 'connecting-media:bound', 'ended']);
    // The snapshot carries nothing secret: only strings, numbers and the peer.
    expect(JSON.stringify(alice.core.currentCall)).not.toMatch(/keys|secret|token/);
  });

  it('ends a ringing call when the connection drops, erasing its secrets', () => {
    const { net, alice, bob, a } = setup();
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.cut(alice);
    expect(alice.results.get(handle)).toMatchObject({ ok: false, error: { code: 'CLIENT_ERR_CALL_ENDED' } });
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({
      reason: 'error',
      code: 'CLIENT_ERR_CONNECTION_CLOSED',
    });
    expect(a.ephemerals.every((k) => k.destroyed)).toBe(true);
    expect(eventsOf(bob, 'call:ended')[0]?.reason).toBe('offline');
  });

  it('a live call waits for CALL_RESUME, and ends (keys erased) when no relay takes it in time', () => {
    const { net, alice, bob, a } = setup();
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    net.cut(alice);
    expect(alice.core.callState).toBe('active');
    // The snapshot says so at once: no audio can arrive while the relay connection is down.
    expect(alice.core.currentCall).toMatchObject({ phase: 'reconnecting', cause: 'connection' });
    net.advance(29_000);
    expect(alice.core.callState).toBe('active');
    net.advance(1_000);
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({
      reason: 'error',
      code: 'CLIENT_ERR_CALL_LOST',
    });
    expect(alice.core.currentCall).toMatchObject({ phase: 'ended', code: 'CLIENT_ERR_CALL_LOST' });
    expect(a.packetKeys.every(zero)).toBe(true);
  });

  it('resumes a live call on reconnection: CALL_RESUME, new grant, re-BIND, same keys', () => {
    const { net, alice, bob } = setup();
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    net.sendFrame(alice, { sequence: 0, timestamp: 0, payload: new Uint8Array([1]) });
    net.cut(alice);
    const again = net.reconnect(alice);
    expect(net.relay.received.filter((m) => m.type === 'CALL_RESUME')).toEqual([
      expect.objectContaining({ lastSequence: 0 }),
    ]);
    expect(eventsOf(again, 'media:bound')).toHaveLength(2);
    net.sendFrame(again, { sequence: 1, timestamp: 960, payload: new Uint8Array([2]) });
    expect(bob.lane.frames.map((f) => [...f.payload])).toEqual([[1], [2]]);
    // The control core decided when the lane opens, moves and closes; it never saw a media packet.
    net.input(again, again.core.hangUp(net.now));
    net.pump();
    expect(again.lane.decisions).toEqual(['media:open', 'media:retarget', 'media:close']);
    expect(bob.lane.decisions).toEqual(['media:open', 'media:close']);
  });

  it('refuses an accept whose key confirmation is wrong (SESSION_ERR_CONFIRM)', () => {
    const { alice, bob, a, handle } = answeredThroughLyingRelay((m) =>
      m.confirm ? { ...m, confirm: m.confirm.map((x, i) => (i === 0 ? x ^ 1 : x)) } : m,
    );
    expect(alice.results.get(handle)).toMatchObject({ ok: false, error: { code: 'CLIENT_ERR_CALL_ENDED' } });
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({ reason: 'error', code: 'SESSION_ERR_CONFIRM' });
    expect(a.ephemerals.every((k) => k.destroyed)).toBe(true);
    expect(eventsOf(bob, 'call:ended')[0]).toMatchObject({ reason: 'error', by: 'remote' });
  });

  it('a relay that strips the post-quantum share cannot downgrade the call (SESSION_ERR_PQ_REQUIRED)', () => {
    const { alice, a, handle } = answeredThroughLyingRelay(({ kem: _stripped, ...m }) => m);
    expect(alice.results.get(handle)).toMatchObject({ ok: false, error: { code: 'CLIENT_ERR_CALL_ENDED' } });
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({
      reason: 'error',
      code: 'SESSION_ERR_PQ_REQUIRED',
    });
    expect(a.ephemerals.every((k) => k.destroyed)).toBe(true);
    expect(eventsOf(alice, 'call:accepted')).toHaveLength(0);
  });

  it('a relay that alters the ML-KEM ciphertext fails the key confirmation (SESSION_ERR_CONFIRM)', () => {
    const { alice, handle } = answeredThroughLyingRelay((m) =>
      m.kem ? { ...m, kem: m.kem.map((x, i) => (i === 7 ? x ^ 0x10 : x)) } : m,
    );
    expect(alice.results.get(handle)).toMatchObject({ ok: false, error: { code: 'CLIENT_ERR_CALL_ENDED' } });
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({ reason: 'error', code: 'SESSION_ERR_CONFIRM' });
  });

  it('ends an outgoing call at once when the relay refuses the CALL_REQUEST (e.g. rate limited)', () => {
    const { net, alice, bob, a } = setup();
    net.relay.lies.refuseCalls = 'RELAY_ERR_RATE_LIMITED';
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_RELAY_ERROR', relayCode: 'RELAY_ERR_RATE_LIMITED' },
    });
    expect(eventsOf(alice, 'call:ended')[0]).toMatchObject({
      reason: 'error',
      code: 'RELAY_ERR_RATE_LIMITED',
    });
    expect(a.ephemerals.every((k) => k.destroyed)).toBe(true);
    expect(bob.core.callState).toBe('idle');
    // Outside a ringing call such an ERROR is informational only.
    net.relay.push(alice.core.clientId, { type: 'ERROR', code: 'RELAY_ERR_X', message: 'x', fatal: false });
    net.pump();
    expect(alice.core.connectionState).toBe('ready');
  });

  it('refuses to call itself or to call while not registered', () => {
    const net = new InProcessNetwork(relayKey);
    const alice = net.join({ identity: aliceKey, name: 'alice' });
    const self = net.command(alice, (h) =>
      alice.core.placeCall(h, { clientId: alice.core.clientId }, net.now),
    );
    const bad = net.command(alice, (h) => alice.core.placeCall(h, { clientId: 'zz' }, net.now));
    net.pump();
    expect(alice.results.get(self)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_INVALID_ARGUMENT' },
    });
    expect(alice.results.get(bad)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_INVALID_ARGUMENT' },
    });
    net.cut(alice);
    const offline = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(alice.results.get(offline)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_NOT_CONNECTED' },
    });
    expect(codeOf(() => alice.core.answer(net.now))).toBe('CLIENT_ERR_INVALID_STATE');
  });
});

describe('ClientCore channel and protocol', () => {
  it('closes the connection on a frame that fails authentication', () => {
    const { net, alice } = setup();
    net.input(alice, alice.core.receive(crypto.randomBytes(80), net.now));
    net.pump();
    expect(eventsOf(alice, 'connection:error')[0]?.code).toBe('SESSION_ERR_CHANNEL_AUTH');
    expect(alice.core.connectionState).toBe('closed');
  });

  it('closes the connection when the relay sends a message only clients may send', () => {
    const { net, alice, bob } = setup();
    net.relay.push(alice.core.clientId, {
      type: 'CALL_REQUEST',
      callId: new Uint8Array(16),
      callee: new Uint8Array(32),
      sealedCallData: new Uint8Array(8),
    });
    net.pump();
    expect(eventsOf(alice, 'connection:error')[0]?.code).toBe('CLIENT_ERR_PROTOCOL');
    expect(bob.core.connectionState).toBe('ready');
  });

  it('ignores a MEDIA_GRANT for a call it is not in', () => {
    const { net, alice } = setup();
    net.relay.push(alice.core.clientId, {
      type: 'MEDIA_GRANT',
      callId: new Uint8Array(16),
      sessionId: 5,
      token: new Uint8Array(32),
      side: 'caller',
      expiresAt: net.now,
    });
    net.pump();
    expect(alice.core.connectionState).toBe('ready');
    expect(alice.events.filter((e) => e.type.startsWith('media:'))).toEqual([]);
  });

  it('checks the signature of a tree head once: lookups showing the accepted head cost no verification', () => {
    // A backend that counts its RSA-PSS verifications (docs/crypto.md "Verified signatures").
    const backend = nativeBackend();
    let checks = 0;
    const counting = createCrypto({
      backend: {
        ...backend,
        rsa: {
          ...backend.rsa,
          pssVerify: (handle, message, signature) => {
            checks++;
            return backend.rsa.pssVerify(handle, message, signature);
          },
        },
      },
    });
    const net = new InProcessNetwork(relayKey);
    net.join({ identity: bobKey, name: 'bob' });
    const alice = net.join({ crypto: counting, identity: aliceKey, name: 'alice' });
    expect(eventsOf(alice, 'registration:complete')).toHaveLength(1);
    // CHALLENGE's head, and WELCOME's after alice's entry was appended: two heads, two checks.
    expect(checks).toBe(2);
    for (let i = 0; i < 3; i++) {
      const handle = net.command(alice, (h) => alice.core.lookup(h, 'bob', net.now));
      net.pump();
      expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { name: 'bob' } });
    }
    expect(checks).toBe(2);
  });

  it('reports the relay error code of a failed lookup, and times out a silent relay', () => {
    const { net, alice } = setup();
    const missing = net.command(alice, (h) => alice.core.lookup(h, 'nobody', net.now));
    net.pump();
    expect(alice.results.get(missing)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_RELAY_ERROR', relayCode: 'RELAY_ERR_NOT_FOUND' },
    });
    net.relay.lies.drop = (m) => m.type === 'GET_PUBLIC_KEY';
    const silent = net.command(alice, (h) => alice.core.lookup(h, 'bob', net.now));
    net.advance(9_999);
    expect(alice.results.has(silent)).toBe(false);
    net.advance(1);
    expect(alice.results.get(silent)).toMatchObject({ ok: false, error: { code: 'CLIENT_ERR_TIMEOUT' } });
  });

  it('keeps the connection with keepalives, and drops it after missed PONGs', () => {
    const { net, alice } = setup();
    for (let i = 0; i < 10; i++) net.advance(5_000);
    expect(alice.core.connectionState).toBe('ready');
    expect(alice.core.rttMs).toBe(0);
    net.relay.lies.drop = (m) => m.type === 'PING';
    // Three PINGs go unanswered; a full interval after the third, the connection counts as lost.
    for (let i = 0; i < 3; i++) net.advance(5_000);
    expect(alice.core.connectionState).toBe('ready');
    net.advance(5_000);
    expect(alice.core.connectionState).toBe('closed');
    expect(eventsOf(alice, 'connection:error')[0]?.code).toBe('CLIENT_ERR_TIMEOUT');
  });

  it('gives up a registration the relay never answers', () => {
    const net = new InProcessNetwork(relayKey);
    net.relay.lies.dropFirst = true;
    const alice = net.join({ identity: aliceKey, name: 'alice' });
    net.advance(14_999);
    expect(alice.core.connectionState).toBe('handshaking');
    net.advance(1);
    expect(eventsOf(alice, 'registration:failed')[0]?.code).toBe('CLIENT_ERR_TIMEOUT');
    expect(alice.core.connectionState).toBe('closed');
  });
});

describe('ClientCore phonebook and pins', () => {
  it('pages through a phonebook larger than one page and follows deltas', () => {
    const net = new InProcessNetwork(relayKey, { pageSize: 2 });
    const others = [bobKey, carolKey, malloryKey].map((k, i) => net.join({ identity: k, name: `user${i}` }));
    const alice = net.join({ identity: aliceKey, name: 'alice' });
    expect(net.relay.received.filter((m) => m.type === 'PHONEBOOK_REQUEST').length).toBeGreaterThanOrEqual(1);
    expect(
      alice.core
        .contacts()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['user0', 'user1', 'user2']);
    expect(alice.core.contacts().every((c) => c.online && c.verification === 'unverified')).toBe(true);
    net.cut(others[0]!);
    expect(alice.core.contacts().find((c) => c.name === 'user0')?.online).toBe(false);
  });

  it('flags a phonebook line whose name is pinned to another key', () => {
    const store = new MemoryStore();
    const net = new InProcessNetwork(relayKey);
    net.join({ identity: bobKey, name: 'bob' });
    const alice = net.join({ identity: aliceKey, name: 'alice', store });
    const handle = net.command(alice, (h) => alice.core.lookup(h, 'bob', net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({
      ok: true,
      value: { name: 'bob', verification: 'verified' },
    });
    expect(store.contact('bob')?.clientId).toBe(crypto.fingerprint(bobKey.publicKey));
    expect(alice.persisted).toBeGreaterThan(0);
    // A second "bob" (another key) shows up in the phonebook.
    net.relay.push(alice.core.clientId, {
      type: 'PHONEBOOK_DELTA',
      changes: [
        {
          kind: 'added',
          contact: { clientId: crypto.sha3_256(malloryKey.publicKey.toDer()), name: 'bob', online: true },
        },
      ],
    });
    net.pump();
    expect(eventsOf(alice, 'contact:key-changed')[0]).toMatchObject({ name: 'bob', source: 'phonebook' });
    expect(
      alice.core
        .contacts()
        .filter((c) => c.name === 'bob')
        .map((c) => c.verification)
        .sort(),
    ).toEqual(['key-changed', 'verified']);
    expect(alice.core.safetyNumber('bob')).toBe(
      crypto.safetyNumber(alice.core.clientId, crypto.fingerprint(bobKey.publicKey)),
    );
    expect(codeOf(() => alice.core.acceptContactKey('bob', net.now))).toBe('CLIENT_ERR_INVALID_STATE');
  });
});
