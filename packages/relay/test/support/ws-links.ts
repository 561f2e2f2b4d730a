/**
 * WebSocket counterparts of the TCP and UDP test peers (docs/relay.md "WebSocket listener"): a control
 * WebSocket dressed as the byte stream {@link TestClient} drives (each frame written becomes one binary
 * message, each message received becomes one frame again), and a media leg that binds a grant like
 * {@link MediaPeer} does over UDP. Both use `ws`, a real socket to the relay's listener.
 */
import { EventEmitter } from 'node:events';
import { encodeFrame, FrameDecoder, type MediaGrant } from '@leitung/wire';
import WebSocket from 'ws';
import type { Relay } from '../../src/index.js';
import { MediaEndpoint } from './media-endpoint.js';
import { TestClient } from './test-client.js';

/** `ws://host:port/<path>` of a relay's WebSocket listener. */
export function wsUrl(relay: Relay, path: 'control' | 'media'): string {
  const port = relay.webSocketPort;
  if (port === undefined) throw new Error('the relay has no WebSocket listener');
  return `ws://${relay.host}:${port}/${path}`;
}

/**
 * Opens a WebSocket; resolves once open, rejects with the HTTP status of a refused upgrade. `attach` runs
 * before the upgrade: messages the relay sends with its 101 response arrive before 'open' resolves.
 */
export function openWebSocket(
  url: string,
  headers: Record<string, string> = {},
  attach: (socket: WebSocket) => void = () => undefined,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    attach(socket);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate();
      reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode }));
    });
    socket.once('error', reject);
  });
}

/** The close code a WebSocket ends with (waits for it). */
export function closeCodeOf(socket: WebSocket, timeoutMs = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve(-1);
    const timer = setTimeout(() => reject(new Error('not closed')), timeoutMs);
    socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * A control WebSocket as the framed byte stream TestClient writes to and reads from. What arrives before
 * `start()` (the relay may send an ERROR and close together with its 101 response) is held until then.
 */
class FramedWebSocket extends EventEmitter {
  readonly #socket: WebSocket;
  readonly #decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
  #held: Buffer[] | undefined = [];
  #closed = false;
  destroyed = false;

  constructor(socket: WebSocket) {
    super();
    this.#socket = socket;
    socket.on('message', (data: Buffer) => {
      const chunk = Buffer.from(encodeFrame(new Uint8Array(data), { maxFrameSize: 1 << 24 }));
      if (this.#held === undefined) this.emit('data', chunk);
      else this.#held.push(chunk);
    });
    socket.on('close', () => {
      this.#closed = true;
      if (this.#held === undefined) this.emit('close');
    });
    socket.on('error', () => undefined);
  }

  /** Hands over what was held, then passes everything on as it comes. */
  start(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const chunk of held) this.emit('data', chunk);
    if (this.#closed) this.emit('close');
  }

  write(bytes: Uint8Array): boolean {
    for (const payload of this.#decoder.push(bytes)) this.#socket.send(payload);
    return true;
  }

  destroy(): void {
    this.destroyed = true;
    this.#socket.terminate();
  }
}

/** A TestClient over a control WebSocket of `relay`. */
export async function wsTestClient(relay: Relay, headers?: Record<string, string>): Promise<TestClient> {
  let stream: FramedWebSocket | undefined;
  await openWebSocket(wsUrl(relay, 'control'), headers, (socket) => {
    stream = new FramedWebSocket(socket);
  });
  const client = TestClient.adopt(stream!);
  stream!.start();
  return client;
}

/** One media leg: a WebSocket to `/media` that binds a grant and sends and receives datagrams. */
export class WsMediaLeg extends MediaEndpoint {
  readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    super();
    this.socket = socket;
    socket.on('message', (data: Buffer) => this.deliver(data));
    socket.on('error', () => {});
  }

  static async open(relay: Relay): Promise<WsMediaLeg> {
    return new WsMediaLeg(await openWebSocket(wsUrl(relay, 'media')));
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  /** BIND → BIND_ACK over the leg: a connection is not challenged (docs/protocol.md "WebSocket transport"). */
  establish(grant: MediaGrant): Promise<void> {
    return this.connectedHandshake(grant, (bytes) => this.send(bytes));
  }

  close(): void {
    this.socket.terminate();
  }
}
