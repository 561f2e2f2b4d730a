/**
 * @packageDocumentation
 * `@leitung/relay`: the Leitung relay (docs/design.md §3–§6). It proves who each client is, publishes every key
 * in a transparency log with signed tree heads, delivers the phonebook without addresses, routes call
 * signalling with the caller taken from the authenticated channel, and forwards end-to-end encrypted media
 * between the two bound addresses of a call without being able to read it.
 *
 * This entry point is what a relay operator's program uses: {@link startRelay} (TCP control, UDP media,
 * SQLite directory, metrics, logs) and the {@link Relay} it returns, their options, events, limits and
 * errors, the SQLite directory store, the logger and key-file helpers, the name policy, and
 * {@link parseClusterMembers} for `startRelay({ cluster })` (docs/operations.md). The other entry points:
 *
 * - `@leitung/relay/core`: the sans-I/O cores (`RelayCore`, `MediaRouter`, `CallRouter`), the key directory,
 *   the storage and signalling interfaces a backend implements, and the protection pieces (token buckets,
 *   blocklist), for people building their own shell;
 * - `@leitung/relay/cluster`: the relay cluster on Redis (`ClusterNode`, `RedisLog`, `RedisSignalling`);
 * - `@leitung/relay/testing`: the in-memory directory store.
 */

export { parseClusterMembers } from './cluster/cluster-members.js';
export type { RelayEvent, RelayEventType } from './core/outputs.js';
export {
  type CheckedName,
  checkName,
  NAME_MAX_BYTES,
  NAME_MAX_CHARACTERS,
  nameKey,
} from './directory/name-policy.js';
export { SqliteDirectoryStore } from './directory/sqlite-directory-store.js';
export { isRelayError, RELAY_ERROR_CODES, RelayError, RelayErrorCode } from './errors.js';
export { type BucketLimit, DEFAULT_LIMITS, type RelayLimits, resolveLimits } from './limits.js';
export type { CryptoWorkers } from './shell/crypto-pool.js';
export { DEFAULT_REFUSAL_LOG, type RefusalLogOptions } from './shell/refusal-log.js';
export { Relay, type RelayEvents } from './shell/relay.js';
export { loadOrCreateRelayKey, RELAY_KEY_FILE, type RelayKeyResult } from './shell/relay-key-file.js';
export { createRelayLogger, type RelayLoggerOptions } from './shell/relay-logger.js';
export type { RelayClusterOptions, RelayEntry, StartRelayOptions } from './shell/relay-options.js';
export { startRelay } from './shell/start-relay.js';
export type { RelayWebSocketOptions } from './shell/web-socket-options.js';
