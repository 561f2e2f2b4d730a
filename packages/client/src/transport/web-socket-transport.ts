/**
 * The WebSocket transport (docs/client.md "Transports", docs/protocol.md "WebSocket transport"): the
 * control channel is `<webSocket>/control`, one binary message per frame payload (no length header), and
 * each call's media lane is its own `<webSocket>/media`, one binary message per media packet. It uses the
 * WHATWG `WebSocket` API only — the browser's, or any class with the same API passed in (in Node 20, `ws`'s)
 * — and imports no `node:*` module, so it runs in a page.
 */
import { DEFAULT_MAX_FRAME_SIZE, type FrameOptions, WireErrorCode } from '@leitung/wire';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import { unrefTimer } from '../shell/event-loop.js';
import type {
  ClientTransport,
  ControlChannel,
  ControlChannelHandlers,
  DatagramSocket,
  MediaTarget,
} from './client-transport.js';

/** The part of the WHATWG `WebSocket` the transport uses (browsers' `WebSocket`; `ws`'s class in Node). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number): void;
}

/** A `WebSocket` class: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** What {@link createWebSocketTransport} takes. */
export interface WebSocketTransportOptions {
  /** The WebSocket class (default `globalThis.WebSocket`; in Node 20 pass `ws`'s `WebSocket`). */
  readonly WebSocket?: WebSocketConstructor;
}

/** `WebSocket.OPEN` (RFC 6455 via the WHATWG API). */
const OPEN = 1;
/** Close codes (RFC 6455 §7.4.1): normal, unsupported data, message too big. */
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_TOO_BIG = 1009;
/** Datagrams queued while a media WebSocket opens, as the UDP socket queues until connected. */
const MEDIA_QUEUE = 64;
/**
 * Beyond this many bytes waiting in a media WebSocket, packets are dropped rather than queued: late audio
 * is useless, and the relay drops to slow readers the same way (docs/relay.md "WebSocket listener").
 */
const MAX_MEDIA_BUFFERED = 32 * 1024;

/** `<base>/<path>` for a relay entry's `webSocket` base URL. */
function endpointUrl(base: string, path: 'control' | 'media'): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/** A received message as bytes; undefined for a text message (a protocol violation). */
function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** A control channel over `<webSocket>/control`. */
class WebSocketControlChannel implements ControlChannel {
  readonly #socket: WebSocketLike;
  #closed = false;

  constructor(socket: WebSocketLike, handlers: ControlChannelHandlers, framing: FrameOptions | undefined) {
    const maxFrameSize = framing?.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.#socket = socket;
    let code: string | undefined;
    let reported = false;
    const report = () => {
      if (reported) return;
      reported = true;
      this.#closed = true;
      handlers.onClose(code);
    };
    socket.onopen = () => {
      if (!this.#closed) handlers.onOpen();
    };
    // A prepared connection may be open already: it opens for the handlers on the next turn, as a new one would.
    if (socket.readyState === OPEN) {
      queueMicrotask(() => {
        if (!this.#closed) handlers.onOpen();
      });
    }
    socket.onmessage = (event) => {
      if (this.#closed) return;
      const payload = bytesOf(event.data);
      if (payload === undefined || payload.length === 0 || payload.length > maxFrameSize) {
        // The same rules as a TCP frame (docs/protocol.md §2): a bad one ends the connection.
        code = payload === undefined ? ClientErrorCode.Protocol : WireErrorCode.FrameTooLarge;
        socket.close(payload === undefined ? CLOSE_UNSUPPORTED_DATA : CLOSE_TOO_BIG);
        report();
        return;
      }
      handlers.onFrame(payload);
    };
    socket.onerror = () => {
      code ??= ClientErrorCode.ConnectionClosed;
    };
    socket.onclose = () => report();
  }

  send(payload: Uint8Array): void {
    if (!this.#closed && this.#socket.readyState === OPEN) this.#socket.send(payload);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Frames sent before (a CALL_END at hang-up) go out before the close frame.
    this.#socket.close(CLOSE_NORMAL);
  }
}

/** One call's media socket over `<webSocket>/media`: a new WebSocket, or one opened ahead (prepared). */
class WebSocketMediaSocket implements DatagramSocket {
  readonly #socket: WebSocketLike;
  #queue: Uint8Array[] = [];
  #closed = false;

  constructor(socket: WebSocketLike, onDatagram: (data: Uint8Array) => void) {
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#closed) return;
      for (const data of this.#queue.splice(0)) socket.send(data);
    };
    socket.onmessage = (event) => {
      const datagram = bytesOf(event.data);
      if (!this.#closed && datagram !== undefined) onDatagram(datagram);
    };
    socket.onerror = () => undefined;
    // A lane whose socket closed stops hearing BIND_ACKs: its BIND retries report the failure.
    socket.onclose = () => {
      this.#closed = true;
    };
  }

  send(data: Uint8Array): void {
    if (this.#closed) return;
    if (this.#socket.readyState !== OPEN) {
      if (this.#queue.length < MEDIA_QUEUE) this.#queue.push(data);
      return;
    }
    if (this.#socket.bufferedAmount > MAX_MEDIA_BUFFERED) return;
    this.#socket.send(data);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#socket.close(CLOSE_NORMAL);
  }
}

/** A socket opened ahead of its use (a control connection or a media leg), until a channel takes it. */
interface PreparedLeg {
  readonly url: string;
  readonly socket: WebSocketLike;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * How long a prepared media leg waits for its call: below the relay's 30 s deadline for binding a leg
 * (docs/relay.md "Limits"), so the relay never closes it under a lane that just took it.
 */
const PREPARED_LEG_MS = 25_000;
/** `WebSocket.CONNECTING`. */
const CONNECTING = 0;

function newSocket(WebSocket: WebSocketConstructor, url: string): WebSocketLike {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  return socket;
}

/**
 * One socket opened ahead of its use (docs/client.md "Transports"), waiting `holdMs` to be taken by the
 * channel for its URL; replaced by a hint for another URL, closed when released or when the wait ends.
 */
class PreparedSocket {
  readonly #WebSocket: WebSocketConstructor;
  readonly #holdMs: number;
  #leg: PreparedLeg | undefined;

  constructor(WebSocket: WebSocketConstructor, holdMs: number) {
    this.#WebSocket = WebSocket;
    this.#holdMs = holdMs;
  }

  prepare(url: string): void {
    if (this.#leg?.url === url && this.#leg.socket.readyState <= OPEN) return;
    this.release();
    const socket = newSocket(this.#WebSocket, url);
    // Nothing is read from a socket no channel has taken: the relay sends nothing first.
    socket.onerror = () => undefined;
    const timer = setTimeout(() => this.release(), this.#holdMs);
    unrefTimer(timer);
    this.#leg = { url, socket, timer };
  }

  /** The prepared socket for `url`, handed over if it is still opening or open. */
  take(url: string): WebSocketLike | undefined {
    const leg = this.#leg;
    if (leg === undefined || leg.url !== url) return undefined;
    clearTimeout(leg.timer);
    this.#leg = undefined;
    const state = leg.socket.readyState;
    if (state === CONNECTING || state === OPEN) return leg.socket;
    leg.socket.close(CLOSE_NORMAL);
    return undefined;
  }

  release(): void {
    const leg = this.#leg;
    if (leg === undefined) return;
    this.#leg = undefined;
    clearTimeout(leg.timer);
    leg.socket.close(CLOSE_NORMAL);
  }
}

/** How long a prepared control connection waits for its registration (the probe runs meanwhile). */
const PREPARED_CONTROL_MS = 10_000;

/** A media socket for a target without a WebSocket URL: sends nothing, so the lane reports its failure. */
const NOWHERE: DatagramSocket = Object.freeze({ send: () => undefined, close: () => undefined });

/**
 * The WebSocket transport: relays whose entry carries `webSocket` (docs/protocol.md "WebSocket
 * transport"). Pass it as `ClientOptions.transport`; relays without `webSocket` are refused at construction.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions = {}): ClientTransport {
  const WebSocket =
    options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
  if (WebSocket === undefined) {
    throw new ClientError(
      ClientErrorCode.InvalidArgument,
      'no WebSocket class: pass options.WebSocket (in Node 20, the ws package)',
    );
  }
  const control = new PreparedSocket(WebSocket, PREPARED_CONTROL_MS);
  const media = new PreparedSocket(WebSocket, PREPARED_LEG_MS);
  return Object.freeze({
    name: 'websocket',
    supports: (relay: RelayEntry) => relay.webSocket !== undefined,
    openControl: (
      relay: RelayEntry,
      handlers: ControlChannelHandlers,
      framing?: FrameOptions,
      purpose: 'registration' | 'probe' = 'registration',
    ) => {
      if (relay.webSocket === undefined) {
        throw new ClientError(ClientErrorCode.InvalidArgument, 'this relay entry has no webSocket URL');
      }
      const url = endpointUrl(relay.webSocket, 'control');
      const prepared = purpose === 'registration' ? control.take(url) : undefined;
      return new WebSocketControlChannel(prepared ?? newSocket(WebSocket, url), handlers, framing);
    },
    openMedia: (target: MediaTarget, onDatagram: (data: Uint8Array) => void) => {
      if (target.webSocket === undefined) return NOWHERE;
      const url = endpointUrl(target.webSocket, 'media');
      return new WebSocketMediaSocket(media.take(url) ?? newSocket(WebSocket, url), onDatagram);
    },
    prepareControl: (relay: RelayEntry) => {
      if (relay.webSocket !== undefined) control.prepare(endpointUrl(relay.webSocket, 'control'));
    },
    prepareMedia: (target: MediaTarget) => {
      if (target.webSocket !== undefined) media.prepare(endpointUrl(target.webSocket, 'media'));
    },
    releasePreparedMedia: () => media.release(),
    releasePreparedControl: () => control.release(),
  });
}
