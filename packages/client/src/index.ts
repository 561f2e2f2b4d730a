/**
 * @packageDocumentation
 * `@leitung/client`: secure relayed calls behind one typed, event-driven API (docs/client.md).
 *
 * - {@link setupClient}: seed §2.1 setup on a data directory (vault, identity, name, monitor, relays).
 * - {@link Client}: the shell — registration, phonebook, verified key lookups, calls, media transport,
 *   relay choice and failover — over {@link ClientCore}, the sans-I/O protocol core.
 * - {@link MediaChannel}: one call's media lane (socket, timers, {@link MediaChannelCore}: BIND/KEEPALIVE and
 *   the packet cipher), the frame transport the Client hands out.
 * - {@link ClientRelayManager}, {@link RelaySelector}, {@link Backoff}, {@link probeRelay}.
 * - {@link SecureVault}: the encrypted key store. {@link SecurityMonitor}: Linux process hardening checks.
 * - Errors: {@link ClientError} with `code` (CLIENT_ERR_…); session checks keep their SESSION_ERR_… codes.
 */
export type { MediaLaneReport } from './core/call-machine.js';
export type { CallPhase, CallSnapshot, MediaLaneStatus } from './core/call-snapshot.js';
export type { CallState, CallStateName } from './core/call-state.js';
export { ClientCore, type ClientCoreOptions } from './core/client-core.js';
export { type ClientStore, MemoryStore, type PinnedContact } from './core/client-store.js';
export type { CommandResult, CoreOutput, EstablishedCall, VerifiedContact } from './core/core-outputs.js';
export type { CoreTiming } from './core/core-timing.js';
export type {
  CallAcceptedEvent,
  CallEndedEvent,
  CallIncomingEvent,
  CallOutgoingEvent,
  CallRefusedEvent,
  CallRoleName,
  CallStateEvent,
  CallWaitingEvent,
  ConnectionErrorEvent,
  ConnectionStateEvent,
  ConnectionStateName,
  ContactInfo,
  ContactKeyChangedEvent,
  ContactKeyRotatedEvent,
  ContactRejectedEvent,
  ContactVerification,
  ContactVerifiedEvent,
  CoreEvent,
  CoreEventType,
  DirectoryNameConflictEvent,
  DirectorySplitViewEvent,
  MediaBoundEvent,
  MediaFailedEvent,
  Peer,
  PhonebookUpdateEvent,
  RegistrationCompleteEvent,
  RegistrationFailedEvent,
  TreeHeadAcceptedEvent,
} from './core/events.js';
export type { PresenceTarget } from './core/presence-watch.js';
export { displaySafe } from './display-safe.js';
export { CLIENT_ERROR_CODES, ClientError, ClientErrorCode, errorCodeOf, isClientError } from './errors.js';
export type { AudioFlow } from './media/audio-flow.js';
export {
  MediaChannelCore,
  type MediaChannelCoreOptions,
  type MediaChannelStats,
  type MediaChannelTiming,
  type MediaDropReason,
  type MediaInput,
} from './media/media-channel-core.js';
export type { MediaFrame, MediaTransport } from './media/media-transport.js';
export { disableInspectorSignal } from './monitor/inspector-signal.js';
export {
  type FindingCode,
  type SecurityFinding,
  SecurityMonitor,
  type SecurityMonitorEvents,
  type SecurityMonitorOptions,
  type Severity,
} from './monitor/security-monitor.js';
export { Backoff, type BackoffOptions } from './relays/backoff.js';
export { ClientRelayManager, type ClientRelayManagerOptions } from './relays/client-relay-manager.js';
export { logIdOfEntry, parseRelayEntry, type RelayEntry } from './relays/relay-entry.js';
export {
  loadOf,
  RelaySelector,
  type RelaySelectorOptions,
  type RelayStatus,
} from './relays/relay-selector.js';
export {
  type CallOptions,
  Client,
  type ClientEvents,
  type ClientOptions,
  type RelayLostEvent,
  type RelaySwitchedEvent,
} from './shell/client.js';
export { type FrameListener, MediaChannel, type MediaChannelOptions } from './shell/media-channel.js';
export type { DatagramSocket, MediaTarget, OpenDatagramSocket } from './shell/media-socket.js';
export { type ProbeResult, probeRelay, type RelayProbe } from './shell/relay-prober.js';
export {
  type ClientSetup,
  checkName,
  NAME_FILE,
  type RotatedIdentity,
  type RotateIdentityOptions,
  rotateIdentity,
  type SetupClientOptions,
  type SetupProgress,
  setupClient,
  VAULT_FILE,
} from './shell/setup-client.js';
export type { AtomicWriteHooks } from './vault/atomic-file.js';
export {
  MIN_PASSPHRASE_CHARACTERS,
  MIN_PASSPHRASE_DISTINCT,
  passphraseProblem,
} from './vault/passphrase-policy.js';
export { SecureVault, type SecureVaultOptions } from './vault/secure-vault.js';
export type { SettingValue } from './vault/vault-contents.js';
