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

/**
 * The state of the control connection (docs/client.md "State machines"): `idle` before the first
 * `connect`, `connecting` (TCP), `handshaking` (REGISTER → CHALLENGE → PROVE → WELCOME), `ready`
 * (registered, sealed channel up), `closed` (dropped, failed or closed; failover may connect again).
 */
export type ConnectionStateName = 'idle' | 'connecting' | 'handshaking' | 'ready' | 'closed';

/** How far a contact's key has been checked (docs/client.md "Contacts, pins, safety numbers"). */
export type ContactVerification =
  /** Seen in the phonebook only: no proof checked yet. */
  | 'unverified'
  /** Looked up with an inclusion proof against a signed, consistent tree head, and pinned. */
  | 'verified'
  /** The verified key differs from the pinned one: calls blocked until `acceptContactKey`. */
  | 'key-changed';

/**
 * One line of the phonebook as the client knows it (docs/client.md "Contacts, pins, safety numbers"):
 * `Client.contacts` and `phonebook:update` carry these. The name has passed the directory's name policy,
 * but show it through `displaySafe` like every relay-provided string.
 */
export interface ContactInfo {
  /** Hex client id (= fingerprint of the contact's key). */
  readonly clientId: string;
  /** The contact's registered name (NFC). */
  readonly name: string;
  /**
   * Whether the relay reports the contact connected — only when both watch each other
   * (docs/client.md "Presence"); false otherwise.
   */
  readonly online: boolean;
  /** How far the contact's key has been checked. */
  readonly verification: ContactVerification;
}

/** The other party of a call. */
export interface Peer {
  /** Hex client id (= fingerprint of the peer's verified key). */
  readonly clientId: string;
  /** The peer's registered name (NFC); show it through `displaySafe`. */
  readonly name: string;
}

/** This client's side of a call: `caller` placed it, `callee` answered it. */
export type CallRoleName = 'caller' | 'callee';

/**
 * `registration:complete`: the relay's WELCOME checked out (docs/client.md "What is checked when") and the
 * client is registered under its name. `Client.start()` resolves with this event; it comes again after
 * every reconnect or failover.
 */
export interface RegistrationCompleteEvent {
  readonly type: 'registration:complete';
  /** This client's hex id (= fingerprint of its key). */
  readonly clientId: string;
  /** The name registered (NFC). */
  readonly name: string;
  /** The relay registered with. */
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

/**
 * `registration:failed`: a check of the handshake failed or the relay refused the registration; the
 * connection is closed and the relay policy tries the next relay (docs/client.md "What is checked when").
 */
export interface RegistrationFailedEvent {
  readonly type: 'registration:failed';
  /** The relay whose registration failed. */
  readonly relay: RelayEntry;
  /** The typed error naming the failed check (SESSION_ERR_… or CLIENT_ERR_…). */
  readonly code: string;
  /** The error itself (`SessionError` or `ClientError`), with the message. */
  readonly error: Error;
}

/** `connection:state`: the control connection moved to `state` (docs/client.md "State machines"). */
export interface ConnectionStateEvent {
  readonly type: 'connection:state';
  /** The new state. */
  readonly state: ConnectionStateName;
  /** The relay of the connection, undefined before the first `connect`. */
  readonly relay: RelayEntry | undefined;
}

/**
 * `connection:error`: the control connection failed and is being closed — a frame that fails
 * authentication or decoding, a fatal relay ERROR, missed keepalives (CLIENT_ERR_TIMEOUT); the relay
 * policy then fails over. The Client also reports a store that could not be written (code `PERSIST` or
 * the write's own code) this way.
 */
export interface ConnectionErrorEvent {
  readonly type: 'connection:error';
  /** The error's code (CLIENT_ERR_…, SESSION_ERR_…, or the relay's RELAY_ERR_…). */
  readonly code: string;
  /** The error itself, with the message. */
  readonly error: Error;
}

/**
 * `phonebook:update`: the phonebook changed — a page from the relay, a delta push, presence, or a
 * contact's verification (docs/client.md "Contacts, pins, safety numbers", "Presence").
 */
export interface PhonebookUpdateEvent {
  readonly type: 'phonebook:update';
  /** The whole phonebook after the update. */
  readonly contacts: readonly ContactInfo[];
  /** Contacts added or changed by this update (all of them for a full page). */
  readonly changed: readonly ContactInfo[];
}

/**
 * `contact:verified`: a contact's key was looked up with an inclusion proof under a signed, consistent
 * tree head and matches (or now is) the pinned key.
 */
export interface ContactVerifiedEvent {
  readonly type: 'contact:verified';
  /** The contact, `verification: 'verified'`. */
  readonly contact: ContactInfo;
  /** Tree size the inclusion proof was checked against. */
  readonly treeSize: number;
}

/**
 * `contact:key-changed`: the security alarm — the directory shows another key for a pinned name, not
 * signed over by the pinned key. Calls to and from the contact are refused until `acceptContactKey(name)`;
 * compare safety numbers out of band first (docs/client.md "Contacts, pins, safety numbers").
 */
export interface ContactKeyChangedEvent {
  readonly type: 'contact:key-changed';
  /** The contact's name. */
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
  /** The contact's name. */
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
  /** Hex client id of the dropped line. */
  readonly clientId: string;
  /** The name as sent, display-safe. */
  readonly name: string;
  /** Which rule of the name policy it broke. */
  readonly reason: string;
  /** Where the name came from. */
  readonly source: 'phonebook';
}

/**
 * `call:outgoing`: the callee's key is verified and the signed, sealed offer went out; the call rings
 * (`call:state` shows `ringing`).
 */
export interface CallOutgoingEvent {
  readonly type: 'call:outgoing';
  /** Hex call id. */
  readonly callId: string;
  /** The callee, key verified and pinned. */
  readonly peer: Peer;
}

/**
 * `call:incoming`: a call rings here — the caller's key and offer passed every check (docs/client.md
 * "What is checked when"). Answer with `answer()` or `reject()`; an offer that fails a check is
 * `call:refused` instead and never rings.
 */
export interface CallIncomingEvent {
  readonly type: 'call:incoming';
  /** Hex call id. */
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

/**
 * `call:accepted`: the call is answered and its keys are confirmed on both sides; the media lane opens
 * next (`media:bound`, then audio).
 */
export interface CallAcceptedEvent {
  readonly type: 'call:accepted';
  /** Hex call id. */
  readonly callId: string;
  /** The other party. */
  readonly peer: Peer;
  /** This client's side of the call. */
  readonly role: CallRoleName;
  /**
   * How the call's keys were agreed: always the hybrid post-quantum exchange, `ML-KEM-768 + X25519 +
   * RSA-OAEP-4096` (docs/session-protocol.md §3) — calls without the post-quantum share are refused.
   */
  readonly keyExchange: string;
}

/**
 * `call:ended`: the call is over and its secrets are erased (docs/client.md "State machines"). The
 * snapshot's `ended` phase (`call:state`) carries the same reason.
 */
export interface CallEndedEvent {
  readonly type: 'call:ended';
  /** Hex call id. */
  readonly callId: string;
  /** The other party, undefined when the call ended before the callee was verified. */
  readonly peer: Peer | undefined;
  /** `hangup`, `rejected`, `busy`, `timeout`, `offline`, `error` or `relay-shutdown`. */
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
  /** The new snapshot (also `Client.currentCall`). */
  readonly call: CallSnapshot;
}

/**
 * `call:refused`: an incoming call failed a check (caller key, offer signature, ids, freshness, replay;
 * docs/client.md "What is checked when") and was never shown or rung; the evidence is the code.
 */
export interface CallRefusedEvent {
  readonly type: 'call:refused';
  /** Hex call id the relay stated. */
  readonly callId: string;
  /** Hex caller id the relay stated. */
  readonly callerId: string;
  /** The failed check: SESSION_ERR_CALL_SIGNATURE, SESSION_ERR_CALLER_MISMATCH, SESSION_ERR_INCLUSION, … */
  readonly code: string;
  /** The error itself, with the message. */
  readonly error: Error;
}

/**
 * `media:bound`: the call's media lane holds a valid BIND_ACK from the relay; frames can flow
 * (docs/client.md "State machines", media binding). Comes again after a re-bind or a move to another relay.
 */
export interface MediaBoundEvent {
  readonly type: 'media:bound';
  /** Hex call id. */
  readonly callId: string;
  /** The relay's media session id (uint32) the lane is bound to. */
  readonly sessionId: number;
}

/**
 * `media:failed`: every BIND retry went unanswered (10 attempts, 200 ms doubling to 2 s); no media flows
 * for this call (`CLIENT_ERR_MEDIA_BIND_FAILED`).
 */
export interface MediaFailedEvent {
  readonly type: 'media:failed';
  /** Hex call id. */
  readonly callId: string;
  /** Why: `CLIENT_ERR_MEDIA_BIND_FAILED`. */
  readonly code: string;
}

/**
 * `tree-head:accepted`: a signed tree head of the key directory passed its signature and consistency
 * checks and is now the last accepted head for its log (kept in the store).
 */
export interface TreeHeadAcceptedEvent {
  readonly type: 'tree-head:accepted';
  /** Hex id of the directory log (the relay's fingerprint, or the cluster's log id). */
  readonly logId: string;
  /** Entries in the directory under this head. */
  readonly size: number;
  /** How it relates to the head accepted before: none yet, the same, or grown (proven consistent). */
  readonly change: 'first' | 'unchanged' | 'grown';
}

/**
 * A relay of a cluster showed a tree head that is not consistent with the last head the client accepted
 * for that log (same size with another root, or a failed consistency proof): a split view (docs/client.md
 * "Relay cluster"). The relay is not used; both heads are reported as evidence.
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
  /** The failed check, e.g. `SESSION_ERR_TREE_INCONSISTENT`. */
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

/**
 * Every event the client core reports, discriminated by `type` (`noun:verb`, docs/client.md "Events"). The
 * Client emits each under its `type` (`client.on('call:incoming', (e) => …)`); the events the shell adds
 * (`relay:lost`, `relay:switched`, `security:finding`) are not in this union but in `ClientEvents`.
 */
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

/** The name of every core event (`CoreEvent['type']`), e.g. `'call:incoming'`. */
export type CoreEventType = CoreEvent['type'];
