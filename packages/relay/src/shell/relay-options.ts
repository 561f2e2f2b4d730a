/**
 * What `startRelay` takes and what a relay publishes about itself (docs/operations.md "Flags",
 * "Pinning: the relay-list entry", "Relay cluster"): the listen addresses, the data directory, logging, the
 * optional cluster, and the relay-list entry clients pin.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import type { RelayEntry } from '@leitung/session';
import type { Logger } from 'pino';
import type { DirectoryStore } from '../directory/directory-store.js';
import type { RelayLimits } from '../limits.js';
import type { Signalling } from '../signalling/signalling.js';
import type { RefusalLogOptions } from './refusal-log.js';
import type { RelayWebSocketOptions } from './web-socket-options.js';

/** The relay-list entry clients pin this relay by: defined once in @leitung/session. */
export type { RelayEntry };

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

/**
 * What {@link startRelay} takes (docs/operations.md "Flags"): the data directory, listen addresses and ports,
 * metrics port, blocklist file, limits, logging, storage and signalling backends, an optional relay cluster,
 * crypto and clock. Only `dataDir` is required.
 */
export interface StartRelayOptions {
  /** Directory for the relay key (`relay-key.pem`) and the directory database (`directory.sqlite`). */
  readonly dataDir: string;
  /** IP address (or name) to listen on for control and media. Default 127.0.0.1. */
  readonly host?: string;
  /** Control TCP port; 0 picks a free one. Default 5060. */
  readonly port?: number;
  /** Media UDP port; 0 picks a free one. Default 5061. */
  readonly mediaPort?: number;
  /**
   * Media I/O (docs/relay.md "Batched media I/O", "Native media plane"). Where the addon was built at install and
   * the host is IPv4, `auto` (default) runs the native plane: DATA checked and forwarded on a media thread of the
   * addon's, with recvmmsg/sendmmsg, everything else through the router on the loop; with an injected `now` it
   * takes `batched` (the addon on the event loop) instead, and node:dgram where the addon cannot serve. `native`
   * and `batched` fail with `RELAY_ERR_UNSUPPORTED` where they cannot serve; `dgram` always uses node:dgram.
   */
  readonly mediaIo?: 'auto' | 'native' | 'batched' | 'dgram';
  /**
   * The nice value the native plane's media thread asks for, a whole number from -20 to 19 (default -10;
   * otherwise `RELAY_ERR_INVALID_OPTION`): it is granted to root, with CAP_SYS_NICE, or within RLIMIT_NICE
   * (systemd `LimitNICE=-10`), and otherwise the thread keeps the process's; {@link Relay.mediaThreadNice} says
   * which (docs/relay.md "Native media plane").
   */
  readonly mediaThreadNice?: number;
  /**
   * Where the media plane runs (docs/relay.md "Media worker"): `main` (default) on the relay's event loop, or
   * `worker` on a worker thread with its own loop, so registrations never delay media.
   */
  readonly mediaThread?: 'main' | 'worker';
  /**
   * Crypto workers (docs/relay.md "Crypto workers"): worker threads for the RSA private-key operations of
   * registration, at most the machine's available cores. 0 (default) runs them inline on the relay's loop.
   */
  readonly cryptoWorkers?: number;
  /**
   * Registration decryptions queued or running on the crypto workers before new handshakes are refused with
   * `RELAY_ERR_CRYPTO_BUSY` (default 128). Only with `cryptoWorkers` > 0.
   */
  readonly cryptoQueue?: number;
  /** Serve Prometheus metrics on 127.0.0.1 at this port (0 picks one); off when undefined. */
  readonly metricsPort?: number;
  /**
   * A WebSocket listener for browsers on its own port (docs/relay.md "WebSocket listener"): the same
   * protocol, control and media; off when undefined. The relay-list entry then carries `webSocket`.
   */
  readonly webSocket?: RelayWebSocketOptions;
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
