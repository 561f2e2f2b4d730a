/**
 * The relay's Node shell: `startRelay(options)` opens the data directory (relay key, SQLite directory),
 * the TCP control listener, the UDP media socket and, optionally, the loopback metrics endpoint, and runs
 * the sans-I/O {@link RelayCore} on them. The shell only moves bytes and timers; every decision is the
 * core's. Events are re-emitted (eventemitter3, `noun:verb`) and logged with pino, never with key material.
 */

import { lookup } from 'node:dns/promises';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, isIP, type Socket, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { createCrypto, type LeitungCrypto } from '@leitung/crypto';
import { encodeFrame } from '@leitung/wire';
import { EventEmitter } from 'eventemitter3';
import { type Logger, pino } from 'pino';
import type { Registry } from 'prom-client';
import { checkClusterMembers } from '../cluster/cluster-members.js';
import { ClusterNode, clusterLogId } from '../cluster/cluster-node.js';
import type { ConnectionId, RelayEvent, RelayEventType, RelayOutput } from '../core/outputs.js';
import { RelayCore } from '../core/relay-core.js';
import type { DirectoryStore } from '../directory/directory-store.js';
import { LocalKeyDirectory } from '../directory/key-directory.js';
import { SqliteDirectoryStore } from '../directory/sqlite-directory-store.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import { toHex } from '../hex.js';
import type { RelayLimits } from '../limits.js';
import { Blocklist } from '../protection/blocklist.js';
import type { Signalling } from '../signalling/signalling.js';
import { logEvent } from './event-log.js';
import { MediaSocket } from './media-socket.js';
import { RefusalLog, type RefusalLogOptions } from './refusal-log.js';
import { loadOrCreateRelayKey } from './relay-key-file.js';
import { createRelayMetrics } from './relay-metrics.js';

/** The entry clients put in their relay list to pin this relay (docs/design.md §2). */
export interface RelayListEntry {
  readonly host: string;
  readonly port: number;
  readonly mediaPort: number;
  /** Hex SHA3-256 of the relay key's SPKI DER. */
  readonly fingerprint: string;
  /** Relay cluster: hex id of the cluster's shared log (all relays of the cluster name the same). */
  readonly logId?: string;
}

/** Relay cluster on Redis (docs/operations.md "Relay cluster"). */
export interface RelayClusterOptions {
  /** `redis://host:port[/db]`. */
  readonly redisUrl: string;
  /** The cluster's name; every relay of the cluster uses the same. Default `leitung`. */
  readonly clusterId?: string;
  /**
   * Key fingerprints (hex) of every relay of the cluster, this one included (`--cluster-members FILE`,
   * `parseClusterMembers`): only entries signed by one of them are applied (docs/operations.md
   * "Trust model").
   */
  readonly members: readonly string[];
  /** Heartbeat period (default 500 ms). */
  readonly heartbeatMs?: number;
  /** A relay whose heartbeat is this old is dead, its clients offline (default 2 000 ms). */
  readonly ttlMs?: number;
}

export interface StartRelayOptions {
  /** Directory for the relay key (`relay-key.pem`) and the directory database (`directory.sqlite`). */
  readonly dataDir: string;
  /** IP address (or name) to listen on for control and media. Default 127.0.0.1. */
  readonly host?: string;
  /** Control TCP port; 0 picks a free one. Default 5060. */
  readonly port?: number;
  /** Media UDP port; 0 picks a free one. Default 5061. */
  readonly mediaPort?: number;
  /** Serve Prometheus metrics on 127.0.0.1 at this port (0 picks one); off when undefined. */
  readonly metricsPort?: number;
  /** Blocklist file (IPs, subnets, key fingerprints); re-read by `reloadBlocklist()` (SIGHUP). */
  readonly blocklistFile?: string;
  readonly limits?: Partial<RelayLimits>;
  /** pino logger; logging is off when omitted. */
  readonly logger?: Logger;
  /** Refusal lines per kind and interval before they are only summarised (docs/relay.md "Events and logs"). */
  readonly refusalLog?: Partial<RefusalLogOptions>;
  /**
   * Log communication metadata: client ids and names, presence, who called whom, media addresses
   * (docs/relay.md "Events and logs"). For debugging only; off by default.
   */
  readonly logMetadata?: boolean;
  /** Directory storage; SQLite in `dataDir` by default. */
  readonly store?: DirectoryStore;
  /** Presence and delivery; single-relay in-process by default. */
  readonly signalling?: Signalling;
  /** Join a relay cluster on Redis instead of running alone (`leitung-relay --redis URL`). */
  readonly cluster?: RelayClusterOptions;
  readonly crypto?: LeitungCrypto;
  /** Clock (ms); `Date.now` by default. */
  readonly now?: () => number;
}

export type RelayEvents = {
  [T in RelayEventType]: (event: Extract<RelayEvent, { type: T }>) => void;
};

/** Bytes queued for a connection that does not read; beyond this it is dropped (no unbounded buffering). */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
/** After the relay closes a connection, how long a peer gets to read the last frames. */
const CLOSE_GRACE_MS = 1000;

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
  #media: MediaSocket | undefined;
  #metricsServer: Server | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #nextConnId = 1;
  #closing: Promise<void> | undefined;
  #port = 0;
  #metricsPort: number | undefined;
  readonly #cluster: ClusterNode | undefined;

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

  /** The media UDP port. */
  get mediaPort(): number {
    return this.#media?.port ?? 0;
  }

  /** The metrics HTTP port on 127.0.0.1, when metrics are served. */
  get metricsPort(): number | undefined {
    return this.#metricsPort;
  }

  /** The relay-list entry clients pin (`--info-out`). */
  info(): RelayListEntry {
    return {
      host: this.host,
      port: this.port,
      mediaPort: this.mediaPort,
      fingerprint: this.fingerprint,
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
  ): Promise<void> {
    this.#media = await MediaSocket.open({
      router: this.core.media,
      host,
      port: mediaPort,
      now: this.#now,
      // A bound address is metadata (where a call's party is): only with logMetadata.
      onBinding: (binding, sessionId) => {
        if (this.#logMetadata) this.#logger.debug({ sessionId, binding }, 'media binding');
      },
      onError: (error) => this.#logger.debug({ err: error.message }, 'media socket error'),
    });
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
    if (metricsPort !== undefined) await this.#serveMetrics(metricsPort);
    await this.#cluster?.start({
      deliver: (target, message) => this.#perform(this.core.clusterDelivery(target, message, this.#now())),
      forwarded: (party, message) =>
        this.#perform(this.core.forwardedCallMessage(party, message, this.#now())),
      clientsGone: (clientIds) => this.#perform(this.core.remoteClientsOffline(clientIds, this.#now())),
      replicated: (size) => this.#logger.debug({ size }, 'directory replicated'),
    });
    this.#perform(this.core.tick(this.#now()));
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
          if (socket === undefined || socket.destroyed) break;
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
          if (socket === undefined) break;
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

  async #serveMetrics(port: number): Promise<void> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.metrics.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
        () => response.writeHead(500).end(),
      );
    });
    this.#metricsServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Loopback only: metrics reveal load and counts, not for the open internet.
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.#metricsPort = typeof address === 'object' && address !== null ? address.port : port;
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

/** Starts a relay; resolves once every socket listens. */
export async function startRelay(options: StartRelayOptions): Promise<Relay> {
  const crypto = options.crypto ?? createCrypto();
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ enabled: false });
  const host = await resolveHost(options.host ?? '127.0.0.1');
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const blocklist =
    options.blocklistFile === undefined ? Blocklist.empty() : readBlocklist(options.blocklistFile);
  const key = await loadOrCreateRelayKey(crypto, options.dataDir);
  const store = options.store ?? new SqliteDirectoryStore(join(options.dataDir, 'directory.sqlite'));
  const fingerprint = key.privateKey.publicKey.fingerprint();
  const clusterOptions = options.cluster;
  const clusterId = clusterOptions?.clusterId ?? 'leitung';
  let directory: LocalKeyDirectory;
  try {
    directory = new LocalKeyDirectory({
      store,
      crypto,
      privateKey: key.privateKey,
      now,
      ...(clusterOptions === undefined ? {} : { logId: clusterLogId(crypto, clusterId) }),
    });
  } catch (error) {
    store.close();
    throw error;
  }
  let cluster: ClusterNode | undefined;
  if (clusterOptions !== undefined) {
    try {
      cluster = await ClusterNode.connect({
        redisUrl: clusterOptions.redisUrl,
        clusterId,
        relayId: fingerprint,
        privateKey: key.privateKey,
        members: checkClusterMembers(clusterOptions.members ?? [], fingerprint),
        crypto,
        directory,
        now,
        logger,
        ...(clusterOptions.heartbeatMs === undefined ? {} : { heartbeatMs: clusterOptions.heartbeatMs }),
        ...(clusterOptions.ttlMs === undefined ? {} : { ttlMs: clusterOptions.ttlMs }),
      });
    } catch (error) {
      directory.close();
      throw error;
    }
  }
  const signalling = cluster?.signalling ?? options.signalling;
  const core = new RelayCore({
    crypto,
    privateKey: key.privateKey,
    directory,
    blocklist,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(signalling === undefined ? {} : { signalling }),
    ...(cluster === undefined ? {} : { asyncAppend: true, cluster: cluster.signalling }),
  });
  const relay = new Relay({
    core,
    directory,
    fingerprint,
    host,
    dataDir: options.dataDir,
    logger,
    ...(options.logMetadata === undefined ? {} : { logMetadata: options.logMetadata }),
    now,
    blocklistFile: options.blocklistFile,
    cluster,
    refusalLog: options.refusalLog,
  });
  try {
    await relay.listen(host, options.port ?? 5060, options.mediaPort ?? 5061, options.metricsPort);
  } catch (error) {
    await relay.close();
    throw error;
  }
  logger.info(
    {
      ...relay.info(),
      keyCreated: key.created,
      directorySize: directory.size(),
      metricsPort: relay.metricsPort,
      logMetadata: options.logMetadata === true,
    },
    'relay started',
  );
  if (options.logMetadata === true) {
    logger.warn('logging communication metadata (client ids, names, presence, who called whom)');
  }
  return relay;
}

function readBlocklist(path: string): Blocklist {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RelayError(RelayErrorCode.BlocklistInvalid, `cannot read the blocklist file ${path}`, {
      cause: error,
    });
  }
  return Blocklist.parse(text);
}

async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch (error) {
    throw new RelayError(RelayErrorCode.InvalidOption, `cannot resolve host ${host}`, { cause: error });
  }
}
