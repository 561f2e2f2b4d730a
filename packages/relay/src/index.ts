/**
 * @packageDocumentation
 * `@leitung/relay`: the Leitung relay (docs/design.md §3–§6). It proves who each client is, publishes every key
 * in a transparency log with signed tree heads, delivers the phonebook without addresses, routes call
 * signalling with the caller taken from the authenticated channel, and forwards end-to-end encrypted media
 * between the two bound addresses of a call without being able to read it.
 *
 * - {@link startRelay}: the Node relay (TCP control, UDP media, SQLite directory, metrics, logs).
 * - {@link RelayCore} and {@link MediaRouter}: the sans-I/O cores, for tests and other shells.
 * - {@link KeyDirectory} / {@link DirectoryStore} / {@link Signalling}: the storage and signalling
 *   interfaces a cluster backend implements.
 * - {@link ClusterNode}, {@link RedisSignalling}, {@link RedisLog}: the relay cluster on Redis
 *   (`startRelay({ cluster: { redisUrl } })`, `leitung-relay --redis URL`; docs/operations.md).
 */

export {
  clusterEntryMessage,
  decodeClusterEntry,
  encodeClusterEntry,
  type StoredClusterEntry,
} from './cluster/cluster-entry.js';
export { type ClusterKeys, clusterKeys } from './cluster/cluster-keys.js';
export { ClusterMembers, checkClusterMembers, parseClusterMembers } from './cluster/cluster-members.js';
export {
  type ClusterAppendResult,
  type ClusterHandlers,
  ClusterNode,
  type ClusterNodeOptions,
  clusterLogId,
  type ReplicationHalt,
} from './cluster/cluster-node.js';
export { type AppendOutcome, type EntrySigner, RedisLog } from './cluster/redis-log.js';
export {
  type ClusterPublisher,
  RedisSignalling,
  type RedisSignallingOptions,
} from './cluster/redis-signalling.js';
export { type BlockPolicy, NOTHING_BLOCKED } from './core/block-policy.js';
export { type CallParty, type CallRefusal, CallRouter, type CallRouterOptions } from './core/call-router.js';
export type { Connection, ConnectionPhase } from './core/connection.js';
export type { CloseReason, ConnectionId, RelayEvent, RelayEventType, RelayOutput } from './core/outputs.js';
export {
  RelayCore,
  type RelayCoreOptions,
  type RelayCoreStats,
  type RelayLoadFigures,
} from './core/relay-core.js';
export type { DirectoryStore } from './directory/directory-store.js';
export {
  type KeyDirectory,
  LocalKeyDirectory,
  type LocalKeyDirectoryOptions,
  type RegistrationPlan,
  type RegistrationResult,
} from './directory/key-directory.js';
export { MemoryDirectoryStore } from './directory/memory-directory-store.js';
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
export {
  type ExpiredMediaSession,
  MEDIA_DROP_REASONS,
  type MediaBindingChange,
  type MediaDecision,
  type MediaDropReason,
  type MediaEndpoint,
  type MediaGrantMaterial,
  MediaRouter,
  type MediaRouterOptions,
} from './media/media-router.js';
export { Blocklist } from './protection/blocklist.js';
export { KeyedRateLimiter, TokenBucket } from './protection/token-bucket.js';
export { MEDIA_SOCKET_BUFFER_BYTES, MediaSocket, type MediaSocketOptions } from './shell/media-socket.js';
export { DEFAULT_REFUSAL_LOG, RefusalLog, type RefusalLogOptions } from './shell/refusal-log.js';
export { Relay, type RelayEvents } from './shell/relay.js';
export { loadOrCreateRelayKey, RELAY_KEY_FILE, type RelayKeyResult } from './shell/relay-key-file.js';
export { createRelayLogger, type RelayLoggerOptions } from './shell/relay-logger.js';
export { createRelayMetrics, type RelayMetricsSources } from './shell/relay-metrics.js';
export type { RelayClusterOptions, RelayListEntry, StartRelayOptions } from './shell/relay-options.js';
export { startRelay } from './shell/start-relay.js';
export type {
  ClusterCall,
  ClusterCalls,
  ForwardedCallMessage,
  ForwardingParty,
} from './signalling/cluster-calls.js';
export { type LocalDelivery, LocalSignalling, type Signalling } from './signalling/signalling.js';
