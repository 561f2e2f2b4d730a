/** A UDP media endpoint for tests: BIND with a grant's token, send and receive datagrams. */
import { createSocket, type Socket } from 'node:dgram';
import { buildControlPacket } from '@leitung/session';
import type { MediaGrant } from '@leitung/wire';
import { crypto } from './keys.js';

export class MediaPeer {
  readonly received: Buffer[] = [];
  #counter = 0;
  #wake: (() => void) | undefined;

  private constructor(
    readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    socket.on('message', (message) => {
      this.received.push(message);
      this.#wake?.();
    });
  }

  static async open(address = '127.0.0.1'): Promise<MediaPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return new MediaPeer(socket, address, socket.address().port);
  }

  send(bytes: Uint8Array, relay: { host: string; mediaPort: number }): void {
    this.socket.send(bytes, relay.mediaPort, relay.host);
  }

  /** A BIND for `grant` (or with another token / counter, to test refusals). */
  bind(
    grant: MediaGrant,
    options: { token?: Uint8Array; counter?: number; nowMs?: number } = {},
  ): Uint8Array {
    this.#counter = options.counter ?? this.#counter + 1;
    return buildControlPacket(crypto, {
      kind: 'BIND',
      token: options.token ?? grant.token,
      sessionId: grant.sessionId,
      side: grant.side,
      counter: this.#counter,
      nowMs: options.nowMs ?? Date.now(),
    });
  }

  /** Waits until `count` datagrams have arrived (or `ms` passed) and returns how many did. */
  async waitFor(count: number, ms = 2000): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.received.length < count && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#wake = undefined;
    return this.received.length;
  }

  close(): void {
    this.socket.close();
  }
}
