/**
 * A scripted client built from wire + crypto + session, independent of @leitung/client so the
 * relay's tests do not depend on the client they serve. It speaks the real protocol over a real TCP socket and keeps every message it
 * received (decrypted) so tests can scan them.
 */
import type { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { RsaPrivateKey } from '@leitung/crypto';
import { ClientHandshake, type ClientHandshakeResult, type SealedChannel } from '@leitung/session';
import {
  type ControlMessage,
  type ControlMessageOf,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  FrameDecoder,
  type MessageTypeName,
  type SignedTreeHead,
} from '@leitung/wire';
import { crypto } from './keys.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export class TestClient {
  readonly socket: Socket;
  /** Every frame payload received, as it arrived (ciphertext after the handshake). */
  readonly rawFrames: Uint8Array[] = [];
  /** Every message received, decrypted, in order. */
  readonly history: ControlMessage[] = [];
  readonly closed: Promise<void>;
  channel: SealedChannel | undefined;
  result: ClientHandshakeResult | undefined;
  readonly #decoder = new FrameDecoder({ maxFrameSize: 1 << 24 });
  readonly #frames: Uint8Array[] = [];
  readonly #messages: ControlMessage[] = [];
  #wake: (() => void) | undefined;
  #isClosed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      for (const frame of this.#decoder.push(chunk)) {
        this.rawFrames.push(frame);
        if (this.channel === undefined) this.#frames.push(frame);
        else {
          const message = this.channel.open(frame);
          this.history.push(message);
          this.#messages.push(message);
        }
      }
      this.#wake?.();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#isClosed = true;
        this.#wake?.();
        resolve();
      }),
    );
  }

  static connect(relay: Endpoint, localAddress?: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: relay.host,
        port: relay.port,
        ...(localAddress ? { localAddress } : {}),
      });
      socket.once('connect', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * A client over any framed byte stream that behaves like a TCP socket (`write`, `data`, `close`,
   * `destroy`): the WebSocket tests wrap a control WebSocket in one (ws-links.ts).
   */
  static adopt(stream: EventEmitter & { write(bytes: Uint8Array): boolean; destroy(): void }): TestClient {
    return new TestClient(stream as unknown as Socket);
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  sendPlain(message: ControlMessage): void {
    this.socket.write(encodeFrame(encodeMessage(message)));
  }

  send(message: ControlMessage): void {
    if (this.channel === undefined) throw new Error('not registered');
    this.socket.write(encodeFrame(this.channel.seal(message)));
  }

  /** Runs the registration handshake; throws the SessionError of the first failed check. */
  async register(
    privateKey: RsaPrivateKey,
    name: string,
    pinnedRelayFingerprint: string,
    lastTreeHead?: SignedTreeHead,
    /** A relay cluster's log id (its heads name it, not the relay's own). */
    expectedLogId?: Uint8Array,
  ): Promise<ClientHandshakeResult> {
    const handshake = new ClientHandshake({
      crypto,
      privateKey,
      name,
      pinnedRelayFingerprint,
      ...(lastTreeHead ? { lastTreeHead } : {}),
      ...(expectedLogId ? { expectedLogId } : {}),
    });
    this.socket.write(encodeFrame(handshake.start()));
    const challenge = await this.nextFrame();
    this.socket.write(encodeFrame(handshake.onChallenge(challenge)));
    const welcome = await this.nextFrame();
    const result = handshake.onWelcome(welcome);
    this.channel = result.channel;
    this.result = result;
    this.history.push(result.welcome);
    // Frames that arrived right behind WELCOME were queued as raw frames: open them now.
    for (const frame of this.#frames.splice(0)) {
      const message = result.channel.open(frame);
      this.history.push(message);
      this.#messages.push(message);
    }
    return result;
  }

  /** The next frame payload before the channel exists (plain handshake frames). */
  async nextFrame(timeoutMs = 10_000): Promise<Uint8Array> {
    await this.#until(() => this.#frames.length > 0, timeoutMs, 'a frame');
    return this.#frames.shift()!;
  }

  /** The next plain message before the channel exists. */
  async nextPlain(timeoutMs = 10_000): Promise<ControlMessage> {
    return decodeMessage(await this.nextFrame(timeoutMs));
  }

  /** The first received (sealed) message of `type`, waiting for it if needed. */
  async next<T extends MessageTypeName>(type: T, timeoutMs = 10_000): Promise<ControlMessageOf<T>> {
    let found: ControlMessage | undefined;
    await this.#until(
      () => {
        const index = this.#messages.findIndex((m) => m.type === type);
        if (index < 0) return false;
        found = this.#messages.splice(index, 1)[0];
        return true;
      },
      timeoutMs,
      type,
    );
    return found as ControlMessageOf<T>;
  }

  /** Messages received and not yet taken by `next`. */
  pending(): readonly ControlMessage[] {
    return this.#messages;
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.#until(() => this.#isClosed, timeoutMs, 'close');
  }

  close(): void {
    this.socket.destroy();
  }

  async #until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.#isClosed && what !== 'close') throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}
