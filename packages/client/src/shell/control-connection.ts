/**
 * The TCP control connection of the Client shell: net.Socket + wire's FrameDecoder, framing out with
 * encodeFrame. It only moves bytes; the protocol is in ClientCore. The relay prober uses it too, so the
 * client frames its TCP bytes in this one place.
 */
import net from 'node:net';
import { encodeFrame, FrameDecoder, type FrameOptions } from '@leitung/wire';
import { errorCodeOf } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { ControlChannel, ControlChannelHandlers } from '../transport/client-transport.js';

/** What a control connection reports (the transports' {@link ControlChannelHandlers}). */
export type ControlConnectionHandlers = ControlChannelHandlers;

export class ControlConnection implements ControlChannel {
  readonly relay: RelayEntry;
  readonly #socket: net.Socket;
  readonly #decoder: FrameDecoder;
  #closed = false;

  /** `framing`: the largest frame accepted (default: the protocol's; the prober takes less). */
  constructor(relay: RelayEntry, handlers: ControlConnectionHandlers, framing?: FrameOptions) {
    this.relay = relay;
    this.#decoder = new FrameDecoder(framing);
    const socket = net.connect({ host: relay.host, port: relay.port });
    this.#socket = socket;
    socket.setNoDelay(true);
    let code: string | undefined;
    socket.on('connect', () => handlers.onOpen());
    socket.on('data', (chunk) => {
      let frames: Uint8Array[];
      try {
        frames = this.#decoder.push(new Uint8Array(chunk));
      } catch (error) {
        // A framing error desynchronises the stream: close (docs/protocol.md §7).
        code = errorCodeOf(error);
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (this.#closed) return;
        handlers.onFrame(frame);
      }
    });
    socket.on('error', (error) => {
      code ??= errorCodeOf(error);
    });
    socket.on('close', () => {
      this.#closed = true;
      handlers.onClose(code);
    });
  }

  send(payload: Uint8Array): void {
    if (!this.#closed && !this.#socket.destroyed) this.#socket.write(encodeFrame(payload));
  }

  /**
   * Stops handling frames at once and closes: `end()` first so a last frame written just before (a
   * CALL_END at hang-up) still goes out, then a hard close shortly after whatever the peer does.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 250).unref();
  }
}
