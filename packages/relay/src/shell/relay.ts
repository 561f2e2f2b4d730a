/**
 * The relay's Node shell (docs/relay.md "Architecture"): the {@link Relay} runs the sans-I/O
 * {@link RelayCore} on the TCP control listener, the UDP media socket and, optionally, the loopback metrics
 * endpoint. The shell only moves bytes and timers; every decision is the core's. Events are re-emitted
 * (eventemitter3, `noun:verb`) and logged with pino, never with key material. `startRelay` (start-relay.ts)
 * builds one.
 */

import type { Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { type RsaPrivateKey, toHex } from '@leitung/crypto';
import { encodeFrame } from '@leitung/wire';
import { EventEmitter } from 'eventemitter3';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClusterNode } from '../cluster/cluster-node.js';
import type { ConnectionId, RelayEvent, RelayEventType, RelayOutput } from '../core/outputs.js';
import type { RelayCore } from '../core/relay-core.js';
import type { LocalKeyDirectory } from '../directory/key-directory.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { Blocklist } from '../protection/blocklist.js';
import { DEFAULT_MEDIA_THREAD_NICE } from './batched-media-socket.js';
import { readBlocklist } from './blocklist-file.js';
import { CryptoPool, type CryptoWorkers } from './crypto-pool.js';
import { logEvent } from './event-log.js';
import { type MediaTransport, openMediaSocket } from './media-socket.js';
import { MediaWorkerPlane } from './media-worker-plane.js';
import { serveMetrics } from './metrics-server.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
import { createRelayMetrics } from './relay-metrics.js';
import type { RelayEntry } from './relay-options.js';
import { WebSocketListener } from './web-socket-listener.js';
import {
  listenerUrl,
  type RelayWebSocketOptions,
  type ResolvedWebSocketOptions,
  resolveWebSocketOptions,
} from './web-socket-options.js';

/**
 * The events a {@link Relay} emits: one per {@link RelayEventType}, each listener getting that event's {@link
 * RelayEvent} variant.
 */
export type RelayEvents = {
  [T in RelayEventType]: (event: Extract<RelayEvent, { type: T }>) => void;
};

/** Bytes queued for a connection that does not read; beyond this it is dropped (no unbounded buffering). */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
/** After the relay closes a connection, how long a peer gets to read the last frames. */
const CLOSE_GRACE_MS = 1000;

/**
 * A running relay, as {@link startRelay} returns it: the {@link RelayCore} on a TCP control listener, a UDP
 * media socket and, optionally, a loopback metrics endpoint (docs/relay.md "Architecture"). The shell only
 * moves bytes and timers; every decision is the core's. It emits the {@link RelayEvents}, says what clients pin
 * (`info()`), reloads its blocklist (`reloadBlocklist()`) and shuts down in order (`close()`).
 */
export class Relay extends EventEmitter<RelayEvents> {
  readonly core: RelayCore;
  readonly metrics: Registry;
  readonly fingerprint: string;
  readonly host: string;
  readonly dataDir: string;
  readonly #logger: Logger;
  readonly #refusals: RefusalLog;
  readonly #logMetadata: boolean;
  readonly #now: () => number;
  readonly #sockets = new Map<ConnectionId, Socket>();
  readonly #directory: LocalKeyDirectory;
  readonly #blocklistFile: string | undefined;
  readonly #reloads = { ok: 0, failed: 0 };
  #tcp: TcpServer | undefined;
  #media: MediaTransport | undefined;
  #mediaThreadNiceWanted = DEFAULT_MEDIA_THREAD_NICE;
  #metricsServer: Server | undefined;
  /** The optional WebSocket listener (docs/relay.md "WebSocket listener") and the URL it publishes. */
  #webSocket: WebSocketListener | undefined;
  #webSocketUrl: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #nextConnId = 1;
  #closing: Promise<void> | undefined;
  #port = 0;
  #metricsPort: number | undefined;
  readonly #cluster: ClusterNode | undefined;
  #cryptoPool: CryptoPool | undefined;

  /** @internal Use {@link startRelay}. */
  constructor(init: {
    core: RelayCore;
    directory: LocalKeyDirectory;
    fingerprint: string;
    host: string;
    dataDir: string;
    logger: Logger;
    logMetadata?: boolean;
    now: () => number;
    blocklistFile: string | undefined;
    cluster?: ClusterNode | undefined;
    refusalLog?: Partial<RefusalLogOptions> | undefined;
  }) {
    super();
    this.core = init.core;
    this.#directory = init.directory;
    this.fingerprint = init.fingerprint;
    this.host = init.host;
    this.dataDir = init.dataDir;
    this.#logger = init.logger;
    this.#refusals = new RefusalLog(init.logger, init.now, init.refusalLog);
    this.#logMetadata = init.logMetadata ?? false;
    this.#now = init.now;
    this.#blocklistFile = init.blocklistFile;
    this.#cluster = init.cluster;
    const cluster = init.cluster;
    this.metrics = createRelayMetrics({
      core: this.core,
      blocklistReloads: () => ({ ...this.#reloads }),
      cryptoWorkers: () => this.#cryptoPool,
      mediaPlane: () => {
        const media = this.#media;
        const nice = media?.threadNice;
        if (media === undefined || nice === undefined) return undefined;
        return { queueDrops: media.queueDrops ?? 0, priorityMissing: nice > this.#mediaThreadNiceWanted };
      },
      webSocket: () => {
        const listener = this.#webSocket;
        if (listener === undefined) return undefined;
        return {
          refusals: listener.refusals,
          mediaLegs: listener.mediaLegs,
          backlogDrops: listener.backlogDrops,
        };
      },
      ...(cluster === undefined
        ? {}
        : {
            cluster: () => ({
              refused: cluster.refusedEntries,
              halted: cluster.replicationHalt !== undefined,
            }),
          }),
    });
  }

  /** The control TCP port. */
  get port(): number {
    return this.#port;
  }

  /**
   * The native plane's media thread's nice value (docs/relay.md "Native media plane"); undefined on the other
   * media paths.
   */
  get mediaThreadNice(): number | undefined {
    return this.#media?.threadNice;
  }

  /** The media UDP port. */
  get mediaPort(): number {
    return this.#media?.port ?? 0;
  }

  /**
   * How the media socket moves datagrams: `native` (DATA on the addon's media thread), `batched` (the
   * recvmmsg/sendmmsg addon on the loop) or `dgram` (docs/relay.md "Native media plane", "Batched media I/O");
   * undefined before listening.
   */
  get mediaIo(): 'native' | 'batched' | 'dgram' | undefined {
    return this.#media?.io;
  }

  /** The WebSocket listener's TCP port, when it is on. */
  get webSocketPort(): number | undefined {
    return this.#webSocket?.port;
  }

  /** Connections the WebSocket listener refused or closed itself, by code (docs/relay.md "WebSocket listener"). */
  webSocketRefusals(): ReadonlyMap<RelayErrorCode, number> {
    return new Map(this.#webSocket?.refusals ?? []);
  }

  /** The metrics HTTP port on 127.0.0.1, when metrics are served. */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /** The relay-list entry clients pin (`--info-out`). */
  info(): RelayEntry {
    return {
      host: this.host,
      port: this.port,
      mediaPort: this.mediaPort,
      fingerprint: this.fingerprint,
      ...(this.#webSocketUrl === undefined ? {} : { webSocket: this.#webSocketUrl }),
      ...(this.#cluster === undefined ? {} : { logId: toHex(this.#directory.logId) }),
    };
  }

  /** The cluster membership, when the relay runs in a cluster. */
  get cluster(): ClusterNode | undefined {
    return this.#cluster;
  }

  /**
   * Re-reads the blocklist file (SIGHUP). A file that does not parse keeps the current list and returns
   * false (RELAY_ERR_BLOCKLIST_INVALID is logged); connections the new list blocks are closed.
   */
  reloadBlocklist(): boolean {
    if (this.#blocklistFile === undefined) return false;
    let list: Blocklist;
    try {
      list = readBlocklist(this.#blocklistFile);
    } catch (error) {
      this.#reloads.failed++;
      const code = error instanceof RelayError ? error.code : RelayErrorCode.BlocklistInvalid;
      this.#logger.warn(
        { code, detail: (error as Error).message },
        'blocklist reload failed; keeping the old list',
      );
      return false;
    }
    this.#reloads.ok++;
    this.#logger.info(
      { addresses: list.addressRules, fingerprints: list.fingerprintCount },
      'blocklist reloaded',
    );
    this.#perform(this.core.setBlocklist(list, this.#now()));
    return true;
  }

  /** Ends open calls (CALL_END relay-shutdown), closes every connection and socket, closes the database. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** @internal */
  async listen(
    host: string,
    port: number,
    mediaPort: number,
    metricsPort: number | undefined,
    webSocket?: RelayWebSocketOptions,
    mediaIo: 'auto' | 'native' | 'batched' | 'dgram' = 'auto',
    mediaThread: 'main' | 'worker' = 'main',
    mediaThreadNice: number | undefined = undefined,
    cryptoWorkers?: { readonly size: number; readonly maxQueued: number; readonly privateKey: RsaPrivateKey },
  ): Promise<void> {
    if (cryptoWorkers !== undefined) {
      // Crypto workers (docs/relay.md "Crypto workers"): the core hands its RSA work out as key-operation outputs.
      this.#cryptoPool = await CryptoPool.open({
        ...cryptoWorkers,
        onWorkerLost: (error) =>
          this.#logger.warn(
            { err: error?.message },
            'a crypto worker died; replaced, its handshakes refused',
          ),
      });
    }
    if (mediaThread === 'worker' && webSocket !== undefined) {
      // WebSocket media legs run through the relay's own router on this loop, which has no live bindings
      // while the worker forwards UDP (docs/relay.md "Media worker").
      throw new RelayError(
        RelayErrorCode.Unsupported,
        'the media worker does not carry WebSocket media legs yet; use mediaThread main with a WebSocket listener',
      );
    }
    // A bound address is metadata (where a call's party is): only with logMetadata.
    const onBinding = (binding: 'bound' | 'rebound', sessionId: number) => {
      if (this.#logMetadata) this.#logger.debug({ sessionId, binding }, 'media binding');
    };
    const onError = (error: Error) => this.#logger.debug({ err: error.message }, 'media socket error');
    const toLeg = (bytes: Uint8Array, address: string) => this.#webSocket?.sendMedia(bytes, address);
    this.#media =
      mediaThread === 'worker'
        ? await MediaWorkerPlane.open({
            router: this.core.media,
            limits: this.core.limits,
            host,
            port: mediaPort,
            io: mediaIo,
            onBinding,
            onError,
          })
        : await openMediaSocket(
            {
              router: this.core.media,
              host,
              port: mediaPort,
              now: this.#now,
              onBinding,
              onError,
              toLeg,
              ...(mediaThreadNice === undefined ? {} : { threadNice: mediaThreadNice }),
            },
            mediaIo,
          );
    const nice = this.#media.threadNice;
    this.#mediaThreadNiceWanted = mediaThreadNice ?? DEFAULT_MEDIA_THREAD_NICE;
    if (nice !== undefined) {
      const wanted = this.#mediaThreadNiceWanted;
      if (nice > wanted) {
        this.#logger.warn(
          { nice, wanted },
          'the media thread did not get its priority (needs root, CAP_SYS_NICE or LimitNICE=): audio may wait for other work',
        );
      } else {
        this.#logger.info({ nice }, 'native media plane: media thread running');
      }
    }
    const tcp = createTcpServer({ noDelay: true }, (socket) => this.#accept(socket));
    tcp.on('error', (error) => this.#logger.error({ err: error.message }, 'control listener error'));
    this.#tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    const address = tcp.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : port;
    if (webSocket !== undefined) await this.#listenWebSocket(host, resolveWebSocketOptions(webSocket));
    if (metricsPort !== undefined) {
      this.#metricsServer = await serveMetrics(this.metrics, metricsPort);
      const address = this.#metricsServer.address();
      this.#metricsPort = typeof address === 'object' && address !== null ? address.port : metricsPort;
    }
    await this.#cluster?.start({
      deliver: (target, message) => this.#perform(this.core.clusterDelivery(target, message, this.#now())),
      forwarded: (party, message) =>
        this.#perform(this.core.forwardedCallMessage(party, message, this.#now())),
      clientsGone: (clientIds) => this.#perform(this.core.remoteClientsOffline(clientIds, this.#now())),
      replicated: (size) => this.#logger.debug({ size }, 'directory replicated'),
    });
    this.#perform(this.core.tick(this.#now()));
  }

  /** The WebSocket listener: control WebSockets are connections of the core like TCP sockets. */
  async #listenWebSocket(host: string, options: ResolvedWebSocketOptions): Promise<void> {
    const media = this.#media;
    this.#webSocket = await WebSocketListener.open({
      host,
      options,
      limits: this.core.limits,
      logger: this.#logger,
      control: {
        nextId: () => this.#nextConnId++,
        opened: (connId, ip) => this.#perform(this.core.connectionOpened(connId, ip, this.#now())),
        frame: (connId, payload) =>
          this.#guarded(connId, () => this.core.frameReceived(connId, payload, this.#now())),
        closed: (connId) => this.#perform(this.core.connectionClosed(connId, this.#now())),
      },
      media: {
        router: this.core.media,
        now: this.#now,
        sendUdp: (bytes, port, address) => media?.send(bytes, port, address),
        onBinding: (binding, sessionId) => {
          if (this.#logMetadata) this.#logger.debug({ sessionId, binding }, 'media binding (websocket)');
        },
      },
    });
    this.#webSocketUrl = options.publicUrl ?? listenerUrl(host, this.#webSocket.port);
  }

  /** Runs one core input of a WebSocket connection; a failure inside the core costs that connection only. */
  #guarded(connId: ConnectionId, input: () => readonly RelayOutput[]): void {
    try {
      this.#perform(input());
    } catch (error) {
      this.#logger.error({ connId, err: error instanceof Error ? error.name : 'unknown' }, 'internal error');
      this.#webSocket?.closeControl(connId);
      this.#perform(this.core.connectionClosed(connId, this.#now()));
    }
  }

  #accept(socket: Socket): void {
    const connId = this.#nextConnId++;
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    this.#sockets.set(connId, socket);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#perform(this.core.bytesReceived(connId, chunk, this.#now()));
      } catch (error) {
        // The core handles every peer input; reaching this is a bug. It must cost one connection only.
        this.#logger.error(
          { connId, err: error instanceof Error ? error.name : 'unknown' },
          'internal error',
        );
        this.#sockets.delete(connId);
        socket.destroy();
        this.#perform(this.core.connectionClosed(connId, this.#now()));
      }
    });
    socket.on('error', () => {
      // 'close' follows; a reset by the peer is not the relay's problem.
    });
    socket.on('close', () => {
      if (this.#sockets.get(connId) === socket) {
        this.#sockets.delete(connId);
        this.#perform(this.core.connectionClosed(connId, this.#now()));
      }
    });
    this.#perform(this.core.connectionOpened(connId, socket.remoteAddress ?? '', this.#now()));
  }

  #perform(outputs: readonly RelayOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send': {
          const socket = this.#sockets.get(output.connId);
          if (socket === undefined) {
            this.#webSocket?.sendControl(output.connId, output.payload);
            break;
          }
          if (socket.destroyed) break;
          socket.write(encodeFrame(output.payload, { maxFrameSize: 16 * 1024 * 1024 }));
          if (socket.writableLength > MAX_PENDING_WRITE_BYTES) {
            // A peer that does not read must not pin memory: drop it like a closed connection.
            this.#sockets.delete(output.connId);
            socket.destroy();
            this.#perform(this.core.connectionClosed(output.connId, this.#now()));
          }
          break;
        }
        case 'close': {
          const socket = this.#sockets.get(output.connId);
          if (socket === undefined) {
            this.#webSocket?.closeControl(output.connId);
            break;
          }
          this.#sockets.delete(output.connId);
          socket.end();
          setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
          break;
        }
        case 'schedule':
          this.#schedule(output.at);
          break;
        case 'append':
          this.#append(output);
          break;
        case 'key-operation':
          this.#keyOperation(output);
          break;
        case 'event':
          // Refusals go through the summariser: a flood of them must not flood the log.
          if (output.event.type === 'request:refused') this.#refusals.record(output.event);
          else logEvent(this.#logger, output.event, { metadata: this.#logMetadata });
          this.emit(output.event.type, output.event as never);
          break;
      }
    }
  }

  /** Relay cluster: a registration goes through the shared log; the core continues when it is decided. */
  #append(output: Extract<RelayOutput, { kind: 'append' }>): void {
    const cluster = this.#cluster;
    if (cluster === undefined) {
      this.#perform(
        this.core.appendRefused(output.connId, RelayErrorCode.Internal, 'no cluster', this.#now()),
      );
      return;
    }
    cluster.append(output.name, output.publicKey, output.time).then(
      (result) => {
        if (this.#closing !== undefined) return;
        this.#perform(
          result.ok
            ? this.core.appendCompleted(output.connId, result.created, this.#now())
            : this.core.appendRefused(output.connId, result.code, result.message, this.#now()),
        );
      },
      (error: unknown) => {
        this.#logger.error({ err: (error as Error).message }, 'cluster append failed');
        if (this.#closing !== undefined) return;
        this.#perform(
          this.core.appendRefused(
            output.connId,
            RelayErrorCode.Storage,
            'cluster append failed',
            this.#now(),
          ),
        );
      },
    );
  }

  /** The crypto workers' counters and threads, when the relay runs them (docs/relay.md "Crypto workers"). */
  get cryptoWorkers(): CryptoWorkers | undefined {
    return this.#cryptoPool;
  }

  /** Crypto workers: the operation runs on a worker; the core continues with its result (docs/relay.md). */
  #keyOperation(output: Extract<RelayOutput, { kind: 'key-operation' }>): void {
    const pool = this.#cryptoPool;
    const { connId } = output;
    if (pool === undefined) {
      this.#perform(
        this.core.keyOperationRefused(connId, RelayErrorCode.Internal, 'no crypto workers', this.#now()),
      );
      return;
    }
    const queued = pool.submit(output.operation, (result) => {
      if (this.#closing !== undefined) {
        if (result.kind === 'done') result.opened?.fill(0);
        return;
      }
      this.#perform(
        result.kind === 'done'
          ? this.core.keyOperationCompleted(connId, result.opened, this.#now())
          : this.core.keyOperationRefused(
              connId,
              RelayErrorCode.CryptoWorkerLost,
              'the crypto worker failed; retry',
              this.#now(),
            ),
      );
    });
    if (!queued) {
      this.#perform(
        this.core.keyOperationRefused(
          connId,
          RelayErrorCode.CryptoBusy,
          'the relay is busy; retry',
          this.#now(),
        ),
      );
    }
  }

  #schedule(at: number): void {
    if (this.#closing !== undefined || at >= this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#perform(this.core.tick(this.#now()));
      },
      Math.max(0, at - this.#now()),
    );
    this.#timer.unref();
  }

  async #shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#perform(this.core.shutdown(this.#now()));
    const sockets = [...this.#sockets.values()];
    this.#sockets.clear();
    for (const socket of sockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve())),
      this.#media?.close(),
      this.#webSocket?.close(),
      this.#cryptoPool?.close(),
      new Promise<void>((resolve) => {
        if (this.#metricsServer === undefined) return resolve();
        this.#metricsServer.closeAllConnections();
        this.#metricsServer.close(() => resolve());
      }),
    ]);
    await this.#cluster?.close();
    this.#directory.close();
    this.#refusals.close();
    this.#logger.info('relay stopped');
  }
}
