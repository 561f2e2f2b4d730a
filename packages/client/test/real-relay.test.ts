/**
 * End to end against the real `leitung-relay` program (examples/relay, run as a child process on
 * 127.0.0.1): registration, phonebook, a call with encrypted media both ways, reject / busy / timeout /
 * hang-up, a third party that can neither inject nor read, restart with a consistent tree head, failover
 * between two relays. Skipped with a notice when the relay program or its build is missing.
 */
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { buildControlPacket, MediaSender } from '@leitung/session';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadOf, probeRelay } from '../src/core.js';
import type {
  CallEndedEvent,
  Client,
  MediaBoundEvent,
  RegistrationCompleteEvent,
  RelaySwitchedEvent,
} from '../src/index.js';
import { MemoryStore } from '../src/testing.js';
import {
  ClientPool,
  crypto,
  framesOf,
  key,
  nextEvent,
  nextFrame,
  rejection,
  waitFor,
} from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';

if (!realRelayAvailable) {
  console.warn(
    'real-relay: examples/relay or the built @leitung/relay is missing — run `npm run build`; skipped',
  );
}

let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let carolKey: RsaPrivateKey;
let base: string;
const pool = new ClientPool();
const relays: RealRelay[] = [];

beforeAll(async () => {
  [aliceKey, bobKey, carolKey] = await Promise.all([key('alice'), key('bob'), key('carol')]);
  base = await mkdtemp(join(tmpdir(), 'leitung-real-relay-'));
});

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let counter = 0;
async function relay(keyName = 'relay'): Promise<RealRelay> {
  counter += 1;
  const r = await RealRelay.start(join(base, `relay-${counter}`), keyName);
  relays.push(r);
  return r;
}

async function registered(r: RealRelay, ...specs: [RsaPrivateKey, string][]): Promise<Client[]> {
  const clients = specs.map(([k, name]) =>
    pool.make(k, name, [r.entry], { timing: { ringTimeoutMs: 1_500 } }),
  );
  // Presence needs a mutual watch (docs/protocol.md "Presence"): everyone watches everyone here.
  for (const c of clients) c.watchPresence(specs.map(([, n]) => n));
  for (const c of clients) await c.start();
  for (const c of clients) {
    await waitFor(
      () => specs.every(([, n]) => n === c.name || c.contacts.some((x) => x.name === n && x.online)),
      5_000,
      `${c.name} sees everyone online`,
    );
  }
  return clients;
}

const frame = (sequence: number, text: string) => ({
  sequence,
  timestamp: sequence * 960,
  payload: new TextEncoder().encode(text),
});

describe.skipIf(!realRelayAvailable)('against the real leitung-relay', () => {
  it('two clients register, see each other, call, and exchange encrypted media both ways', async () => {
    const r = await relay();
    const [alice, bob] = await registered(r, [aliceKey, 'alice'], [bobKey, 'bob']);
    const boundA = nextEvent<MediaBoundEvent>(alice!, 'media:bound');
    const boundB = nextEvent<MediaBoundEvent>(bob!, 'media:bound');
    bob!.once('call:incoming', (e) => {
      expect(e.peer).toEqual({ clientId: alice!.clientId, name: 'alice' });
      bob!.answer();
    });
    const call = await alice!.call('bob');
    expect(call.peer.name).toBe('bob');
    await Promise.all([boundA, boundB]);

    for (let i = 0; i < 5; i++) {
      const atBob = nextFrame(bob!);
      alice!.sendFrame(frame(i, `alice ${i}`));
      expect(new TextDecoder().decode((await atBob).payload)).toBe(`alice ${i}`);
      const atAlice = nextFrame(alice!);
      bob!.sendFrame(frame(i, `bob ${i}`));
      expect(new TextDecoder().decode((await atAlice).payload)).toBe(`bob ${i}`);
    }
    expect(alice!.mediaStats()).toMatchObject({ sent: 5, received: 5 });

    const ended = nextEvent<CallEndedEvent>(bob!, 'call:ended');
    alice!.hangUp();
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
  });

  it('NAT rebinding: a client on a new socket answers the relay’s BIND_CHALLENGE and media continues', async () => {
    const r = await relay();
    const [alice, bob] = await registered(r, [aliceKey, 'alice'], [bobKey, 'bob']);
    const boundA = nextEvent<MediaBoundEvent>(alice!, 'media:bound');
    const boundB = nextEvent<MediaBoundEvent>(bob!, 'media:bound');
    bob!.once('call:incoming', () => bob!.answer());
    await alice!.call('bob');
    await Promise.all([boundA, boundB]);
    const exchange = async (i: number) => {
      const atBob = nextFrame(bob!);
      alice!.sendFrame(frame(i, `alice ${i}`));
      expect(new TextDecoder().decode((await atBob).payload)).toBe(`alice ${i}`);
      const atAlice = nextFrame(alice!);
      bob!.sendFrame(frame(i, `bob ${i}`));
      expect(new TextDecoder().decode((await atAlice).payload)).toBe(`bob ${i}`);
    };
    await exchange(0);
    // A new local socket is what a NAT rebinding looks like to the relay: a BIND from an unconfirmed
    // address, challenged; the client echoes the nonce from there and the binding moves.
    const rebound = nextEvent<MediaBoundEvent>(alice!, 'media:bound');
    alice!.rebindMedia();
    await rebound;
    for (let i = 1; i < 4; i++) await exchange(i);
    expect(alice!.mediaStats()).toMatchObject({ sent: 4, received: 4 });
  });

  it('watchPresence: a contact shows online only once it watches back; an outsider never does', async () => {
    const r = await relay();
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name, i) =>
      pool.make([aliceKey, bobKey, carolKey][i]!, name, [r.entry]),
    ) as [Client, Client, Client];
    alice.watchPresence(['bob']);
    carol.watchPresence(['alice', 'bob']); // nobody watches carol
    for (const c of [alice, bob, carol]) await c.start();
    await waitFor(() => alice.contacts.length === 2 && carol.contacts.length === 2, 5_000, 'phonebooks');
    const online = (c: Client) => c.contacts.filter((x) => x.online).map((x) => x.name);
    expect(online(alice)).toEqual([]);
    bob.watchPresence(['alice']);
    await waitFor(() => online(alice).includes('bob') && online(bob).includes('alice'), 5_000, 'mutual');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(online(alice)).toEqual(['bob']);
    expect(online(carol)).toEqual([]);
    bob.watchPresence([]);
    await waitFor(() => online(alice).length === 0, 5_000, 'bob unwatched alice');
    // Relay selection's probe sees only the coarse load (docs/protocol.md §4.6), never the 3 clients.
    const probe = await probeRelay(r.entry, 2_000, (n) => crypto.randomBytes(n));
    expect(probe.load).toEqual({ clients: 0, calls: 0, packetsPerSecond: 0, capacity: 100 });
    expect(loadOf(probe.load)).toBe(0);
  });

  it('reject, busy and timeout reach the caller with their codes', async () => {
    const r = await relay();
    const [alice, bob, carol] = await registered(
      r,
      [aliceKey, 'alice'],
      [bobKey, 'bob'],
      [carolKey, 'carol'],
    );
    bob!.once('call:incoming', () => bob!.reject());
    expect((await rejection(alice!.call('bob'))).code).toBe('CLIENT_ERR_CALL_REJECTED');

    const endedBob = nextEvent<CallEndedEvent>(bob!, 'call:ended');
    expect((await rejection(alice!.call('bob'))).code).toBe('CLIENT_ERR_CALL_TIMEOUT');
    expect((await endedBob).reason).toBe('timeout');

    bob!.once('call:incoming', () => bob!.answer());
    await alice!.call('bob');
    expect((await rejection(carol!.call('bob'))).code).toBe('CLIENT_ERR_PEER_BUSY');
    expect(bob!.callState).toBe('active');
    const ended = nextEvent<CallEndedEvent>(alice!, 'call:ended');
    bob!.hangUp();
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
  });

  it('a third party can neither inject into nor read the media', async () => {
    const r = await relay();
    const [alice, bob] = await registered(r, [aliceKey, 'alice'], [bobKey, 'bob'], [carolKey, 'carol']);
    const boundA = nextEvent<MediaBoundEvent>(alice!, 'media:bound');
    const boundB = nextEvent<MediaBoundEvent>(bob!, 'media:bound');
    bob!.once('call:incoming', () => bob!.answer());
    await alice!.call('bob');
    const { sessionId } = await boundA;
    await boundB;
    const frames = framesOf(bob!);

    // Mallory knows the session id (worst case) but neither the grant tokens nor the media keys.
    const mallory = dgram.createSocket('udp4');
    const heard: Buffer[] = [];
    mallory.on('message', (m) => heard.push(m));
    const send = (data: Uint8Array) =>
      new Promise<void>((resolve) => mallory.send(data, r.entry.mediaPort, r.entry.host, () => resolve()));
    for (const side of ['caller', 'callee'] as const) {
      await send(
        buildControlPacket(crypto, {
          kind: 'BIND',
          token: crypto.randomBytes(32),
          sessionId,
          side,
          counter: 1_000_000,
          nowMs: Date.now(),
        }),
      );
    }
    const fakeKeys = {
      role: 'caller' as const,
      callId: new Uint8Array(16),
      sendKey: crypto.randomBytes(32),
      receiveKey: crypto.randomBytes(32),
      destroyed: false,
      destroy: () => undefined,
    };
    await send(new MediaSender(crypto, fakeKeys as never, sessionId).seal(frame(7, 'injected')));
    // Real traffic keeps flowing, and none of it reaches Mallory.
    const atBob = nextFrame(bob!);
    alice!.sendFrame(frame(0, 'private words'));
    expect(new TextDecoder().decode((await atBob).payload)).toBe('private words');
    await new Promise((resolve) => setTimeout(resolve, 200));
    mallory.close();
    expect(frames.map((f) => new TextDecoder().decode(f.payload))).toEqual(['private words']);
    expect(heard).toEqual([]);
    expect(bob!.mediaStats()?.dropped.auth).toBe(0);
  });

  it('reconnects after a relay restart with the same identity and a consistent tree head', async () => {
    const r = await relay();
    const store = new MemoryStore();
    const alice = pool.make(aliceKey, 'alice', [r.entry], { store, backoff: { baseMs: 100, maxMs: 500 } });
    const first = await alice.start();
    expect(first.treeHeadChange).toBe('first');
    const bob = pool.make(bobKey, 'bob', [r.entry]);
    await bob.start();
    await bob.close();

    const back = nextEvent<RegistrationCompleteEvent>(alice, 'registration:complete', () => true, 20_000);
    await r.stop();
    await r.start();
    const again = await back;
    expect(again.relay.fingerprint).toBe(first.relay.fingerprint);
    expect(again.clientId).toBe(first.clientId);
    // alice's head covered only herself; the restarted relay shows bob too, proven consistent.
    expect(again.treeHeadChange).toBe('grown');
    expect(again.treeHead.size).toBe(2);
    expect(store.treeHead(first.relay.fingerprint)?.size).toBe(2);
  }, 40_000);

  it('fails over to a second relay when the first one dies', async () => {
    const [a, b] = await Promise.all([relay('relay'), relay('relay-b')]);
    const alice = pool.make(aliceKey, 'alice', [a.entry, b.entry], { backoff: { baseMs: 100, maxMs: 500 } });
    const registeredOn = (await alice.start()).relay.fingerprint;
    const [first, second] = registeredOn === a.entry.fingerprint ? [a, b] : [b, a];
    const switched = nextEvent<RelaySwitchedEvent>(alice, 'relay:switched', () => true, 15_000);
    await first.kill();
    expect(await switched).toMatchObject({
      reason: 'failover',
      to: { fingerprint: second.entry.fingerprint },
    });
    expect(alice.connectionState).toBe('ready');
  }, 40_000);
});
