/**
 * The addon's UDP shells around {@link MediaRouter} (docs/relay.md "Batched media I/O", "Native media plane").
 * Batched: the addon receives up to {@link MEDIA_BATCH_SIZE} datagrams per recvmmsg into shared slots on the
 * event loop; this file runs the router on a view of each slot (every check of docs/relay.md "Media", no copy),
 * writes the forwards into the shared send table, and the addon sends them with one sendmmsg from the slots
 * they arrived in. Native: a media thread in the addon decides and forwards DATA itself
 * ({@link NativeDataPlane}) and hands only the rest to the same callback. Replies (BIND_CHALLENGE, BIND_ACK)
 * go out one by one. IPv4 only; an IPv6 relay uses node:dgram.
 */
import type { MediaEndpoint, MediaRouter } from '../media/media-router.js';
import type { MediaSocketOptions, MediaTransport } from './dgram-media-socket.js';
import { MEDIA_SOCKET_BUFFER_BYTES } from './dgram-media-socket.js';
import type { NativeMediaAddon, NativeMediaHandle } from './native-media-addon.js';
import { ipv4Number, NativeDataPlane } from './native-media-plane.js';

/** Datagrams per recvmmsg/sendmmsg. */
export const MEDIA_BATCH_SIZE = 64;

/**
 * The nice value the native plane's media thread asks for: above the relay's other threads (nice 0, crypto
 * workers 10), so a burst of registrations or anything else on the machine at nice 0 waits for audio, not the
 * reverse (docs/relay.md "Native media plane").
 */
export const DEFAULT_MEDIA_THREAD_NICE = -10;

/** Address strings seen recently, by IPv4 number and back; bounded, so a spoofing flood cannot grow them. */
class AddressCache {
  readonly #byNumber = new Map<number, string>();
  readonly #byString = new Map<string, number>();
  static readonly #LIMIT = 65_536;

  text(ip: number): string {
    let text = this.#byNumber.get(ip);
    if (text === undefined) {
      if (this.#byNumber.size >= AddressCache.#LIMIT) this.#byNumber.clear();
      text = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
      this.#byNumber.set(ip, text);
    }
    return text;
  }

  number(text: string): number {
    let ip = this.#byString.get(text);
    if (ip === undefined) {
      if (this.#byString.size >= AddressCache.#LIMIT) this.#byString.clear();
      ip = ipv4Number(text);
      this.#byString.set(text, ip);
    }
    return ip;
  }
}

/** A media socket on the addon: batched on the event loop, or with the native plane's media thread. */
export class BatchedMediaSocket implements MediaTransport {
  readonly io: 'batched' | 'native';
  readonly #addon: NativeMediaAddon;
  readonly #handle: NativeMediaHandle;
  readonly #addresses: AddressCache;
  readonly #plane: NativeDataPlane | undefined;
  readonly #now: () => number;
  #closed = false;

  private constructor(
    addon: NativeMediaAddon,
    handle: NativeMediaHandle,
    addresses: AddressCache,
    plane: NativeDataPlane | undefined,
    now: () => number,
  ) {
    this.io = plane === undefined ? 'batched' : 'native';
    this.#addon = addon;
    this.#handle = handle;
    this.#addresses = addresses;
    this.#plane = plane;
    this.#now = now;
  }

  /**
   * Binds and starts forwarding; throws what bind throws (e.g. EADDRINUSE). `native`: DATA on the media thread,
   * which reads the wall clock, so only with the default clock (`options.now` absent).
   */
  static open(options: MediaSocketOptions, addon: NativeMediaAddon, native = false): BatchedMediaSocket {
    const router: MediaRouter = options.router;
    const now = options.now ?? Date.now;
    const onBinding = options.onBinding;
    const onError = options.onError;
    const toLeg = options.toLeg;
    // A slot holds one more byte than the largest packet the router accepts: a longer datagram fills its
    // slot (the addon reports it that long) and is dropped as oversize, like on the dgram path.
    const slot = Math.max(2048, router.maxPacketSize + 1);
    const addresses = new AddressCache();
    // The router copies an endpoint it binds, so one object serves every datagram.
    const from = { address: '', port: 0 } satisfies MediaEndpoint;
    const handle = {} as NativeMediaHandle;
    let rx = new Uint8Array(0);
    const onBatch = (count: number): number => {
      const meta = handle.rxMeta;
      const tx = handle.txMeta;
      const at = now();
      let sends = 0;
      for (let i = 0; i < count; i++) {
        const offset = i * slot;
        const bytes = rx.subarray(offset, offset + meta[3 * i]!);
        from.address = addresses.text(meta[3 * i + 1]!);
        from.port = meta[3 * i + 2]!;
        try {
          const decision = router.datagram(bytes, from, at);
          if (decision.kind === 'forward') {
            if (decision.port !== 0) {
              tx[3 * sends] = i;
              tx[3 * sends + 1] = addresses.number(decision.address);
              tx[3 * sends + 2] = decision.port;
              sends++;
            } else {
              // A WebSocket media leg (port 0): a copy, because the slot is reused by the next batch.
              toLeg?.(bytes.slice(), decision.address);
            }
          } else if (decision.kind === 'reply') {
            addon.sendTo(handle, decision.bytes, addresses.number(decision.address), decision.port);
            if ((decision.binding === 'bound' || decision.binding === 'rebound') && onBinding !== undefined) {
              onBinding(
                decision.binding,
                ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0,
              );
            }
          }
        } catch (error) {
          // A failure on one datagram costs that datagram only (docs/relay.md "Shell").
          onError?.(error instanceof Error ? error : new Error(String(error)));
        }
      }
      return sends;
    };
    const limit = router.packetsPerSide;
    addon.open(
      handle,
      options.host,
      options.port,
      MEDIA_SOCKET_BUFFER_BYTES,
      MEDIA_BATCH_SIZE,
      slot,
      onBatch,
      native
        ? [
            router.maxPacketSize,
            limit.perSecond,
            limit.burst,
            options.threadNice ?? DEFAULT_MEDIA_THREAD_NICE,
          ]
        : undefined,
    );
    rx = new Uint8Array(handle.rx);
    const plane = native ? new NativeDataPlane(addon, handle, router) : undefined;
    plane?.start(now());
    return new BatchedMediaSocket(addon, handle, addresses, plane, now);
  }

  /** Sends one datagram (a forward from a WebSocket media leg to a UDP side). */
  send(bytes: Uint8Array, port: number, address: string): void {
    if (!this.#closed) this.#addon.sendTo(this.#handle, bytes, this.#addresses.number(address), port);
  }

  /** The bound UDP port. */
  get port(): number {
    return this.#handle.port;
  }

  /** Datagrams the native plane's queue to the loop shed since open; undefined on the batched path. */
  get queueDrops(): number | undefined {
    return this.#plane === undefined ? undefined : this.#addon.stats(this.#handle)[3];
  }

  /** The media thread's nice value (native plane); undefined on the batched path. */
  get threadNice(): number | undefined {
    if (this.#plane === undefined) return undefined;
    const nice = this.#addon.stats(this.#handle)[4];
    return Number.isNaN(nice) ? undefined : nice;
  }

  /** The buffer sizes the kernel granted (bytes). */
  get bufferSizes(): { readonly receive: number; readonly send: number } {
    const [receive, send] = this.#addon.bufferSizes(this.#handle);
    return { receive, send };
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#plane?.stop(this.#now());
      this.#addon.close(this.#handle);
    }
    return Promise.resolve();
  }
}
