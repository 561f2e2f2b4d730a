/**
 * Prometheus metrics (prom-client, text format) for one relay. The core and the media router keep plain
 * integer counters — nothing on the packet path touches a metrics library — and this registry copies them
 * into prom-client metrics when scraped. Each relay has its own registry, so several relays can run in one
 * process (tests). docs/relay.md "Metrics" lists every name.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RelayCore } from '../core/relay-core.js';
import { MEDIA_DROP_REASONS, type MediaRouter } from '../media/media-router.js';
import type { CryptoWorkers } from './crypto-pool.js';

const PREFIX = 'leitung_relay_';

export interface RelayMetricsSources {
  readonly core: RelayCore;
  /** Blocklist reloads so far, by result. */
  readonly blocklistReloads: () => { readonly ok: number; readonly failed: number };
  /** The crypto workers' counters (docs/relay.md "Crypto workers"); undefined when the RSA runs inline. */
  readonly cryptoWorkers?: () => CryptoWorkers | undefined;
  /**
   * The native media plane (docs/relay.md "Native media plane"): datagrams its queue to the loop shed, and
   * whether its media thread was refused the priority it asked for; undefined on the other media paths.
   */
  readonly mediaPlane?: () => { readonly queueDrops: number; readonly priorityMissing: boolean } | undefined;
  /** Relay cluster: shared-log entries refused, and whether replication is stopped at one. */
  readonly cluster?: () => { readonly refused: number; readonly halted: boolean };
  /** The WebSocket listener's figures (docs/relay.md "WebSocket listener"); undefined while it is off. */
  readonly webSocket?: () =>
    | {
        readonly refusals: ReadonlyMap<string, number>;
        readonly mediaLegs: number;
        readonly backlogDrops: number;
      }
    | undefined;
}

export function createRelayMetrics(sources: RelayMetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  coreGauges(registry, sources.core);
  coreCounters(registry, sources.core);
  mediaCounters(registry, sources.core.media);
  shellMetrics(registry, sources);
  return registry;
}

/** A gauge read from the core when scraped. */
function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A counter copied from one of the core's plain counters when scraped. */
function counter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name: `${PREFIX + name}_total`,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function coreGauges(registry: Registry, core: RelayCore): void {
  const media = core.media;
  gauge(registry, 'connections_open', 'Open control connections.', () => core.connectionCount);
  gauge(
    registry,
    'connections_unauthenticated',
    'Control connections that have not finished the handshake.',
    () => core.unauthenticatedCount,
  );
  gauge(
    registry,
    'clients_online',
    'Clients with an established sealed channel on this relay.',
    () => core.clientCount,
  );
  gauge(registry, 'calls_active', 'Calls ringing or in progress.', () => core.callCount);
  gauge(registry, 'media_sessions', 'Media sessions allocated.', () => media.sessionCount);
  gauge(
    registry,
    'directory_entries',
    'Entries in the key directory (Merkle log size).',
    () => core.directorySize,
  );
  gauge(
    registry,
    'media_packets_per_second',
    'Media packets forwarded per second (recent average, as in PONG).',
    () => media.packetsPerSecond,
  );
}

function coreCounters(registry: Registry, core: RelayCore): void {
  const { stats, media } = core;
  counter(registry, 'connections_accepted', 'Control connections accepted.', () => stats.connectionsAccepted);
  counter(registry, 'frames_received', 'Control frames received.', () => stats.framesReceived);
  counter(
    registry,
    'handshakes_completed',
    'Registration handshakes completed (WELCOME sent).',
    () => stats.handshakesCompleted,
  );
  counter(registry, 'registrations', 'New directory bindings.', () => stats.registrations);
  counter(registry, 'logins', 'Handshakes of already bound keys.', () => stats.logins);
  counter(registry, 'call_requests', 'CALL_REQUESTs accepted for routing.', () => stats.callsRequested);
  counter(registry, 'media_forwarded_packets', 'Media packets forwarded.', () => media.forwardedPackets);
  counter(registry, 'media_forwarded_bytes', 'Media bytes forwarded.', () => media.forwardedBytes);
  new Counter({
    name: `${PREFIX}rejections_total`,
    help: 'Rejections by error code: every ERROR sent to a peer and every refused connection.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, value] of stats.refusals) this.inc({ code }, value);
    },
  });
}

function mediaCounters(registry: Registry, media: MediaRouter): void {
  new Counter({
    name: `${PREFIX}media_dropped_packets_total`,
    help: 'Media datagrams dropped, by reason (all before any cryptography except bad-token, bad-nonce and rate of control packets).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of MEDIA_DROP_REASONS) this.inc({ reason }, media.drops[reason]);
    },
  });
  new Counter({
    name: `${PREFIX}media_binds_total`,
    help: 'BIND_CONFIRMs that bound a side (bound) or moved its address (rebound).',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ kind: 'bound' }, media.binds);
      this.inc({ kind: 'rebound' }, media.rebinds);
    },
  });
  new Counter({
    name: `${PREFIX}media_bind_challenges_total`,
    help: 'BIND_CHALLENGEs sent: valid BINDs from an address the side has not confirmed.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(media.challenges);
    },
  });
}

/** What the shell counts: blocklist reloads and, in a cluster, the replication alarms. */
function shellMetrics(registry: Registry, sources: RelayMetricsSources): void {
  new Counter({
    name: `${PREFIX}blocklist_reloads_total`,
    help: 'Blocklist file reloads, by result.',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      const reloads = sources.blocklistReloads();
      this.inc({ result: 'ok' }, reloads.ok);
      this.inc({ result: 'failed' }, reloads.failed);
    },
  });
  const webSocket = sources.webSocket;
  if (webSocket !== undefined) {
    new Counter({
      name: `${PREFIX}websocket_refusals_total`,
      help: 'Connections the WebSocket listener refused or closed itself, by code.',
      labelNames: ['code'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [code, count] of webSocket()?.refusals ?? []) this.inc({ code }, count);
      },
    });
    gauge(registry, 'websocket_media_legs', 'Open WebSocket media legs.', () => webSocket()?.mediaLegs ?? 0);
    counter(
      registry,
      'websocket_media_backlog_drops',
      'Media packets to a WebSocket leg dropped because its send buffer was full.',
      () => webSocket()?.backlogDrops ?? 0,
    );
  }
  const plane = sources.mediaPlane;
  if (plane !== undefined) {
    counter(
      registry,
      'media_queue_drops',
      'Datagrams for the router (BIND, KEEPALIVE, BIND_CONFIRM, WebSocket legs) the native media plane shed: its queue to the loop was full.',
      () => plane()?.queueDrops ?? 0,
    );
    // Alarm metric (docs/operations.md "Sizing"): audio may wait for other work on the machine.
    gauge(
      registry,
      'media_thread_priority_missing',
      '1 while the native media plane runs without the nice value it asked for (needs root, CAP_SYS_NICE or LimitNICE=).',
      () => (plane()?.priorityMissing === true ? 1 : 0),
    );
  }
  const crypto = sources.cryptoWorkers;
  if (crypto !== undefined) {
    gauge(
      registry,
      'crypto_operations_pending',
      'Registration RSA operations queued or running on the crypto workers.',
      () => crypto()?.pending ?? 0,
    );
    counter(
      registry,
      'crypto_operations',
      'Registration RSA operations a crypto worker answered.',
      () => crypto()?.completed ?? 0,
    );
    counter(
      registry,
      'crypto_operations_refused',
      'Registration RSA operations refused: the crypto workers queue was full or no worker ran.',
      () => crypto()?.refused ?? 0,
    );
    counter(
      registry,
      'crypto_worker_restarts',
      'Crypto workers replaced after they died.',
      () => crypto()?.restarts ?? 0,
    );
  }
  const cluster = sources.cluster;
  if (cluster !== undefined) {
    // Alarm metrics (docs/operations.md "What to monitor"): a refused entry means someone wrote to Redis.
    counter(
      registry,
      'cluster_entries_refused',
      'Cluster log entries refused (not signed by a member, name policy, already bound, not canonical).',
      () => cluster().refused,
    );
    gauge(
      registry,
      'cluster_replication_halted',
      '1 while replication of the cluster log is stopped at a refused entry.',
      () => (cluster().halted ? 1 : 0),
    );
  }
}
