/**
 * @packageDocumentation
 * `@leitung/client/browser`: the client for web pages (docs/client.md "In a browser"). Nothing reachable
 * from this entry imports a node:* module, so a bundler targeting browsers takes it as it is
 * (test/browser-safe-entry.test.ts proves it on the sources and on a browser bundle of the build):
 *
 * - {@link Client}: the API of the Node entry's Client, with node-free defaults — the portable
 *   @leitung/crypto backend and the WebSocket transport (every relay entry needs `webSocket`).
 *   Its events ({@link ClientEvents}) carry the payload types exported here; the current call is one
 *   {@link CallSnapshot}.
 * - {@link BrowserVault}: the encrypted key store in IndexedDB (the SecureVault format and API), with the
 *   passphrase policy ({@link passphraseProblem}) every vault enforces.
 * - {@link parseRelayEntry} for relay lists, {@link displaySafe} for every relay-provided string.
 * - {@link createWebSocketTransport} for a WebSocket class of one's own.
 * - Errors: {@link ClientError} with `code` (CLIENT_ERR_…).
 *
 * Not here, because they need Node: `setupClient` and `SecureVault` (files), `SecurityMonitor` (procfs).
 * A page wires the vault itself: `new Client({ identity: vault.identity(), name, relays, store: vault,
 * persist: () => vault.save() })`.
 */

export type { IdentityOperation } from '@leitung/session';
export type {
  CallPhase,
  CallSnapshot,
  CallSnapshotBase,
  EstablishedCallSnapshotBase,
  MediaLaneStatus,
} from './core/call-snapshot.js';
export type { ClientStore, PinnedContact } from './core/client-store.js';
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
export type { RelayLostEvent, RelaySwitchedEvent } from './relays/relay-actions.js';
export { parseRelayEntry, type RelayEntry } from './relays/relay-entry.js';
export type { RelayStatus } from './relays/relay-selector.js';
export { Client } from './shell/browser-client.js';
export type { CallOptions, ClientEvents, ClientOptions, PrepareCallOptions } from './shell/client-options.js';
export { warmUpCrypto } from './shell/crypto-warm-up.js';
export type { IdentityKeyHolder } from './shell/identity-holder.js';
export { webCryptoIdentity } from './shell/web-crypto-identity.js';
export {
  createWebSocketTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './transport/web-socket-transport.js';
export {
  BROWSER_VAULT_DATABASE,
  BrowserVault,
  type BrowserVaultOptions,
  type BrowserVaultSaveHooks,
} from './vault/browser-vault.js';
export type {
  IdbDatabaseLike,
  IdbFactoryLike,
  IdbObjectStoreLike,
  IdbOpenRequestLike,
  IdbRequestLike,
  IdbTransactionLike,
} from './vault/indexed-db.js';
export {
  MIN_PASSPHRASE_CHARACTERS,
  MIN_PASSPHRASE_DISTINCT,
  passphraseProblem,
} from './vault/passphrase-policy.js';
export type { SettingValue } from './vault/vault-contents.js';
