/**
 * The relay's WebSocket listener with real sockets (docs/relay.md "WebSocket listener", docs/protocol.md
 * "WebSocket transport"): a WebSocket client and a TCP+UDP client register, call each other and exchange
 * media through one relay, and every protection of the listener is shown to bite (each test would fail
 * without it).
 */
import { connect, createServer, type Socket } from 'node:net';
import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf, MediaReceiver, MediaSender } from '@leitung/session';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Relay, StartRelayOptions } from '../src/index.js';
import { establishedCall } from './support/established-call.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { MediaPeer } from './support/media-peer.js';
import { closeCodeOf, openWebSocket, WsMediaLeg, wsTestClient, wsUrl } from './support/ws-links.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const fx = useFixture();
const opened: { close(): void }[] = [];
afterEach(() => {
  for (const thing of opened.splice(0)) thing.close();
});

function track<T extends { close(): void }>(thing: T): T {
  opened.push(thing);
  return thing;
}

function trackSocket(socket: WebSocket | Socket): void {
  opened.push({ close: () => ('terminate' in socket ? socket.terminate() : socket.destroy()) });
}

async function wsRelay(options: Partial<StartRelayOptions> = {}): Promise<Relay> {
  return fx.relay({ webSocket: { port: 0 }, ...options });
}

async function ws(url: string, headers?: Record<string, string>): Promise<WebSocket> {
  const socket = await openWebSocket(url, headers);
  trackSocket(socket);
  return socket;
}

/** Opens a raw TCP connection to the listener (no upgrade). */
function raw(relay: Relay): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: relay.host, port: relay.webSocketPort! });
    trackSocket(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

const closedWithin = (socket: Socket, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

const sealedFrame = new TextEncoder().encode('twenty milliseconds of audio');

describe('WebSocket ↔ TCP+UDP through one relay', () => {
  it('is off by default; on, the relay-list entry carries its URL', async () => {
    const plain = await fx.relay();
    expect(plain.webSocketPort).toBeUndefined();
    expect(plain.info().webSocket).toBeUndefined();
    const relay = await wsRelay();
    expect(relay.info().webSocket).toBe(`ws://127.0.0.1:${relay.webSocketPort}`);
    const published = await wsRelay({ webSocket: { port: 0, publicUrl: 'wss://relay.example/leitung' } });
    expect(published.info().webSocket).toBe('wss://relay.example/leitung');
    await expect(
      wsRelay({ webSocket: { port: 0, allowedOrigins: ['https://a.example/'] } }),
    ).rejects.toMatchObject({ code: 'RELAY_ERR_INVALID_OPTION' });
  });

  it('a taken WebSocket port is refused before anything is opened (RELAY_ERR_PORT_UNAVAILABLE)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    opened.push({ close: () => taken.close() });
    const port = (taken.address() as { port: number }).port;
    await expect(wsRelay({ webSocket: { port } })).rejects.toMatchObject({
      code: 'RELAY_ERR_PORT_UNAVAILABLE',
    });
  });

  it('a WebSocket caller and a TCP callee: registration, phonebook, call, media both ways', async () => {
    const relay = await wsRelay();
    const call = await establishedCall(fx, relay, alice, bob, {
      a: async () => track(await wsTestClient(relay)),
    });
    expect(call.a.result?.welcome.phonebook.contacts.map((c) => c.name)).toContain('alice');
    expect(call.incoming.caller).toEqual(clientIdOf(crypto, alice.publicKey));
    expect(call.incoming.callerName).toBe('alice');
    const leg = track(await WsMediaLeg.open(relay));
    const udp = track(await MediaPeer.open());
    await leg.establish(call.aliceGrant);
    await udp.establish(call.bobGrant, relay);

    // WebSocket → UDP.
    const toBob = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId).seal({
      sequence: 0,
      timestamp: 960,
      payload: sealedFrame,
    });
    const beforeB = udp.received.length;
    leg.send(toBob);
    expect(await udp.waitFor(beforeB + 1)).toBe(beforeB + 1);
    expect(new Uint8Array(udp.received[beforeB]!)).toEqual(toBob);
    const bobReceiver = new MediaReceiver(crypto, call.bobKeys, call.bobGrant.sessionId);
    expect(bobReceiver.open(udp.received[beforeB]!).payload).toEqual(sealedFrame);

    // UDP → WebSocket.
    const toAlice = new MediaSender(crypto, call.bobKeys, call.bobGrant.sessionId).seal({
      sequence: 0,
      timestamp: 960,
      payload: sealedFrame,
    });
    const beforeA = leg.received.length;
    udp.send(toAlice, relay);
    expect(await leg.waitFor(beforeA + 1)).toBe(beforeA + 1);
    expect(new Uint8Array(leg.received[beforeA]!)).toEqual(toAlice);

    // Hang-up over the WebSocket reaches the TCP side; the media session is gone.
    call.a.send({ type: 'CALL_END', callId: call.callId, reason: 'hangup' });
    expect(await call.b.next('CALL_END')).toMatchObject({ reason: 'hangup' });
    expect(relay.core.media.sessionCount).toBe(0);
  });

  it('two WebSocket parties: media between two legs', async () => {
    const relay = await wsRelay();
    const call = await establishedCall(fx, relay, alice, bob, {
      a: async () => track(await wsTestClient(relay)),
      b: async () => track(await wsTestClient(relay)),
    });
    const legA = track(await WsMediaLeg.open(relay));
    const legB = track(await WsMediaLeg.open(relay));
    await legA.establish(call.aliceGrant);
    await legB.establish(call.bobGrant);
    const packet = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId).seal({
      sequence: 0,
      timestamp: 0,
      payload: sealedFrame,
    });
    const before = legB.received.length;
    legA.send(packet);
    expect(await legB.waitFor(before + 1)).toBe(before + 1);
    expect(new Uint8Array(legB.received[before]!)).toEqual(packet);
  });

  it('a leg binds only by the BIND rules: a BIND with the wrong token is dropped, nothing is forwarded to it', async () => {
    const relay = await wsRelay();
    const call = await establishedCall(fx, relay, alice, bob, {
      a: async () => track(await wsTestClient(relay)),
    });
    const udp = track(await MediaPeer.open());
    await udp.establish(call.bobGrant, relay);
    const thief = track(await WsMediaLeg.open(relay));
    thief.send(thief.bind({ ...call.aliceGrant, token: call.bobGrant.token }));
    expect(await thief.waitFor(1, 300)).toBe(0);
    expect(relay.core.media.drops['bad-token']).toBe(1);
    udp.send(
      new MediaSender(crypto, call.bobKeys, call.bobGrant.sessionId).seal({
        sequence: 0,
        timestamp: 0,
        payload: sealedFrame,
      }),
      relay,
    );
    expect(await thief.waitFor(1, 300)).toBe(0);
  });
});

describe('WebSocket listener protections', () => {
  it('refuses origins outside the allow-list (HTTP 403, RELAY_ERR_ORIGIN_REFUSED); serves listed ones', async () => {
    const relay = await wsRelay({ webSocket: { port: 0, allowedOrigins: ['https://phone.example'] } });
    await expect(ws(wsUrl(relay, 'control'), { origin: 'https://evil.example' })).rejects.toMatchObject({
      status: 403,
    });
    await expect(ws(wsUrl(relay, 'media'))).rejects.toMatchObject({ status: 403 });
    expect(relay.webSocketRefusals().get('RELAY_ERR_ORIGIN_REFUSED')).toBe(2);
    const client = track(await wsTestClient(relay, { origin: 'https://phone.example' }));
    await client.register(alice, 'alice', relay.fingerprint);
    expect(client.result?.welcome.type).toBe('WELCOME');
  });

  it('the metrics count the refusals by code and the open media legs', async () => {
    const relay = await wsRelay({
      metricsPort: 0,
      webSocket: { port: 0, allowedOrigins: ['https://phone.example'] },
    });
    await expect(ws(wsUrl(relay, 'control'), { origin: 'https://evil.example' })).rejects.toMatchObject({
      status: 403,
    });
    await ws(wsUrl(relay, 'media'), { origin: 'https://phone.example' });
    const text = await (await fetch(`http://127.0.0.1:${relay.metricsPort}/metrics`)).text();
    expect(text).toContain('leitung_relay_websocket_refusals_total{code="RELAY_ERR_ORIGIN_REFUSED"} 1');
    expect(text).toContain('leitung_relay_websocket_media_legs 1');
    expect(text).toContain('leitung_relay_websocket_media_backlog_drops_total 0');
  });

  it('speaks only WebSocket on its two paths: plain HTTP gets 426, other paths 404', async () => {
    const relay = await wsRelay();
    const response = await fetch(`http://127.0.0.1:${relay.webSocketPort}/control`);
    expect(response.status).toBe(426);
    await expect(ws(`ws://127.0.0.1:${relay.webSocketPort}/other`)).rejects.toMatchObject({ status: 404 });
  });

  it('caps connections that have not upgraded, per address, and cuts them at the upgrade deadline', async () => {
    const relay = await wsRelay({
      webSocket: { port: 0, upgradeTimeoutMs: 400 },
      limits: { maxUnauthenticatedPerIp: 2 },
    });
    const first = await raw(relay);
    const second = await raw(relay);
    const third = await raw(relay);
    expect(await closedWithin(third, 1_000)).toBe(true);
    expect(first.destroyed || second.destroyed).toBe(false);
    expect(relay.webSocketRefusals().get('RELAY_ERR_TOO_MANY_CONNECTIONS')).toBe(1);
    // Silent sockets are cut at the deadline, which gives their places back.
    expect(await closedWithin(first, 2_000)).toBe(true);
    expect(await closedWithin(second, 2_000)).toBe(true);
    expect(relay.webSocketRefusals().get('RELAY_ERR_HANDSHAKE_TIMEOUT')).toBe(2);
    const client = track(await wsTestClient(relay));
    await client.register(alice, 'alice', relay.fingerprint);
  });

  it('caps connections that have not upgraded in total (maxUnauthenticated), across addresses', async () => {
    const relay = await wsRelay({ limits: { maxUnauthenticated: 2 } });
    const open = (localAddress: string) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: relay.host, port: relay.webSocketPort!, localAddress });
        trackSocket(socket);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    const first = await open('127.0.0.2');
    await open('127.0.0.3');
    const third = await open('127.0.0.4');
    expect(await closedWithin(third, 1_000)).toBe(true);
    expect(first.destroyed).toBe(false);
    expect(relay.webSocketRefusals().get('RELAY_ERR_TOO_MANY_CONNECTIONS')).toBe(1);
  });

  it('control WebSockets count against the core caps and its handshake timeout, like TCP', async () => {
    const relay = await wsRelay({ limits: { maxConnectionsPerIp: 2, handshakeTimeoutMs: 300 } });
    const a = track(await wsTestClient(relay));
    track(await fx.client(relay));
    const refused = track(await wsTestClient(relay));
    expect(await refused.nextPlain()).toMatchObject({
      type: 'ERROR',
      code: 'RELAY_ERR_TOO_MANY_CONNECTIONS',
    });
    await refused.waitClosed();
    expect(await a.nextPlain(3_000)).toMatchObject({ type: 'ERROR', code: 'RELAY_ERR_HANDSHAKE_TIMEOUT' });
    await a.waitClosed();
  });

  it('a control message over maxFrameSize closes the connection (1009) before it is buffered', async () => {
    const relay = await wsRelay({ limits: { maxFrameSize: 4096 } });
    const socket = await ws(wsUrl(relay, 'control'));
    socket.send(new Uint8Array(4097));
    expect(await closeCodeOf(socket)).toBe(1009);
    expect(relay.core.stats.framesReceived).toBe(0);
  });

  it('text messages close the connection (1003) on both paths', async () => {
    const relay = await wsRelay();
    const control = await ws(wsUrl(relay, 'control'));
    control.send('REGISTER');
    expect(await closeCodeOf(control)).toBe(1003);
    const media = await ws(wsUrl(relay, 'media'));
    media.send('BIND');
    expect(await closeCodeOf(media)).toBe(1003);
    expect(relay.webSocketRefusals().get('RELAY_ERR_UNEXPECTED_MESSAGE')).toBe(2);
  });

  it('a media message over maxMediaPacketSize closes the leg (1009)', async () => {
    const relay = await wsRelay();
    const media = await ws(wsUrl(relay, 'media'));
    media.send(new Uint8Array(relay.core.limits.maxMediaPacketSize + 1));
    expect(await closeCodeOf(media)).toBe(1009);
  });

  it('caps media legs per address (HTTP 503)', async () => {
    const relay = await wsRelay({ limits: { maxConnectionsPerIp: 2 } });
    await ws(wsUrl(relay, 'media'));
    await ws(wsUrl(relay, 'media'));
    await expect(ws(wsUrl(relay, 'media'))).rejects.toMatchObject({ status: 503 });
    expect(relay.webSocketRefusals().get('RELAY_ERR_TOO_MANY_CONNECTIONS')).toBe(1);
  });

  it('caps media legs in total at two per media session', async () => {
    const relay = await wsRelay({ limits: { maxMediaSessions: 1 } });
    await ws(wsUrl(relay, 'media'));
    await ws(wsUrl(relay, 'media'));
    // The per-address cap (maxConnectionsPerIp, 32) is far away: the total refuses the third.
    await expect(ws(wsUrl(relay, 'media'))).rejects.toMatchObject({ status: 503 });
  });

  it('closes a media leg that binds nothing within mediaBindTimeoutMs (1008)', async () => {
    const relay = await wsRelay({ limits: { mediaBindTimeoutMs: 300 } });
    const media = await ws(wsUrl(relay, 'media'));
    expect(await closeCodeOf(media, 3_000)).toBe(1008);
    expect(relay.webSocketRefusals().get('RELAY_ERR_IDLE_TIMEOUT')).toBe(1);
  });

  it("DATA from a leg stays within the side's packet-rate bucket", async () => {
    const relay = await wsRelay({ limits: { mediaPacketsPerSide: { perSecond: 1, burst: 10 } } });
    const call = await establishedCall(fx, relay, alice, bob, {
      a: async () => track(await wsTestClient(relay)),
    });
    const leg = track(await WsMediaLeg.open(relay));
    const udp = track(await MediaPeer.open());
    await leg.establish(call.aliceGrant);
    await udp.establish(call.bobGrant, relay);
    const sender = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId);
    const before = udp.received.length;
    for (let i = 0; i < 30; i++)
      leg.send(sender.seal({ sequence: i, timestamp: i * 960, payload: sealedFrame }));
    await udp.waitFor(before + 30, 500);
    expect(udp.received.length - before).toBeLessThan(30);
    expect(relay.core.media.drops.rate).toBeGreaterThan(0);
  });
});
