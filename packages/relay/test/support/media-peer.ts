/**
 * A UDP media endpoint for tests: BIND with a grant's token, answer the relay's BIND_CHALLENGE, send and
 * receive datagrams.
 */
import { createSocket, type Socket } from 'node:dgram';
import { buildBindConfirm, buildControlPacket } from '@leitung/session';
import { decodeMediaPacket, type MediaGrant } from '@leitung/wire';
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

  /** The BIND_CONFIRM answering `challenge` (a BIND_CHALLENGE datagram). */
  confirm(grant: MediaGrant, challenge: Uint8Array, options: { token?: Uint8Array } = {}): Uint8Array {
    this.#counter += 1;
    return buildBindConfirm(crypto, {
      token: options.token ?? grant.token,
      sessionId: grant.sessionId,
      side: grant.side,
      counter: this.#counter,
      nowMs: Date.now(),
      nonce: decodeMediaPacket(challenge).body,
    });
  }

  /** BIND → BIND_CHALLENGE → BIND_CONFIRM → BIND_ACK (docs/session-protocol.md §4.2). */
  async establish(grant: MediaGrant, relay: { host: string; mediaPort: number }): Promise<void> {
    const before = this.received.length;
    this.send(this.bind(grant), relay);
    if ((await this.waitFor(before + 1)) < before + 1) throw new Error('no BIND_CHALLENGE');
    const challenge = this.received[before]!;
    if (decodeMediaPacket(challenge).type !== 'BIND_CHALLENGE') throw new Error('expected BIND_CHALLENGE');
    this.send(this.confirm(grant, challenge), relay);
    if ((await this.waitFor(before + 2)) < before + 2) throw new Error('no BIND_ACK');
    if (decodeMediaPacket(this.received[before + 1]!).type !== 'BIND_ACK')
      throw new Error('expected BIND_ACK');
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
