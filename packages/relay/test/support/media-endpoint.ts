/**
 * What every test media endpoint shares, over UDP (media-peer.ts) or a WebSocket leg (ws-links.ts): the packets
 * received, BIND and BIND_CONFIRM for a grant, the bind handshake, and waiting for packets.
 */
import { buildBindConfirm, buildControlPacket } from '@leitung/session';
import { decodeMediaPacket, type MediaGrant } from '@leitung/wire';
import { crypto } from './keys.js';

export abstract class MediaEndpoint {
  readonly received: Buffer[] = [];
  #counter = 0;
  #wake: (() => void) | undefined;

  /** Records a packet that arrived and wakes a `waitFor`. */
  protected deliver(data: Buffer): void {
    this.received.push(data);
    this.#wake?.();
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

  /** The BIND_CONFIRM answering `challenge` (a BIND_CHALLENGE packet). */
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

  /** BIND → BIND_CHALLENGE → BIND_CONFIRM → BIND_ACK (docs/session-protocol.md §4.2), sending with `send`. */
  protected async handshake(grant: MediaGrant, send: (bytes: Uint8Array) => void): Promise<void> {
    const before = this.received.length;
    send(this.bind(grant));
    if ((await this.waitFor(before + 1)) < before + 1) throw new Error('no BIND_CHALLENGE');
    const challenge = this.received[before]!;
    if (decodeMediaPacket(challenge).type !== 'BIND_CHALLENGE') throw new Error('expected BIND_CHALLENGE');
    send(this.confirm(grant, challenge));
    if ((await this.waitFor(before + 2)) < before + 2) throw new Error('no BIND_ACK');
    if (decodeMediaPacket(this.received[before + 1]!).type !== 'BIND_ACK')
      throw new Error('expected BIND_ACK');
  }

  /**
   * BIND → BIND_ACK: the bind of a connection (a WebSocket leg), whose return routability its transport
   * proved, so the relay acknowledges without a challenge (docs/protocol.md "WebSocket transport").
   */
  protected async connectedHandshake(grant: MediaGrant, send: (bytes: Uint8Array) => void): Promise<void> {
    const before = this.received.length;
    send(this.bind(grant));
    if ((await this.waitFor(before + 1)) < before + 1) throw new Error('no BIND_ACK');
    const type = decodeMediaPacket(this.received[before]!).type;
    if (type !== 'BIND_ACK') throw new Error(`expected BIND_ACK, got ${type}`);
  }

  /** Waits until `count` packets have arrived (or `ms` passed) and returns how many did. */
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
}
