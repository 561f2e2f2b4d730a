/**
 * The node:dgram UDP shell around {@link MediaRouter} (docs/design.md §5 step 5): the fallback where the batched
 * addon is not built, and the path for IPv6 (docs/relay.md "Batched media I/O"). Per datagram: one router call, then at
 * most one `send` of the received buffer itself (DATA is forwarded verbatim, never copied). Socket buffers
 * are raised to ~4 MiB: the default 208 KiB overflows near 100 k packets/s on this kind of machine
 * (docs/relay.md "Media"). The socket's address lookup is a synchronous identity function — every
 * destination is an IP address taken from a received datagram — which saves the DNS module's extra tick
 * per send.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { MediaRouter } from '../media/media-router.js';

/** Requested SO_RCVBUF / SO_SNDBUF (the kernel may cap it; Linux doubles what it grants). */
export const MEDIA_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * How a media socket moves datagrams: the addon's native plane (a media thread), the batched addon on the loop
 * (recvmmsg/sendmmsg) or node:dgram.
 */
export type MediaIo = 'native' | 'batched' | 'dgram';

/** What the relay shell needs of a media socket, whichever way it moves datagrams. */
export interface MediaTransport {
  readonly io: MediaIo;
  /** The bound UDP port. */
  readonly port: number;
  /** The buffer sizes the kernel granted (bytes). */
  readonly bufferSizes: { readonly receive: number; readonly send: number };
  /** Sends one datagram (a forward from a WebSocket media leg to a UDP side). */
  send(bytes: Uint8Array, port: number, address: string): void;
  /** The native plane's media thread's nice value; undefined on the other paths. */
  readonly threadNice?: number | undefined;
  /** Datagrams the native plane's queue to the loop shed since open; undefined on the other paths. */
  readonly queueDrops?: number | undefined;
  close(): Promise<void>;
}

export interface MediaSocketOptions {
  readonly router: MediaRouter;
  /** IP address to bind. */
  readonly host: string;
  readonly port: number;
  /** Clock in ms (injected for tests; `Date.now` by default). */
  readonly now?: () => number;
  /**
   * Sends a forwarded datagram to a WebSocket media leg (docs/relay.md "WebSocket listener"): the router
   * names legs with port 0, which no UDP sender has. Without it such forwards are dropped.
   */
  readonly toLeg?: (bytes: Uint8Array, address: string) => void;
  /** A BIND_CONFIRM created or moved a binding. */
  readonly onBinding?: (binding: 'bound' | 'rebound', sessionId: number) => void;
  readonly onError?: (error: Error) => void;
  /** The nice value the native plane's media thread asks for (DEFAULT_MEDIA_THREAD_NICE when absent). */
  readonly threadNice?: number;
}

/** A media socket on node:dgram: one router call and at most one send per datagram. */
export class DgramMediaSocket implements MediaTransport {
  readonly io = 'dgram';
  readonly #socket: Socket;
  #port = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Binds the socket and starts forwarding. */
  static async open(options: MediaSocketOptions): Promise<DgramMediaSocket> {
    const family = options.host.includes(':') ? 6 : 4;
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: MEDIA_SOCKET_BUFFER_BYTES,
      sendBufferSize: MEDIA_SOCKET_BUFFER_BYTES,
      lookup: (address, _options, callback) => callback(null, address, family),
    });
    const media = new DgramMediaSocket(socket);
    const router = options.router;
    const now = options.now ?? Date.now;
    const onBinding = options.onBinding;
    const toLeg = options.toLeg;
    socket.on('message', (message, from) => {
      const decision = router.datagram(message, from, now());
      if (decision.kind === 'forward') {
        if (decision.port !== 0) socket.send(message, decision.port, decision.address);
        else toLeg?.(message, decision.address);
      } else if (decision.kind === 'reply') {
        socket.send(decision.bytes, decision.port, decision.address);
        if ((decision.binding === 'bound' || decision.binding === 'rebound') && onBinding !== undefined) {
          onBinding(decision.binding, message.readUInt32BE(2));
        }
      }
    });
    // Send failures (e.g. ICMP unreachable reported on the next send) must never end the relay.
    socket.on('error', (error) => options.onError?.(error));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    media.#port = socket.address().port;
    return media;
  }

  /** Sends one datagram (a forward from a WebSocket media leg to a UDP side). */
  send(bytes: Uint8Array, port: number, address: string): void {
    this.#socket.send(bytes, port, address);
  }

  /** The bound UDP port. */
  get port(): number {
    return this.#port;
  }

  /** The buffer sizes the kernel granted (bytes). */
  get bufferSizes(): { readonly receive: number; readonly send: number } {
    return { receive: this.#socket.getRecvBufferSize(), send: this.#socket.getSendBufferSize() };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
