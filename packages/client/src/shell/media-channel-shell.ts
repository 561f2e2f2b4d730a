/**
 * The media lane of one call (docs/architecture.md "Media lane"; docs/design.md §5 step 5): a
 * MediaChannelCore driven by its own small shell, which owns the call's UDP socket and the timers for BIND
 * retries and KEEPALIVE. It is the call's frame transport (structurally @leitung/audio's FrameTransport): a
 * frame goes from `send` through the core's packet cipher to the socket, and from the socket through the
 * core to the `onFrame` listeners, without passing the control core, which only decides when the lane
 * opens, moves to another relay (CALL_RESUME) and closes. Closing erases the keys and the grant token.
 *
 * The socket comes from the transport (docs/client.md "Transports"): this module names none, so the browser
 * entry reaches it without UDP; media-channel.ts adds the Node default, a connected UDP socket.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import type { MediaKeys } from '@leitung/session';
import type { MediaGrant } from '@leitung/wire';
import {
  MediaChannelCore,
  type MediaChannelStats,
  type MediaChannelTiming,
} from '../media/media-channel-core.js';
import type { MediaFrame, MediaTransport } from '../media/media-transport.js';
import type { DatagramSocket, MediaTarget, OpenDatagramSocket } from '../transport/client-transport.js';
import { unrefTimer } from './event-loop.js';

/** Receives each authenticated, decrypted frame of a call (`MediaChannelShell.onFrame`). */
export type FrameListener = (frame: MediaFrame) => void;

/**
 * What a `MediaChannel` is opened with: a `media:open` output's keys and grant, the relay's media
 * address, callbacks for what the lane reports to the core, and the lane's timers.
 */
export interface MediaChannelOptions extends MediaChannelTiming {
  /** Packet cipher and the random source. */
  readonly crypto: LeitungCrypto;
  /** The call's media keys: the lane owns them from here on and erases them on `close`. */
  readonly keys: MediaKeys;
  /** The relay's MEDIA_GRANT for this side. */
  readonly grant: MediaGrant;
  /** The media address of the relay that issued `grant`. */
  readonly target: MediaTarget;
  /** Highest DATA sequence already sent under these keys, if any: the lane sends only above it. */
  readonly lastSequence?: number | undefined;
  /** Wall clock in ms: BIND and KEEPALIVE carry it and the relay checks it (docs/session-protocol.md §4). */
  readonly now?: () => number;
  /**
   * Where received frames go. The Client passes the one set behind all its `mediaTransport()`s, so
   * listeners subscribed before the grant hear the call; by default the channel keeps its own.
   */
  readonly listeners?: Set<FrameListener>;
  /** A valid BIND_ACK arrived (`media:bound`). */
  readonly onBound?: (sessionId: number) => void;
  /** Every BIND retry went unanswered (`media:failed`). */
  readonly onFailed?: () => void;
  /** The peer's audio started, or stopped for `audioStallMs` (docs/client.md "Call state"). */
  readonly onAudio?: (flow: 'flowing' | 'stalled') => void;
  /** Opens the socket (default: the transport's; a connected UDP socket for `MediaChannel`); tests pass fakes. */
  readonly openSocket?: OpenDatagramSocket;
}

/**
 * One call's media lane with its own socket and timers (docs/architecture.md "Media lane"): a
 * {@link MediaChannelCore} driven by BIND-retry and KEEPALIVE timers over the socket `options.openSocket`
 * opens, or the one the constructor's `openSocket` (the transport's) opens when the options name none. A shell
 * opens it on `media:open`, calls `retarget` on `media:retarget` and `close` on `media:close`, and passes
 * `onBound`/`onFailed`/`onAudio` back to `ClientCore.mediaLane`. It is the call's frame transport:
 * `send` seals a frame, listeners get received frames. `close()` erases the keys and the grant token.
 */
export class MediaChannelShell implements MediaTransport {
  readonly #core: MediaChannelCore;
  readonly #now: () => number;
  readonly #listeners: Set<FrameListener>;
  readonly #openSocket: OpenDatagramSocket;
  readonly #onBound: ((sessionId: number) => void) | undefined;
  readonly #onFailed: (() => void) | undefined;
  readonly #onAudio: ((flow: 'flowing' | 'stalled') => void) | undefined;
  #target: MediaTarget;
  #socket: DatagramSocket;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: MediaChannelOptions, openSocket: OpenDatagramSocket) {
    this.#core = new MediaChannelCore({
      crypto: options.crypto,
      keys: options.keys,
      grant: options.grant,
      lastSequence: options.lastSequence,
      ...timingOf(options),
    });
    this.#now = options.now ?? Date.now;
    this.#listeners = options.listeners ?? new Set();
    this.#openSocket = options.openSocket ?? openSocket;
    this.#onBound = options.onBound;
    this.#onFailed = options.onFailed;
    this.#onAudio = options.onAudio;
    this.#target = options.target;
    this.#socket = this.#openSocket(options.target, this.#receive);
    this.#sendAll(this.#core.bind(this.#now()));
  }

  get bound(): boolean {
    return this.#core.bound;
  }

  get closed(): boolean {
    return this.#core.closed;
  }

  /** Sent, received and dropped counts (`Client.mediaStats()`). */
  get stats(): MediaChannelStats {
    return this.#core.stats;
  }

  /** Highest DATA sequence sent so far (CALL_RESUME's `lastSequence`). */
  get lastSentSequence(): number | undefined {
    return this.#core.lastSentSequence;
  }

  /** Seals `frame` and sends it; false when it cannot be sent now (closed, not bound, sequence not above the last). */
  send(frame: MediaFrame): boolean {
    const datagram = this.#core.send(frame);
    if (datagram === undefined) return false;
    this.#socket.send(datagram);
    return true;
  }

  onFrame(listener: FrameListener): () => void {
    if (this.#core.closed) return () => undefined;
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Ends the lane: timers stopped, socket closed, ciphers, media keys and grant token erased; sending is
   * refused and nothing more is delivered. Idempotent. (The Client's `mediaTransport().close()` only
   * unsubscribes; this ends the call's media.)
   */
  close(): void {
    if (this.#core.closed) return;
    this.#core.close();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket.close();
  }

  /**
   * The call continues under a new grant (CALL_RESUME, docs/design.md §6), maybe on another relay: a socket
   * connected to that relay's media port when the address differs, and a new BIND round with the same keys;
   * DATA sequence numbers continue above the last one sent.
   */
  retarget(grant: MediaGrant, target: MediaTarget): void {
    if (this.#core.closed) return;
    if (target.host !== this.#target.host || target.port !== this.#target.port) {
      this.#socket.close();
      this.#target = target;
      this.#socket = this.#openSocket(target, this.#receive);
    }
    this.#sendAll(this.#core.rebind(grant, this.#now()));
  }

  /** A new local socket (new port) and BIND again from it: what a NAT rebinding looks like to the relay. */
  rebindSocket(): void {
    if (this.#core.closed) return;
    this.#socket.close();
    this.#socket = this.#openSocket(this.#target, this.#receive);
    this.#sendAll(this.#core.addressChanged(this.#now()));
  }

  /**
   * The socket's receive function, called straight from its message callback. Frames go to the listeners
   * from here (the hop budget of docs/architecture.md "Media lane"); the rest is binding.
   */
  readonly #receive = (datagram: Uint8Array): void => {
    const input = this.#core.receive(datagram, this.#now());
    switch (input.kind) {
      case 'frame':
        for (const listener of this.#listeners) listener(input.frame);
        if (input.audioStarted) {
          this.#schedule();
          this.#onAudio?.('flowing');
        }
        return;
      case 'bound':
        this.#schedule();
        this.#onBound?.(input.sessionId);
        return;
      case 'challenged':
        this.#sendAll(input.datagrams);
        return;
      case 'dropped':
        return;
    }
  };

  #sendAll(datagrams: readonly Uint8Array[]): void {
    for (const datagram of datagrams) this.#socket.send(datagram);
    this.#schedule();
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    const { datagrams, failed, stalled } = this.#core.tick(this.#now());
    this.#sendAll(datagrams);
    if (failed) this.#onFailed?.();
    if (stalled) this.#onAudio?.('stalled');
  };

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const at = this.#core.nextTimeout();
    if (at === undefined) return;
    this.#timer = setTimeout(this.#tick, Math.max(0, at - this.#now()));
    unrefTimer(this.#timer);
  }
}

function timingOf(options: MediaChannelTiming): MediaChannelTiming {
  const { bindRetryMs, bindRetryMaxMs, bindAttempts, keepaliveIntervalMs, audioStallMs } = options;
  return {
    ...(bindRetryMs === undefined ? {} : { bindRetryMs }),
    ...(bindRetryMaxMs === undefined ? {} : { bindRetryMaxMs }),
    ...(bindAttempts === undefined ? {} : { bindAttempts }),
    ...(keepaliveIntervalMs === undefined ? {} : { keepaliveIntervalMs }),
    ...(audioStallMs === undefined ? {} : { audioStallMs }),
  };
}
