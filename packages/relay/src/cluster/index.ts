/**
 * @packageDocumentation
 * `@leitung/relay/cluster` — the relay cluster on Redis (docs/relay.md, docs/operations.md "Relay cluster"):
 * the pieces `startRelay({ cluster })` assembles, for people who run a cluster member inside their own
 * shell. `ClusterNode` joins a relay to the cluster: `RedisLog` holds the shared, member-signed key
 * directory log, `RedisSignalling` shares presence and delivery, and the members list decides whose
 * entries are applied (docs/operations.md "Trust model"). Unlike `@leitung/relay/core` these talk to Redis;
 * an operator who only starts relays needs none of it (`startRelay` takes `{ cluster: { redisUrl, members } }`).
 */
export {
  clusterEntryMessage,
  decodeClusterEntry,
  encodeClusterEntry,
  type StoredClusterEntry,
} from './cluster-entry.js';
export { type ClusterKeys, clusterKeys } from './cluster-keys.js';
export { ClusterMembers, checkClusterMembers } from './cluster-members.js';
export {
  type ClusterAppendResult,
  type ClusterHandlers,
  ClusterNode,
  type ClusterNodeOptions,
  clusterLogId,
  type ReplicationHalt,
} from './cluster-node.js';
export { type AppendOutcome, type EntrySigner, RedisLog } from './redis-log.js';
export { type ClusterPublisher, RedisSignalling, type RedisSignallingOptions } from './redis-signalling.js';
