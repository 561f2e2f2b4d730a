/**
 * The typed events of the client (`noun:verb`, docs/architecture.md). The sans-I/O core produces them as
 * values, except `media:bound` and `media:failed`, which the call's media lane (MediaChannel) reports; the
 * Client shell emits each one under its `type` with eventemitter3. Received media frames are not events:
 * they go to `Client.mediaTransport()` listeners (docs/architecture.md "Media lane"). Events carry public
 * values only (ids, names, fingerprints, codes) — never keys or secrets.
 */
import type { CallEndReason, SignedTreeHead } from '@leitung/wire';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { CallSnapshot } from './call-snapshot.js';

export type ConnectionStateName = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'closed';

/** How far a contact's key has been checked (docs/design.md §4). */
export type ContactVerification =
  /** Seen in the phonebook only: no proof checked yet. */
  | 'unverified'
  /** Looked up with an inclusion proof against a signed, consistent tree head, and pinned. */
  | 'verified'
  /** The verified key differs from the pinned one: calls blocked until `acceptContactKey`. */
  | 'key-changed';

export interface ContactInfo {
  /** Hex client id (= fingerprint of the contact's key). */
  readonly clientId: string;
  readonly name: string;
  readonly online: boolean;
  readonly verification: ContactVerification;
}

/** The other party of a call. */
export interface Peer {
  readonly clientId: string;
  readonly name: string;
}

export type CallRoleName = 'caller' | 'callee';

export interface RegistrationCompleteEvent {
  readonly type: 'registration:complete';
  readonly clientId: string;
  readonly name: string;
  readonly relay: RelayEntry;
  /** The signed tree head accepted at registration (also stored as the last accepted head). */
  readonly treeHead: SignedTreeHead;
  /** How the head relates to the one kept from earlier sessions. */
  readonly treeHeadChange: 'first' | 'unchanged' | 'grown';
  /**
   * The seed's flat root (SHA3-256 over the sorted keys, hex) when the relay sent the whole (small)
   * directory and it rebuilt to the signed Merkle root; for display and comparison with the seed.
   */
  readonly flatRoot: string | undefined;
}

export interface RegistrationFailedEvent {
  readonly type: 'registration:failed';
  readonly relay: RelayEntry;
  /** The typed error naming the failed check (SESSION_ERR_… or CLIENT_ERR_…). */
  readonly code: string;
  readonly error: Error;
}

export interface ConnectionStateEvent {
  readonly type: 'connection:state';
  readonly state: ConnectionStateName;
  readonly relay: RelayEntry | undefined;
}

export interface ConnectionErrorEvent {
  readonly type: 'connection:error';
  readonly code: string;
  readonly error: Error;
}

export interface PhonebookUpdateEvent {
  readonly type: 'phonebook:update';
  readonly contacts: readonly ContactInfo[];
  /** Contacts added or changed by this update (all of them for a full page). */
  readonly changed: readonly ContactInfo[];
}

export interface ContactVerifiedEvent {
  readonly type: 'contact:verified';
  readonly contact: ContactInfo;
  /** Tree size the inclusion proof was checked against. */
  readonly treeSize: number;
}

export interface ContactKeyChangedEvent {
  readonly type: 'contact:key-changed';
  readonly name: string;
  /** Hex id (fingerprint) of the pinned key. */
  readonly pinnedClientId: string;
  /** Hex id (fingerprint) of the key the directory now shows. */
  readonly newClientId: string;
  /** Whether the new key came with a verified proof (lookup) or only from the phonebook. */
  readonly source: 'lookup' | 'phonebook';
}

/**
 * A contact replaced its key by a key rotation that its pinned key signed (docs/key-transparency.md, "Key
 * rotation"): the new key is verified and pinned in place of the old one. A notice, not an alarm — the
 * old key vouched for the new one. A key change without such a signature is `contact:key-changed`.
 */
export interface ContactKeyRotatedEvent {
  readonly type: 'contact:key-rotated';
  readonly name: string;
  /** Hex id (fingerprint) of the key that was pinned and signed the rotation. */
  readonly previousClientId: string;
  /** Hex id (fingerprint) of the new, now pinned key. */
  readonly clientId: string;
}

/**
 * The relay sent a directory name that fails the name policy (docs/key-transparency.md "Names"): the
 * line is dropped, never shown or called. `name` is already display-safe (escapes visible).
 */
export interface ContactRejectedEvent {
  readonly type: 'contact:rejected';
  readonly clientId: string;
  readonly name: string;
  readonly reason: string;
  readonly source: 'phonebook';
}

export interface CallOutgoingEvent {
  readonly type: 'call:outgoing';
  readonly callId: string;
  readonly peer: Peer;
}

export interface CallIncomingEvent {
  readonly type: 'call:incoming';
  readonly callId: string;
  /** The caller as the relay authenticated it, with a verified, pinned key and a valid signature. */
  readonly peer: Peer;
  /** Codec ids the caller offers. */
  readonly codecs: readonly number[];
  /** Safety number for out-of-band comparison (digits, grouped). */
  readonly safetyNumber: string;
}

/**
 * Call waiting: a call came in while this client was already in one (or ringing, or dialing) and was
 * answered `busy` at once (docs/client.md "State machines"). Its offer was not opened and nothing was
 * verified: `callerId` is the caller the relay authenticated, `callerName` the name the relay states for
 * it (undefined when it fails the name policy). For showing "NAME is calling — busy", nothing more.
 */
export interface CallWaitingEvent {
  readonly type: 'call:waiting';
  /** Hex call id the relay stated. */
  readonly callId: string;
  /** Hex client id of the caller, as the relay authenticated it. */
  readonly callerId: string;
  /** The caller's name as the relay states it (not verified); undefined when it fails the name policy. */
  readonly callerName: string | undefined;
}

export interface CallAcceptedEvent {
  readonly type: 'call:accepted';
  readonly callId: string;
  readonly peer: Peer;
  readonly role: CallRoleName;
  /**
   * How the call's keys were agreed: always the hybrid post-quantum exchange, `ML-KEM-768 + X25519 +
   * RSA-OAEP-4096` (docs/session-protocol.md §3) — calls without the post-quantum share are refused.
   */
  readonly keyExchange: string;
}

export interface CallEndedEvent {
  readonly type: 'call:ended';
  readonly callId: string;
  readonly peer: Peer | undefined;
  readonly reason: CallEndReason;
  /** Who ended it: this client, the other party (through the relay), or the relay itself. */
  readonly by: 'local' | 'remote';
  /** Set when the call ended because a check failed (e.g. SESSION_ERR_CONFIRM). */
  readonly code?: string;
}

/**
 * The call's snapshot changed (docs/client.md "Call state"): render `call` instead of rebuilding the call
 * from the single events. Emitted on every phase change and when the media lane or audio flow changes.
 */
export interface CallStateEvent {
  readonly type: 'call:state';
  readonly call: CallSnapshot;
}

export interface CallRefusedEvent {
  readonly type: 'call:refused';
  /** Hex call id the relay stated. */
  readonly callId: string;
  /** Hex caller id the relay stated. */
  readonly callerId: string;
  /** The failed check: SESSION_ERR_CALL_SIGNATURE, SESSION_ERR_CALLER_MISMATCH, SESSION_ERR_INCLUSION, … */
  readonly code: string;
  readonly error: Error;
}

export interface MediaBoundEvent {
  readonly type: 'media:bound';
  readonly callId: string;
  readonly sessionId: number;
}

export interface MediaFailedEvent {
  readonly type: 'media:failed';
  readonly callId: string;
  readonly code: string;
}

export interface TreeHeadAcceptedEvent {
  readonly type: 'tree-head:accepted';
  readonly logId: string;
  readonly size: number;
  readonly change: 'first' | 'unchanged' | 'grown';
}

/** Everything the core reports. */
/**
 * A relay of a cluster showed a tree head that is not consistent with the last head the client accepted
 * for that log (same size with another root, or a failed consistency proof): a split view (docs/design.md §4).
 * The relay is not used; both heads are reported as evidence.
 */
export interface DirectorySplitViewEvent {
  readonly type: 'directory:split-view';
  /** Fingerprint of the relay that showed `shown`. */
  readonly relay: string;
  /** Hex log id. */
  readonly logId: string;
  /** The last head the client accepted for this log. */
  readonly accepted: SignedTreeHead;
  /** The head the relay showed. */
  readonly shown: SignedTreeHead;
  readonly code: string;
}

/**
 * The relay's signed name map contradicts a binding (docs/key-transparency.md, "The name map"): at login
 * it binds this client's own name to another key or none (`SESSION_ERR_NAME_HIJACKED`), a small
 * directory binds one name twice (`SESSION_ERR_DUPLICATE_NAME`) or holds a key rotation the replaced key
 * did not sign (`SESSION_ERR_KEY_ROTATION`), or a looked-up entry is not the one its
 * name maps to (`SESSION_ERR_NAME_BINDING`). Signed evidence of relay misbehaviour; nothing is used.
 */
export interface DirectoryNameConflictEvent {
  readonly type: 'directory:name-conflict';
  /** Fingerprint of the relay that showed it. */
  readonly relay: string;
  /** The name concerned, as the relay sent it. */
  readonly name: string;
  readonly code:
    | 'SESSION_ERR_NAME_HIJACKED'
    | 'SESSION_ERR_DUPLICATE_NAME'
    | 'SESSION_ERR_NAME_BINDING'
    | 'SESSION_ERR_KEY_ROTATION';
}

export type CoreEvent =
  | DirectorySplitViewEvent
  | DirectoryNameConflictEvent
  | ConnectionStateEvent
  | ConnectionErrorEvent
  | RegistrationCompleteEvent
  | RegistrationFailedEvent
  | PhonebookUpdateEvent
  | ContactVerifiedEvent
  | ContactKeyChangedEvent
  | ContactKeyRotatedEvent
  | ContactRejectedEvent
  | CallOutgoingEvent
  | CallIncomingEvent
  | CallWaitingEvent
  | CallAcceptedEvent
  | CallEndedEvent
  | CallStateEvent
  | CallRefusedEvent
  | MediaBoundEvent
  | MediaFailedEvent
  | TreeHeadAcceptedEvent;

export type CoreEventType = CoreEvent['type'];
