/**
 * `startRelay(options)`: opens the data directory (relay key, SQLite directory), joins the cluster when one
 * is configured, builds the sans-I/O {@link RelayCore} and lets the {@link Relay} shell listen
 * (docs/relay.md "Architecture", docs/operations.md "Start"). Whatever was opened is closed again when a
 * later step fails.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import { type Logger, pino } from 'pino';
import { checkClusterMembers } from '../cluster/cluster-members.js';
import { ClusterNode, clusterLogId } from '../cluster/cluster-node.js';
import { RelayCore } from '../core/relay-core.js';
import { LocalKeyDirectory } from '../directory/key-directory.js';
import { SqliteDirectoryStore } from '../directory/sqlite-directory-store.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import { Blocklist } from '../protection/blocklist.js';
import { readBlocklist } from './blocklist-file.js';
import { openDataDir } from './data-dir.js';
import { checkPortsFree } from './port-check.js';
import { Relay } from './relay.js';
import { loadOrCreateRelayKey } from './relay-key-file.js';
import type { RelayClusterOptions, StartRelayOptions } from './relay-options.js';
import { resolveWebSocketOptions } from './web-socket-options.js';

/** What every step of the start shares. */
interface StartContext {
  readonly crypto: LeitungCrypto;
  readonly now: () => number;
  readonly logger: Logger;
  readonly privateKey: RsaPrivateKey;
  readonly fingerprint: string;
}

/** Starts a relay; resolves once every socket listens. */
export async function startRelay(options: StartRelayOptions): Promise<Relay> {
  const crypto = options.crypto ?? createCrypto();
  const logger = options.logger ?? pino({ enabled: false });
  const host = await resolveHost(options.host ?? '127.0.0.1');
  // Checked before anything is opened; `listen` uses the checked values.
  const webSocket = options.webSocket === undefined ? undefined : resolveWebSocketOptions(options.webSocket);
  const cryptoWorkers = cryptoWorkerCount(options);
  checkMediaThreadNice(options.mediaThreadNice);
  // Ports first, then the data directory: nothing is created for a relay that cannot listen (docs/operations.md).
  await checkPortsFree([
    { listener: 'control', protocol: 'tcp', host, port: options.port ?? 5060 },
    { listener: 'media', protocol: 'udp', host, port: options.mediaPort ?? 5061 },
    ...(webSocket === undefined
      ? []
      : [{ listener: 'websocket', protocol: 'tcp', host, port: webSocket.port } as const]),
    ...(options.metricsPort === undefined
      ? []
      : [{ listener: 'metrics', protocol: 'tcp', host: '127.0.0.1', port: options.metricsPort } as const]),
  ]);
  openDataDir(options.dataDir);
  const blocklist =
    options.blocklistFile === undefined ? Blocklist.empty() : readBlocklist(options.blocklistFile);
  const key = await loadOrCreateRelayKey(crypto, options.dataDir);
  const context: StartContext = {
    crypto,
    now: options.now ?? Date.now,
    logger,
    privateKey: key.privateKey,
    fingerprint: key.privateKey.publicKey.fingerprint(),
  };
  const clusterId = options.cluster?.clusterId ?? 'leitung';
  const directory = openDirectory(context, options, clusterId);
  const cluster = await joinCluster(context, options.cluster, clusterId, directory);
  const signalling = cluster?.signalling ?? options.signalling;
  const core = new RelayCore({
    crypto,
    privateKey: key.privateKey,
    directory,
    blocklist,
    offloadKeyOperations: cryptoWorkers > 0,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(signalling === undefined ? {} : { signalling }),
    ...(cluster === undefined ? {} : { asyncAppend: true, cluster: cluster.signalling }),
  });
  const relay = new Relay({
    core,
    directory,
    fingerprint: context.fingerprint,
    host,
    dataDir: options.dataDir,
    logger,
    ...(options.logMetadata === undefined ? {} : { logMetadata: options.logMetadata }),
    now: context.now,
    blocklistFile: options.blocklistFile,
    cluster,
    refusalLog: options.refusalLog,
  });
  try {
    await relay.listen(
      host,
      options.port ?? 5060,
      options.mediaPort ?? 5061,
      options.metricsPort,
      options.webSocket,
      options.mediaIo ?? 'auto',
      options.mediaThread ?? 'main',
      options.mediaThreadNice,
      cryptoWorkers === 0
        ? undefined
        : {
            size: cryptoWorkers,
            maxQueued: options.cryptoQueue ?? DEFAULT_CRYPTO_QUEUE,
            privateKey: key.privateKey,
          },
    );
  } catch (error) {
    await relay.close();
    throw error;
  }
  logStarted(logger, relay, options, key.created);
  return relay;
}

/** `mediaThreadNice` is a nice value: a whole number from -20 to 19 (setpriority(2)). */
function checkMediaThreadNice(nice: number | undefined): void {
  if (nice !== undefined && (!Number.isInteger(nice) || nice < -20 || nice > 19)) {
    throw new RelayError(
      RelayErrorCode.InvalidOption,
      'mediaThreadNice must be a whole number from -20 to 19',
    );
  }
}

/** Default of `cryptoQueue` (docs/relay.md "Crypto workers"). */
const DEFAULT_CRYPTO_QUEUE = 128;

/** How many crypto workers to start (docs/relay.md "Crypto workers"): `cryptoWorkers`, at most the available cores. */
function cryptoWorkerCount(options: StartRelayOptions): number {
  const requested = options.cryptoWorkers ?? 0;
  if (!Number.isInteger(requested) || requested < 0) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'cryptoWorkers must be an integer ≥ 0');
  }
  const queue = options.cryptoQueue ?? DEFAULT_CRYPTO_QUEUE;
  if (!Number.isInteger(queue) || queue < 1) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'cryptoQueue must be an integer ≥ 1');
  }
  return Math.min(requested, availableParallelism());
}

/** The key directory on the configured store (SQLite in the data directory by default). */
function openDirectory(
  context: StartContext,
  options: StartRelayOptions,
  clusterId: string,
): LocalKeyDirectory {
  const store = options.store ?? new SqliteDirectoryStore(join(options.dataDir, 'directory.sqlite'));
  try {
    return new LocalKeyDirectory({
      store,
      crypto: context.crypto,
      privateKey: context.privateKey,
      now: context.now,
      // A cluster's relays share one log, named by the cluster (docs/operations.md "Relay cluster").
      ...(options.cluster === undefined ? {} : { logId: clusterLogId(context.crypto, clusterId) }),
    });
  } catch (error) {
    store.close();
    throw error;
  }
}

/** Relay cluster: connects to Redis and joins; undefined when the relay runs alone. */
async function joinCluster(
  context: StartContext,
  options: RelayClusterOptions | undefined,
  clusterId: string,
  directory: LocalKeyDirectory,
): Promise<ClusterNode | undefined> {
  if (options === undefined) return undefined;
  try {
    return await ClusterNode.connect({
      redisUrl: options.redisUrl,
      clusterId,
      relayId: context.fingerprint,
      privateKey: context.privateKey,
      members: checkClusterMembers(options.members ?? [], context.fingerprint),
      crypto: context.crypto,
      directory,
      now: context.now,
      logger: context.logger,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
    });
  } catch (error) {
    directory.close();
    throw error;
  }
}

function logStarted(logger: Logger, relay: Relay, options: StartRelayOptions, keyCreated: boolean): void {
  logger.info(
    {
      ...relay.info(),
      keyCreated,
      directorySize: relay.core.directorySize,
      metricsPort: relay.metricsPort,
      logMetadata: options.logMetadata === true,
    },
    'relay started',
  );
  if (options.logMetadata === true) {
    logger.warn('logging communication metadata (client ids, names, presence, who called whom)');
  }
}

async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch (error) {
    throw new RelayError(RelayErrorCode.InvalidOption, `cannot resolve host ${host}`, { cause: error });
  }
}
