/**
 * @packageDocumentation
 * `@leitung/relay/core` — the relay's sans-I/O parts, for people who build their own shell or backend
 * instead of using `startRelay` (docs/architecture.md "Cores and shells", docs/relay.md "Architecture"):
 *
 * - `RelayCore`: control connections — bytes and `now` in, send/close/append/schedule/event outputs out;
 * - `MediaRouter`: UDP media — a datagram in, one forward/reply/refresh/drop decision out;
 * - `CallRouter`: the call state the core keeps per call;
 * - `LocalKeyDirectory` over a `DirectoryStore`: the key directory and its transparency log;
 * - `Signalling` / `LocalSignalling` and `ClusterCalls`: presence, delivery and cross-relay calls, the
 *   interfaces a cluster backend implements;
 * - `TokenBucket`, `KeyedRateLimiter`, `Blocklist`: the protection pieces the core applies.
 *
 * Clock and randomness are injected; nothing here opens a socket or a timer.
 */

export type { DirectoryStore } from '../directory/directory-store.js';
export {
  type KeyDirectory,
  LocalKeyDirectory,
  type LocalKeyDirectoryOptions,
  type RegistrationPlan,
  type RegistrationResult,
  type RotationRequest,
} from '../directory/key-directory.js';
export {
  type ExpiredMediaSession,
  MEDIA_DROP_REASONS,
  type MediaBindingChange,
  type MediaDataPlane,
  type MediaDecision,
  type MediaDropReason,
  type MediaEndpoint,
  type MediaGrantMaterial,
  type MediaReplicaReport,
  MediaRouter,
  type MediaRouterOptions,
  type MediaSessionChange,
} from '../media/media-router.js';
export { Blocklist } from '../protection/blocklist.js';
export { KeyedRateLimiter, TokenBucket } from '../protection/token-bucket.js';
export type {
  ClusterCall,
  ClusterCalls,
  ForwardedCallMessage,
  ForwardingParty,
} from '../signalling/cluster-calls.js';
export { type LocalDelivery, LocalSignalling, type Signalling } from '../signalling/signalling.js';
export { type BlockPolicy, NOTHING_BLOCKED } from './block-policy.js';
export { type CallParty, type CallRefusal, CallRouter, type CallRouterOptions } from './call-router.js';
export type { ClusterTarget } from './cluster-adapter.js';
export type { Connection, ConnectionPhase } from './connection.js';
export type { CloseReason, ConnectionId, RelayOutput } from './outputs.js';
export {
  RelayCore,
  type RelayCoreOptions,
  type RelayCoreStats,
  type RelayLoadFigures,
} from './relay-core.js';
