/**
 * The relay's WebSocket listener (docs/relay.md "WebSocket listener", docs/protocol.md "WebSocket
 * transport"): one HTTP server on its own port whose upgrades go to `/control` (one binary message = one
 * control frame payload, fed to the same {@link RelayCore} as TCP) or `/media` (one binary message = one
 * media datagram, fed to the same {@link MediaRouter} as UDP). A media WebSocket is a media *leg*: the
 * router sees it as the endpoint `{ address: 'ws:<n>', port: 0 }` — UDP never reports port 0, so one
 * integer compare tells the legs apart — and binds it by the same BIND / BIND_CHALLENGE / BIND_CONFIRM
 * rules as a UDP address. DATA is forwarded between UDP and WebSocket legs in either direction.
 *
 * Protections before the core sees anything: an `Origin` allow-list, per-address and total caps on
 * connections that have not upgraded yet and on media legs, an upgrade deadline, message size caps enforced
 * by `ws` on the frame header (`maxPayload`), binary messages only, no compression, bounded send buffers.
 * Everything after the upgrade is the core's (connection caps, handshake slots, rate limits, timeouts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { ConnectionId } from '../core/outputs.js';
import { RelayErrorCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { MediaRouter } from '../media/media-router.js';
import { addressKey } from '../protection/address-key.js';
import type { ResolvedWebSocketOptions } from './web-socket-options.js';

/** Bytes queued for a control WebSocket that does not read; beyond this it is dropped (as on TCP). */
const MAX_PENDING_CONTROL_BYTES = 1024 * 1024;
/**
 * Bytes queued for a media leg beyond which further packets to it are dropped: media is loss-tolerant
 * like UDP, and a slow reader must not make the relay buffer a call's audio (about 0.5 s of Opus packets).
 */
const MAX_PENDING_MEDIA_BYTES = 32 * 1024;
/** After the relay closes a control WebSocket, how long the peer gets to read the last frames. */
const CLOSE_GRACE_MS = 1000;
/** How often media legs are checked against their bind and idle deadlines. */
const SWEEP_MS = 1000;
/** WebSocket close codes (RFC 6455 §7.4.1). */
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_POLICY = 1008;

/** The endpoint address prefix of media legs (never an IP address). */
export const MEDIA_LEG_PREFIX = 'ws:';

/** Why the listener refused or closed a connection before (or outside) the core; counted by code. */
export type WebSocketRefusalCode =
  | typeof RelayErrorCode.OriginRefused
  | typeof RelayErrorCode.TooManyConnections
  | typeof RelayErrorCode.HandshakeTimeout
  | typeof RelayErrorCode.BadRequest
  | typeof RelayErrorCode.UnexpectedMessage
  | typeof RelayErrorCode.IdleTimeout;

/** What the listener asks of the {@link Relay} for control WebSockets: the same inputs as a TCP socket. */
export interface ControlHooks {
  /** A new connection id (the relay's id space, shared with TCP). */
  nextId(): ConnectionId;
  /** The control WebSocket `connId` is open (its sends and closes already reach it). */
  opened(connId: ConnectionId, remoteIp: string): void;
  frame(connId: ConnectionId, payload: Uint8Array): void;
  closed(connId: ConnectionId): void;
}

/** What the listener needs for media legs: the router, the UDP socket for cross-plane forwards, the clock. */
export interface MediaHooks {
  readonly router: MediaRouter;
  readonly now: () => number;
  /** Sends a datagram on the relay's UDP media socket. */
  sendUdp(bytes: Uint8Array, port: number, address: string): void;
  /** A BIND_CONFIRM bound or moved a side to a leg. */
  onBinding?(binding: 'bound' | 'rebound', sessionId: number): void;
}

interface MediaLeg {
  readonly socket: WebSocket;
  readonly endpoint: { readonly address: string; readonly port: 0; readonly connected: true };
  readonly key: string;
  readonly openedAt: number;
  bound: boolean;
  lastActivity: number;
}

/** What {@link WebSocketListener.open} takes. */
export interface WebSocketListenerOptions {
  readonly host: string;
  readonly options: ResolvedWebSocketOptions;
  readonly limits: RelayLimits;
  readonly control: ControlHooks;
  readonly media: MediaHooks;
  readonly logger: Logger;
}

/**
 * The relay's WebSocket listener: an HTTP server whose upgrades become control connections of the core or
 * media legs of the router. Opened by the {@link Relay} when `startRelay({ webSocket })` is set.
 */
export class WebSocketListener {
  readonly #o: WebSocketListenerOptions;
  readonly #server: Server;
  readonly #controlServer: WebSocketServer;
  readonly #mediaServer: WebSocketServer;
  /** Raw TCP connections that have not upgraded yet, by address key. */
  readonly #pending = new Map<string, number>();
  /** For each such connection: stops its upgrade deadline and gives its place back. */
  readonly #upgrading = new Map<Socket, () => void>();
  #pendingTotal = 0;
  readonly #control = new Map<ConnectionId, WebSocket>();
  readonly #legs = new Map<string, MediaLeg>();
  readonly #legsPerAddress = new Map<string, number>();
  readonly #sweep: NodeJS.Timeout;
  #nextLeg = 1;
  #port = 0;
  #closed = false;
  /** Refusals by code (docs/relay.md "WebSocket listener"). */
  readonly refusals = new Map<WebSocketRefusalCode, number>();
  /** Media packets to a leg dropped because its send buffer was full. */
  backlogDrops = 0;

  private constructor(o: WebSocketListenerOptions) {
    this.#o = o;
    // No compression: media and sealed frames are ciphertext, and inflating is a memory risk.
    const common = { noServer: true, perMessageDeflate: false, clientTracking: false } as const;
    this.#controlServer = new WebSocketServer({ ...common, maxPayload: o.limits.maxFrameSize });
    this.#mediaServer = new WebSocketServer({ ...common, maxPayload: o.limits.maxMediaPacketSize });
    this.#server = createServer((request, response) => this.#plainRequest(request, response));
    // Header floods are cut by Node's own limits; the upgrade deadline is the listener's own timer.
    this.#server.headersTimeout = o.options.upgradeTimeoutMs;
    this.#server.requestTimeout = o.options.upgradeTimeoutMs;
    this.#server.on('connection', (socket: Socket) => this.#accept(socket));
    this.#server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#upgrade(request, socket, head),
    );
    this.#server.on('clientError', (_error, socket: Socket) => socket.destroy());
    this.#sweep = setInterval(() => this.#expireLegs(), SWEEP_MS);
    this.#sweep.unref();
  }

  /** Listens on `host:options.port`. */
  static async open(o: WebSocketListenerOptions): Promise<WebSocketListener> {
    const listener = new WebSocketListener(o);
    const server = listener.#server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.options.port, o.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      clearInterval(listener.#sweep);
      throw error;
    }
    server.on('error', (error) => o.logger.error({ err: error.message }, 'websocket listener error'));
    const address = server.address();
    listener.#port = typeof address === 'object' && address !== null ? address.port : o.options.port;
    return listener;
  }

  /** The bound TCP port. */
  get port(): number {
    return this.#port;
  }

  /** Open media legs (for tests and metrics). */
  get mediaLegs(): number {
    return this.#legs.size;
  }

  /** Sends one control frame payload; false when `connId` is not a WebSocket of this listener. */
  sendControl(connId: ConnectionId, payload: Uint8Array): boolean {
    const socket = this.#control.get(connId);
    if (socket === undefined) return false;
    socket.send(payload, { binary: true });
    if (socket.bufferedAmount > MAX_PENDING_CONTROL_BYTES) {
      // A peer that does not read must not pin memory: drop it like a closed connection.
      this.#control.delete(connId);
      socket.terminate();
      this.#o.control.closed(connId);
    }
    return true;
  }

  /** Closes a control WebSocket the core closed; false when `connId` is not one of this listener's. */
  closeControl(connId: ConnectionId): boolean {
    const socket = this.#control.get(connId);
    if (socket === undefined) return false;
    this.#control.delete(connId);
    socket.close(1000);
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    return true;
  }

  /** Sends a forwarded media datagram to the leg `address` names (the UDP shell's hook); dropped if gone. */
  sendMedia(bytes: Uint8Array, address: string): void {
    const leg = this.#legs.get(address);
    if (leg === undefined) return;
    if (leg.socket.bufferedAmount > MAX_PENDING_MEDIA_BYTES) {
      this.backlogDrops++;
      return;
    }
    leg.socket.send(bytes, { binary: true });
  }

  /** Closes every WebSocket and the listener. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const socket of this.#control.values()) socket.terminate();
    this.#control.clear();
    for (const leg of this.#legs.values()) leg.socket.terminate();
    this.#legs.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ─── before the upgrade ─────────────────────────────────────────────────────────────────────────────

  /** A raw TCP connection: counted per address until it upgrades, and cut at the upgrade deadline. */
  #accept(socket: Socket): void {
    const limits = this.#o.limits;
    const key = addressKey(plainIp(socket.remoteAddress ?? ''));
    const count = this.#pending.get(key) ?? 0;
    if (
      this.#closed ||
      count >= limits.maxUnauthenticatedPerIp ||
      this.#pendingTotal >= limits.maxUnauthenticated
    ) {
      this.#refuse(RelayErrorCode.TooManyConnections);
      socket.destroy();
      return;
    }
    this.#pending.set(key, count + 1);
    this.#pendingTotal++;
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      this.#pendingTotal--;
      const left = (this.#pending.get(key) ?? 1) - 1;
      if (left === 0) this.#pending.delete(key);
      else this.#pending.set(key, left);
    };
    const timer = setTimeout(() => {
      this.#refuse(RelayErrorCode.HandshakeTimeout);
      socket.destroy();
    }, this.#o.options.upgradeTimeoutMs);
    timer.unref();
    // Upgraded (the socket now belongs to a WebSocket, whose caps are the core's or the legs') or gone.
    const done = () => {
      clearTimeout(timer);
      release();
      this.#upgrading.delete(socket);
    };
    this.#upgrading.set(socket, done);
    socket.once('close', done);
  }

  /** A request that is not an upgrade: this port only speaks WebSocket. */
  #plainRequest(_request: IncomingMessage, response: ServerResponse): void {
    this.#refuse(RelayErrorCode.BadRequest);
    response.writeHead(426, { connection: 'close', upgrade: 'websocket' }).end();
  }

  #upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    const server =
      path === '/control' ? this.#controlServer : path === '/media' ? this.#mediaServer : undefined;
    if (server === undefined) {
      this.#reject(socket, 404, RelayErrorCode.BadRequest);
      return;
    }
    const allowed = this.#o.options.allowedOrigins;
    const origin = request.headers.origin;
    if (allowed !== undefined && (origin === undefined || !allowed.has(origin))) {
      this.#reject(socket, 403, RelayErrorCode.OriginRefused);
      return;
    }
    const ip = plainIp(socket.remoteAddress ?? '');
    if (server === this.#mediaServer && !this.#legRoom(addressKey(ip))) {
      this.#reject(socket, 503, RelayErrorCode.TooManyConnections);
      return;
    }
    this.#upgrading.get(socket)?.();
    server.handleUpgrade(request, socket, head, (ws) => {
      if (this.#closed) {
        ws.terminate();
        return;
      }
      if (server === this.#controlServer) this.#openControl(ws, ip);
      else this.#openLeg(ws, ip);
    });
  }

  #reject(socket: Socket, status: number, code: WebSocketRefusalCode): void {
    this.#refuse(code);
    socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\nConnection: close\r\n\r\n`);
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  #refuse(code: WebSocketRefusalCode): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
    this.#o.logger.debug({ code }, 'websocket refused');
  }

  // ─── control ────────────────────────────────────────────────────────────────────────────────────────

  #openControl(socket: WebSocket, ip: string): void {
    const hooks = this.#o.control;
    const connId = hooks.nextId();
    // Registered first: the core may refuse it at once (caps, blocklist) with an ERROR and a close.
    this.#control.set(connId, socket);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (this.#control.get(connId) !== socket) return;
      if (!isBinary) {
        // docs/protocol.md "WebSocket transport": binary messages only.
        this.#refuse(RelayErrorCode.UnexpectedMessage);
        this.#control.delete(connId);
        socket.close(CLOSE_UNSUPPORTED_DATA);
        hooks.closed(connId);
        return;
      }
      hooks.frame(connId, bytesOf(data));
    });
    socket.on('error', () => {
      // 'close' follows (e.g. a message over maxPayload: ws closes with 1009).
    });
    socket.on('close', () => {
      if (this.#control.get(connId) === socket) {
        this.#control.delete(connId);
        hooks.closed(connId);
      }
    });
    hooks.opened(connId, ip);
  }

  // ─── media legs ─────────────────────────────────────────────────────────────────────────────────────

  /** Room for one more leg from `key`: per address as many as control connections, in total two per session. */
  #legRoom(key: string): boolean {
    const limits = this.#o.limits;
    return (
      (this.#legsPerAddress.get(key) ?? 0) < limits.maxConnectionsPerIp &&
      this.#legs.size < 2 * limits.maxMediaSessions
    );
  }

  #openLeg(socket: WebSocket, ip: string): void {
    const key = addressKey(ip);
    if (!this.#legRoom(key)) {
      // Another leg of the address upgraded in between.
      this.#refuse(RelayErrorCode.TooManyConnections);
      socket.close(CLOSE_POLICY);
      return;
    }
    const media = this.#o.media;
    const now = media.now();
    const address = `${MEDIA_LEG_PREFIX}${this.#nextLeg++}`;
    const leg: MediaLeg = {
      socket,
      // A connection: its BIND is acknowledged without a challenge (MediaEndpoint.connected).
      endpoint: { address, port: 0, connected: true },
      key,
      openedAt: now,
      bound: false,
      lastActivity: now,
    };
    this.#legs.set(address, leg);
    this.#legsPerAddress.set(key, (this.#legsPerAddress.get(key) ?? 0) + 1);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        this.#refuse(RelayErrorCode.UnexpectedMessage);
        socket.close(CLOSE_UNSUPPORTED_DATA);
        return;
      }
      this.#legDatagram(leg, bytesOf(data));
    });
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.on('close', () => this.#dropLeg(leg));
  }

  /** One datagram from a leg: the router decides, as for UDP; forwards may cross to the UDP plane. */
  #legDatagram(leg: MediaLeg, bytes: Uint8Array): void {
    const media = this.#o.media;
    const now = media.now();
    const decision = media.router.datagram(bytes, leg.endpoint, now);
    switch (decision.kind) {
      case 'forward':
        leg.lastActivity = now;
        if (decision.port === 0) this.sendMedia(bytes, decision.address);
        else media.sendUdp(bytes, decision.port, decision.address);
        return;
      case 'reply':
        leg.lastActivity = now;
        if (decision.binding === 'bound' || decision.binding === 'rebound') {
          leg.bound = true;
          media.onBinding?.(decision.binding, sessionIdOf(bytes));
        }
        this.sendMedia(decision.bytes, decision.address);
        return;
      case 'refresh':
        leg.lastActivity = now;
        return;
      case 'drop':
        return;
    }
  }

  #dropLeg(leg: MediaLeg): void {
    if (this.#legs.get(leg.endpoint.address) !== leg) return;
    this.#legs.delete(leg.endpoint.address);
    const left = (this.#legsPerAddress.get(leg.key) ?? 1) - 1;
    if (left === 0) this.#legsPerAddress.delete(leg.key);
    else this.#legsPerAddress.set(leg.key, left);
  }

  /**
   * A leg that no BIND_CONFIRM bound within `mediaBindTimeoutMs`, or that carried no accepted packet for
   * `mediaIdleTimeoutMs`, is closed: the same deadlines as a media session (docs/relay.md "Limits").
   */
  #expireLegs(): void {
    const now = this.#o.media.now();
    const limits = this.#o.limits;
    for (const leg of [...this.#legs.values()]) {
      const expired = leg.bound
        ? now - leg.lastActivity >= limits.mediaIdleTimeoutMs
        : now - leg.openedAt >= limits.mediaBindTimeoutMs;
      if (!expired) continue;
      this.#refuse(RelayErrorCode.IdleTimeout);
      this.#dropLeg(leg);
      leg.socket.close(CLOSE_POLICY);
      setTimeout(() => leg.socket.terminate(), CLOSE_GRACE_MS).unref();
    }
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** IPv4-mapped IPv6 (as dual-stack sockets report IPv4 peers) as plain IPv4, like the core does. */
function plainIp(ip: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip;
}

/** A received message as bytes (`ws` hands over a Buffer, or fragments when the binary type says so). */
function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** The session id of a media packet (bytes 2–5; the router checked the header). */
function sessionIdOf(bytes: Uint8Array): number {
  return ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
}
