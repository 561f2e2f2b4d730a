/**
 * @packageDocumentation
 * `@leitung/client`: secure relayed calls behind one typed, event-driven API (docs/client.md). This entry
 * holds what an application uses:
 *
 * - {@link setupClient}: setup on a data directory (vault, identity, name, monitor, relays);
 *   {@link rotateIdentity}: key rotation with the vault.
 * - {@link Client}: registration, phonebook, verified key lookups, calls, media transport, relay choice
 *   and failover. Its events ({@link ClientEvents}) carry the payload types exported here; the current
 *   call is one {@link CallSnapshot} (docs/client.md "Call state"); media frames go through its
 *   {@link MediaTransport}.
 * - {@link SecureVault}: the encrypted key store, with the passphrase policy ({@link passphraseProblem}).
 *   {@link SecurityMonitor}: Linux process hardening checks; {@link disableInspectorSignal}.
 * - {@link parseRelayEntry} for relay lists, {@link displaySafe} for every relay-provided string.
 * - {@link createWebSocketTransport}: reach relays over WebSockets (`ClientOptions.transport`) where TCP
 *   and UDP are not available.
 * - Errors: {@link ClientError} with `code` (CLIENT_ERR_…); session checks keep their SESSION_ERR_… codes.
 *
 * The sans-I/O cores and the pieces of the shell (ClientCore, MediaChannel, RelayPolicy, …) are in
 * `@leitung/client/core`; in-memory test doubles in `@leitung/client/testing`.
 */

export type { IdentityOperation } from '@leitung/session';
export type {
  CallPhase,
  CallSnapshot,
  CallSnapshotBase,
  EstablishedCallSnapshotBase,
  MediaLaneStatus,
} from './core/call-snapshot.js';
export type { EstablishedCall, VerifiedContact } from './core/core-outputs.js';
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
export type { MediaChannelStats, MediaDropReason } from './media/media-channel-core.js';
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
export { parseRelayEntry, type RelayEntry } from './relays/relay-entry.js';
export type { RelayStatus } from './relays/relay-selector.js';
export {
  type CallOptions,
  Client,
  type ClientEvents,
  type ClientOptions,
  type PrepareCallOptions,
  type RelayLostEvent,
  type RelaySwitchedEvent,
} from './shell/client.js';
export type { IdentityKeyHolder } from './shell/identity-holder.js';
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
export { createWebSocketTransport } from './transport/web-socket-transport.js';
export {
  MIN_PASSPHRASE_CHARACTERS,
  MIN_PASSPHRASE_DISTINCT,
  passphraseProblem,
} from './vault/passphrase-policy.js';
export { SecureVault, type SecureVaultOptions } from './vault/secure-vault.js';
export type { SettingValue } from './vault/vault-contents.js';
