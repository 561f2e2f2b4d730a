/**
 * The WebSocket transport against the real `leitung-relay` program with `--ws-port` (docs/client.md
 * "Transports", docs/protocol.md "WebSocket transport"): a client on WebSockets and a client on TCP + UDP
 * register with one relay, see each other, call each other in both directions and exchange encrypted media
 * both ways, the relay forwarding between a WebSocket leg and a UDP leg. In Node 20 the WebSocket class is
 * `ws`'s (browsers have their own). Skipped with a notice when the relay program or its build is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClientTransport, WebSocketConstructor } from '../src/core.js';
import { probeRelay } from '../src/core.js';
import {
  type CallEndedEvent,
  type Client,
  createWebSocketTransport,
  type MediaBoundEvent,
  parseRelayEntry,
} from '../src/index.js';
import { ClientPool, crypto, key, nextEvent, nextFrame, waitFor } from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';

if (!realRelayAvailable) {
  console.warn(
    'web-socket-transport: examples/relay or the built @leitung/relay is missing — run `npm run build`; skipped',
  );
}

// `ws` implements the WHATWG WebSocket API the transport uses; its TypeScript types name the events more
// precisely than the transport's minimal interface.
const webSockets = createWebSocketTransport({ WebSocket: WebSocket as unknown as WebSocketConstructor });

let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let base: string;
const pool = new ClientPool();
const relays: RealRelay[] = [];

beforeAll(async () => {
  [aliceKey, bobKey] = await Promise.all([key('alice'), key('bob')]);
  base = await mkdtemp(join(tmpdir(), 'leitung-ws-transport-'));
});

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let counter = 0;
async function relay(): Promise<RealRelay> {
  counter += 1;
  const r = await RealRelay.start(join(base, `relay-${counter}`), 'relay', ['--ws-port', '0']);
  relays.push(r);
  return r;
}

/** Alice on WebSockets, Bob on TCP + UDP, both registered and seeing each other online. */
async function pair(r: RealRelay): Promise<[Client, Client]> {
  const alice = pool.make(aliceKey, 'alice', [r.entry], { transport: webSockets });
  const bob = pool.make(bobKey, 'bob', [r.entry]);
  for (const c of [alice, bob]) c.watchPresence(['alice', 'bob']);
  await alice.start();
  await bob.start();
  for (const c of [alice, bob]) {
    const other = c === alice ? 'bob' : 'alice';
    await waitFor(
      () => c.contacts.some((x) => x.name === other && x.online),
      5_000,
      `${c.name} sees ${other}`,
    );
  }
  return [alice, bob];
}

const frame = (sequence: number, text: string) => ({
  sequence,
  timestamp: sequence * 960,
  payload: new TextEncoder().encode(text),
});

async function exchange(a: Client, b: Client, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const atB = nextFrame(b);
    a.sendFrame(frame(i, `${a.name} ${i}`));
    expect(new TextDecoder().decode((await atB).payload)).toBe(`${a.name} ${i}`);
    const atA = nextFrame(a);
    b.sendFrame(frame(i, `${b.name} ${i}`));
    expect(new TextDecoder().decode((await atA).payload)).toBe(`${b.name} ${i}`);
  }
}

/**
 * The WebSocket transport with its media-leg hints recorded: for each hint, the call state the Client was in
 * when it gave it.
 */
function hintRecorder(): { readonly transport: ClientTransport; readonly hints: string[]; client?: Client } {
  const recorder: { transport: ClientTransport; hints: string[]; client?: Client } = {
    hints: [],
    transport: {
      ...webSockets,
      prepareMedia: (target) => {
        recorder.hints.push(recorder.client?.callState ?? 'no client');
        webSockets.prepareMedia?.(target);
      },
    },
  };
  return recorder;
}

describe.skipIf(!realRelayAvailable)('WebSocket transport against the real leitung-relay', () => {
  it('the relay-list entry names the listener; entries without it are refused for this transport', async () => {
    const r = await relay();
    expect(r.entry.webSocket).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const { webSocket: _, ...tcpOnly } = r.entry;
    expect(() => pool.make(aliceKey, 'alice', [tcpOnly], { transport: webSockets })).toThrow(
      expect.objectContaining({ code: 'CLIENT_ERR_INVALID_ARGUMENT' }),
    );
    expect(() => parseRelayEntry({ ...r.entry, webSocket: 'http://127.0.0.1:1' })).toThrow(
      expect.objectContaining({ code: 'CLIENT_ERR_INVALID_ARGUMENT' }),
    );
    // The relay is probed over the transport, too: an unsealed PING on /control.
    const probe = await probeRelay(r.entry, 2_000, (n) => crypto.randomBytes(n), webSockets);
    expect(probe.rttMs).toBeGreaterThan(0);
  });

  it('WebSocket caller → TCP+UDP callee: call, media both ways, hang-up', async () => {
    const r = await relay();
    const [alice, bob] = await pair(r);
    const bound = [
      nextEvent<MediaBoundEvent>(alice, 'media:bound'),
      nextEvent<MediaBoundEvent>(bob, 'media:bound'),
    ];
    bob.once('call:incoming', (e) => {
      expect(e.peer).toEqual({ clientId: alice.clientId, name: 'alice' });
      bob.answer();
    });
    const call = await alice.call('bob');
    expect(call.peer.name).toBe('bob');
    await Promise.all(bound);
    await exchange(alice, bob, 5);
    expect(alice.mediaStats()).toMatchObject({ sent: 5, received: 5 });
    const ended = nextEvent<CallEndedEvent>(bob, 'call:ended');
    alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
  });

  it('a caller opens its media leg once its offer is out; a call refused before its offer opens none', async () => {
    // docs/client.md "Media legs opened ahead": the key lookup goes first, alone on the connection, and a
    // call that never rings (unknown name, changed key) costs the relay no leg.
    const r = await relay();
    const recorder = hintRecorder();
    const alice = pool.make(aliceKey, 'alice', [r.entry], { transport: recorder.transport });
    recorder.client = alice;
    const bob = pool.make(bobKey, 'bob', [r.entry]);
    await alice.start();
    await bob.start();
    await expect(alice.call('nobody')).rejects.toMatchObject({ code: expect.any(String) });
    expect(recorder.hints).toEqual([]);
    bob.once('call:incoming', () => bob.answer());
    const bound = [
      nextEvent<MediaBoundEvent>(alice, 'media:bound'),
      nextEvent<MediaBoundEvent>(bob, 'media:bound'),
    ];
    await alice.call('bob');
    await Promise.all(bound);
    expect(recorder.hints).toEqual(['outgoing-ringing']);
    await exchange(alice, bob, 2);
  });

  it('TCP+UDP caller → WebSocket callee: call, media both ways, hang-up by the callee', async () => {
    const r = await relay();
    const [alice, bob] = await pair(r);
    const bound = [
      nextEvent<MediaBoundEvent>(alice, 'media:bound'),
      nextEvent<MediaBoundEvent>(bob, 'media:bound'),
    ];
    alice.once('call:incoming', () => alice.answer());
    await bob.call('alice');
    await Promise.all(bound);
    await exchange(bob, alice, 5);
    expect(alice.mediaStats()).toMatchObject({ sent: 5, received: 5 });
    expect(alice.safetyNumber('bob')).toBe(bob.safetyNumber('alice'));
    const ended = nextEvent<CallEndedEvent>(bob, 'call:ended');
    alice.hangUp();
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
  });
});
