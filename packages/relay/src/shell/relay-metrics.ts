/**
 * Prometheus metrics (prom-client, text format) for one relay. The core and the media router keep plain
 * integer counters — nothing on the packet path touches a metrics library — and this registry copies them
 * into prom-client metrics when scraped. Each relay has its own registry, so several relays can run in one
 * process (tests). docs/relay.md "Metrics" lists every name.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RelayCore } from '../core/relay-core.js';
import { MEDIA_DROP_REASONS } from '../media/media-router.js';

const PREFIX = 'leitung_relay_';

export interface RelayMetricsSources {
  readonly core: RelayCore;
  /** Blocklist reloads so far, by result. */
  readonly blocklistReloads: () => { readonly ok: number; readonly failed: number };
  /** Relay cluster: shared-log entries refused, and whether replication is stopped at one. */
  readonly cluster?: () => { readonly refused: number; readonly halted: boolean };
}

export function createRelayMetrics(sources: RelayMetricsSources): Registry {
  const registry = new Registry();
  const { core } = sources;
  const media = core.media;
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: PREFIX + name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${PREFIX + name}_total`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });

  gauge('connections_open', 'Open control connections.', () => core.connectionCount);
  gauge(
    'connections_unauthenticated',
    'Control connections that have not finished the handshake.',
    () => core.unauthenticatedCount,
  );
  gauge(
    'clients_online',
    'Clients with an established sealed channel on this relay.',
    () => core.clientCount,
  );
  gauge('calls_active', 'Calls ringing or in progress.', () => core.callCount);
  gauge('media_sessions', 'Media sessions allocated.', () => media.sessionCount);
  gauge('directory_entries', 'Entries in the key directory (Merkle log size).', () => core.directorySize);
  gauge(
    'media_packets_per_second',
    'Media packets forwarded per second (recent average, as in PONG).',
    () => media.packetsPerSecond,
  );

  counter('connections_accepted', 'Control connections accepted.', () => core.stats.connectionsAccepted);
  counter('frames_received', 'Control frames received.', () => core.stats.framesReceived);
  counter(
    'handshakes_completed',
    'Registration handshakes completed (WELCOME sent).',
    () => core.stats.handshakesCompleted,
  );
  counter('registrations', 'New directory bindings.', () => core.stats.registrations);
  counter('logins', 'Handshakes of already bound keys.', () => core.stats.logins);
  counter('call_requests', 'CALL_REQUESTs accepted for routing.', () => core.stats.callsRequested);
  counter('media_forwarded_packets', 'Media packets forwarded.', () => media.forwardedPackets);
  counter('media_forwarded_bytes', 'Media bytes forwarded.', () => media.forwardedBytes);

  new Counter({
    name: `${PREFIX}rejections_total`,
    help: 'Rejections by error code: every ERROR sent to a peer and every refused connection.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, value] of core.stats.refusals) this.inc({ code }, value);
    },
  });
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
  const cluster = sources.cluster;
  if (cluster !== undefined) {
    // Alarm metrics (docs/operations.md "What to monitor"): a refused entry means someone wrote to Redis.
    counter(
      'cluster_entries_refused',
      'Cluster log entries refused (not signed by a member, name policy, already bound, not canonical).',
      () => cluster().refused,
    );
    gauge(
      'cluster_replication_halted',
      '1 while replication of the cluster log is stopped at a refused entry.',
      () => (cluster().halted ? 1 : 0),
    );
  }
  return registry;
}
