/**
 * Socket shell of the relay double: a TCP control port and a UDP media port on 127.0.0.1 (ports chosen by
 * the OS), driving RelayDoubleCore. `stop()` closes everything; `start()` again on the same ports
 * simulates a relay restart with the same key and directory.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { encodeFrame, FrameDecoder } from '@leitung/wire';
import type { RelayEntry } from '../../src/index.js';
import { DoubleDirectory } from './double-directory.js';
import { type DoubleOutput, RelayDoubleCore } from './relay-double-core.js';

export interface RelayDoubleOptions {
  readonly crypto: LeitungCrypto;
  readonly key: RsaPrivateKey;
  readonly directory?: DoubleDirectory;
  readonly pageSize?: number;
  readonly port?: number;
  readonly mediaPort?: number;
}

export class RelayDouble {
  readonly core: RelayDoubleCore;
  #server: net.Server | undefined;
  #udp: dgram.Socket | undefined;
  readonly #sockets = new Map<number, { socket: net.Socket; queue: Promise<void> }>();
  #nextConn = 1;
  #port: number;
  #mediaPort: number;

  private constructor(options: RelayDoubleOptions) {
    this.core = new RelayDoubleCore({
      crypto: options.crypto,
      key: options.key,
      directory: options.directory ?? new DoubleDirectory(options.crypto, options.key),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    });
    this.#port = options.port ?? 0;
    this.#mediaPort = options.mediaPort ?? 0;
  }

  static async start(options: RelayDoubleOptions): Promise<RelayDouble> {
    const relay = new RelayDouble(options);
    await relay.start();
    return relay;
  }

  get entry(): RelayEntry {
    return {
      host: '127.0.0.1',
      port: this.#port,
      mediaPort: this.#mediaPort,
      fingerprint: this.core.key.publicKey.fingerprint(),
    };
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.#mediaPort, '127.0.0.1', () => resolve());
    });
    this.#mediaPort = udp.address().port;
    udp.on('message', (msg, rinfo) => {
      for (const out of this.core.datagram(new Uint8Array(msg), {
        address: rinfo.address,
        port: rinfo.port,
      })) {
        udp.send(out.data, out.to.port, out.to.address);
      }
    });
    this.#server = server;
    this.#udp = udp;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const udp = this.#udp;
    this.#server = undefined;
    this.#udp = undefined;
    for (const [conn, { socket }] of this.#sockets) {
      socket.destroy();
      this.core.closed(conn);
    }
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  /** Seals `message` to an online client and sends it now (unsolicited lies: deltas, errors). */
  push(clientId: string, message: Parameters<RelayDoubleCore['push']>[1]): void {
    this.core.push(clientId, message);
    this.#apply(this.core.take());
  }

  /** Drops the TCP connection of an online client (the relay keeps its live call for CALL_RESUME). */
  dropConnection(clientId: string): void {
    const conn = this.core.connOf(clientId);
    if (conn !== undefined) this.#sockets.get(conn)?.socket.destroy();
  }

  #accept(socket: net.Socket): void {
    const conn = this.#nextConn++;
    const decoder = new FrameDecoder();
    this.#sockets.set(conn, { socket, queue: Promise.resolve() });
    this.core.opened(conn);
    socket.on('data', (chunk) => {
      try {
        for (const frame of decoder.push(new Uint8Array(chunk))) this.core.frame(conn, frame);
      } catch {
        socket.destroy();
      }
      this.#apply(this.core.take());
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#sockets.delete(conn);
      this.core.closed(conn);
      this.#apply(this.core.take());
    });
  }

  #apply(outputs: DoubleOutput[]): void {
    for (const out of outputs) {
      const entry = this.#sockets.get(out.conn);
      if (!entry) continue;
      // Sealed frames must arrive in order: a delayed PONG holds back everything after it.
      entry.queue = entry.queue.then(async () => {
        if (out.kind === 'close') {
          entry.socket.end();
          return;
        }
        if (out.delayMs > 0) await new Promise((r) => setTimeout(r, out.delayMs));
        if (!entry.socket.destroyed) entry.socket.write(encodeFrame(out.payload));
      });
    }
  }
}
