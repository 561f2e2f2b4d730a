/**
 * ClientCore: the whole client protocol, sans-I/O (docs/design.md §1, §3–§5; docs/session-protocol.md).
 *
 * Inputs: `connect`, `transportOpened`, `receive(payload)`, `transportClosed`, `tick(now)` and the user's
 * commands. Outputs (drained with `takeOutputs()`): frame payloads to send, a request to close the
 * connection, typed events, "persist the store", the results of commands, and when a call's media lane
 * opens, moves and closes (`media:open` / `media:retarget` / `media:close`). Media packets never pass this
 * core: the shell's MediaChannel carries them (docs/architecture.md "Media lane"). `nextTimeout()` says
 * when `tick` is due. Clock and randomness are injected (`now` arguments, the crypto object's RNG), so a
 * whole call runs deterministically in one process.
 *
 * This file holds the connection (handshake, sealed channel, keepalive), request matching and the key
 * lookups; the call state machine is CallMachine (call-machine.ts), contact pinning ContactPins.
 *
 * What is checked when:
 * - registration: relay key pin, CHALLENGE tree head signature and consistency with the stored head, key
 *   list, WELCOME own entry + inclusion + consistency (all in @leitung/session's ClientHandshake);
 * - every later tree head (PUBLIC_KEY, CONSISTENCY): signature and consistency with the last accepted head,
 *   asking GET_CONSISTENCY when the directory grew;
 * - every key: id = hash of key, the entry asked for, inclusion proof; then the pinned key per name;
 * - every incoming call: caller key as above, then signature, ids, freshness, replay (openCallOffer);
 * - every accept: key confirmation (completeCall).
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { decodeSignedTreeHead, encodeSignedTreeHead } from '@leitung/merkle';
import {
  ClientHandshake,
  checkKeyRotation,
  clientIdOf,
  nameKey,
  SessionError,
  SessionErrorCode,
  signKeyRotation,
} from '@leitung/session';
import {
  type ControlMessage,
  type ControlMessageOf,
  type DirectoryEntry,
  decodeMessage,
  type KeyLookupTarget,
  MESSAGE_SENDER,
  type SignedTreeHead,
} from '@leitung/wire';
import { bytesEqual, fromHex, hexBytes, toHex } from '../bytes.js';
import { displaySafe } from '../display-safe.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import { logIdOfEntry, type RelayEntry } from '../relays/relay-entry.js';
import { CallMachine, type MediaLaneReport } from './call-machine.js';
import type { CallSnapshot } from './call-snapshot.js';
import type { CallStateName } from './call-state.js';
import { type ClientStore, MemoryStore } from './client-store.js';
import type { Connection } from './connection-state.js';
import { ContactPins } from './contact-pins.js';
import { asError, invalid, keyChanged, notConnected } from './core-errors.js';
import type { CommandResult, CoreOutput, VerifiedContact } from './core-outputs.js';
import { type CoreTiming, resolveTiming } from './core-timing.js';
import { DirectoryView, targetLabel, verifyLookupEntry } from './directory-view.js';
import type { ConnectionStateName, ContactInfo, CoreEvent } from './events.js';
import { Phonebook } from './phonebook.js';
import { type PresenceTarget, PresenceWatch } from './presence-watch.js';
import { RequestTable } from './request-table.js';

export interface ClientCoreOptions {
  readonly crypto: LeitungCrypto;
  /** The client's RSA-4096 identity. */
  readonly identity: RsaPrivateKey;
  /** The name to register (NFC-normalised). */
  readonly name: string;
  /** Tree heads and pinned contact keys (default: in memory). */
  readonly store?: ClientStore;
  /** Codec ids offered in call data, preference order (default: Opus 2, PCM16 1 — @leitung/audio's ids). */
  readonly codecs?: readonly number[];
  readonly timing?: CoreTiming;
  /**
   * Highest DATA sequence the call's media lane has sent, for CALL_RESUME's `lastSequence`
   * (docs/protocol.md): the shell answers from its MediaChannel. Default: none reported.
   */
  readonly lastSentSequence?: (callId: string) => number | undefined;
}

/** Why a key is being looked up. */
type LookupPurpose =
  | { readonly kind: 'user'; readonly handle: number }
  | { readonly kind: 'call'; readonly callId: Uint8Array }
  | { readonly kind: 'incoming'; readonly callId: Uint8Array }
  /** A phonebook line shows a pinned name with another key: rotation (notice) or key change (alarm)? */
  | { readonly kind: 'refresh'; readonly name: string }
  /** This client's own ROTATE_KEY: the answer is the new entry, checked like any lookup. */
  | { readonly kind: 'rotation'; readonly handle: number };

type Pending =
  | { readonly kind: 'lookup'; readonly target: KeyLookupTarget; readonly purpose: LookupPurpose }
  | {
      readonly kind: 'consistency';
      readonly answer: ControlMessageOf<'PUBLIC_KEY'>;
      readonly target: KeyLookupTarget;
      readonly purpose: LookupPurpose;
      readonly direction: 'newer' | 'older';
    }
  | { readonly kind: 'phonebook' }
  /** A head gossiped by the other party of a call, waiting for the relay's consistency proof. */
  | { readonly kind: 'gossip'; readonly head: SignedTreeHead; readonly direction: 'newer' | 'older' };

const DEFAULT_CODECS = [2, 1];

export class ClientCore {
  readonly #crypto: LeitungCrypto;
  readonly #identity: RsaPrivateKey;
  readonly #name: string;
  readonly #store: ClientStore;
  readonly #codecs: readonly number[];
  readonly #clientId: Uint8Array;
  readonly #clientIdHex: string;
  readonly #timing: Required<CoreTiming>;
  readonly #outputs: CoreOutput[] = [];
  readonly #requests = new RequestTable<Pending>();
  readonly #phonebook: Phonebook;
  readonly #pins: ContactPins;
  /** Names with a refresh lookup in flight (one per name). */
  readonly #refreshing = new Set<string>();
  readonly #presence: PresenceWatch;
  #connection: Connection = { kind: 'idle' };
  readonly #calls: CallMachine;
  /**
   * Relay keys (SPKI DER) by pinned fingerprint, from verified CHALLENGEs: the next registration with that
   * relay sends REGISTER_SEALED (docs/session-protocol.md §1). In memory only for this run.
   */
  readonly #relayKeys = new Map<string, Uint8Array>();
  #nextHandle = 1;

  constructor(options: ClientCoreOptions) {
    this.#crypto = options.crypto;
    this.#identity = options.identity;
    this.#name = options.name.normalize('NFC');
    this.#store = options.store ?? new MemoryStore();
    this.#codecs = options.codecs ?? DEFAULT_CODECS;
    this.#clientId = this.#crypto.sha3_256(options.identity.publicKey.toDer());
    this.#clientIdHex = toHex(this.#clientId);
    this.#timing = resolveTiming(options.timing);
    const lastSentSequence = options.lastSentSequence ?? (() => undefined);
    this.#phonebook = new Phonebook(this.#clientIdHex, this.#store);
    this.#pins = new ContactPins(this.#store, this.#phonebook);
    this.#presence = new PresenceWatch(this.#store, this.#phonebook, this.#clientIdHex);
    this.#calls = new CallMachine({
      crypto: this.#crypto,
      identity: this.#identity,
      clientId: this.#clientId,
      clientIdHex: this.#clientIdHex,
      codecs: this.#codecs,
      ringTimeoutMs: this.#timing.ringTimeoutMs,
      resumeTimeoutMs: this.#timing.resumeTimeoutMs,
      connected: () => this.#connection.kind === 'ready',
      sendSealed: (message, now) => this.#sendSealed(message, now),
      emit: (event) => this.#emit(event),
      result: (handle, result) => this.#result(handle, result),
      media: (output) => this.#outputs.push(output),
      lastSentSequence,
      lookup: (target, purpose, callId, now) =>
        this.#request({ kind: 'lookup', target, purpose: { kind: purpose, callId } }, now),
      cancelLookups: (purpose) => {
        this.#requests.removeWhere(
          (p) => (p.kind === 'lookup' || p.kind === 'consistency') && p.purpose.kind === purpose,
        );
      },
      gossipHead: () => {
        const c = this.#connection;
        return c.kind === 'ready' ? encodeSignedTreeHead(c.directory.head) : undefined;
      },
      gossipReceived: (head, now) => this.#checkGossipedHead(head, now),
      seenCallIds: this.#store.seenCallIds?.() ?? [],
      seenCallIdsChanged: (entries) => {
        if (this.#store.setSeenCallIds === undefined) return;
        this.#store.setSeenCallIds(entries);
        this.#outputs.push({ kind: 'persist' });
      },
    });
  }

  // ─── state ──────────────────────────────────────────────────────────────────────────────────────────

  /** Hex client id (fingerprint of the identity key). */
  get clientId(): string {
    return this.#clientIdHex;
  }

  get name(): string {
    return this.#name;
  }

  get connectionState(): ConnectionStateName {
    return this.#connection.kind;
  }

  /** The relay of the current (or last) connection. */
  get relay(): RelayEntry | undefined {
    return this.#connection.kind === 'idle' ? undefined : this.#connection.relay;
  }

  get callState(): CallStateName {
    return this.#calls.state.kind;
  }

  /** The current (or last) call as the user sees it (docs/client.md "Call state"). */
  get currentCall(): CallSnapshot | undefined {
    return this.#calls.snapshot;
  }

  /** Hex id of the current call, if any. */
  get callId(): string | undefined {
    return this.#calls.callId;
  }

  /**
   * Relay cluster: fingerprint (hex) of the relay that hosts the current call's media session, from the
   * last MEDIA_GRANT's `mediaRelay`; undefined = the relay of the control connection.
   */
  get mediaRelay(): string | undefined {
    return this.#calls.mediaRelay;
  }

  /** The last accepted tree head on the current connection. */
  get treeHead(): SignedTreeHead | undefined {
    return this.#connection.kind === 'ready' ? this.#connection.directory.head : undefined;
  }

  /** Round-trip time of the last answered sealed keepalive (unsmoothed), if measured. */
  get rttMs(): number | undefined {
    return this.#connection.kind === 'ready' ? this.#connection.rttMs : undefined;
  }

  contacts(): ContactInfo[] {
    return this.#phonebook.contacts();
  }

  /** Drains the outputs produced so far. */
  takeOutputs(): CoreOutput[] {
    return this.#outputs.splice(0);
  }

  /** When `tick` must be called next (absolute ms), if ever. */
  nextTimeout(): number | undefined {
    const times: (number | undefined)[] = [this.#requests.nextDeadline()];
    const c = this.#connection;
    if (c.kind === 'connecting' || c.kind === 'handshaking') times.push(c.deadline);
    if (c.kind === 'ready') times.push(c.nextPingAt);
    times.push(this.#calls.nextTimeout());
    let min: number | undefined;
    for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
    return min;
  }

  // ─── connection ─────────────────────────────────────────────────────────────────────────────────────

  /** The shell is opening a connection to `relay`. Allowed from idle and closed. */
  connect(relay: RelayEntry, now: number): void {
    if (this.#connection.kind !== 'idle' && this.#connection.kind !== 'closed') {
      throw new ClientError(ClientErrorCode.InvalidState, `cannot connect while ${this.#connection.kind}`);
    }
    this.#setConnection({ kind: 'connecting', relay, deadline: now + this.#timing.handshakeTimeoutMs });
  }

  /** The connection is open: start the registration (REGISTER). */
  transportOpened(now: number): void {
    const c = this.#connection;
    if (c.kind !== 'connecting') return;
    const handshake = new ClientHandshake({
      crypto: this.#crypto,
      privateKey: this.#identity,
      name: this.#name,
      pinnedRelayFingerprint: c.relay.fingerprint,
      relayPublicKey: this.#relayKeys.get(c.relay.fingerprint.toLowerCase()),
      lastTreeHead: this.#store.treeHead(logIdOfEntry(c.relay)),
      ...(c.relay.logId === undefined ? {} : { expectedLogId: hexBytes(c.relay.logId) }),
    });
    this.#setConnection({
      kind: 'handshaking',
      relay: c.relay,
      handshake,
      deadline: Math.max(c.deadline, now),
      step: 'challenge',
    });
    this.#send(handshake.start());
  }

  /** The connection closed (by the peer, an error, or after our `close` output). */
  transportClosed(now: number, code: string = ClientErrorCode.ConnectionClosed): void {
    const c = this.#connection;
    if (c.kind === 'idle' || c.kind === 'closed') return;
    if (c.kind === 'handshaking' || c.kind === 'connecting') {
      const error = new ClientError(
        ClientErrorCode.ConnectionClosed,
        'connection closed during registration',
      );
      this.#emit({ type: 'registration:failed', relay: c.relay, code: error.code, error });
    }
    this.#lost(c.relay, code, now);
  }

  /** One frame payload from the control connection. */
  receive(payload: Uint8Array, now: number): void {
    const c = this.#connection;
    switch (c.kind) {
      case 'handshaking':
        this.#onHandshakeFrame(c, payload, now);
        return;
      case 'ready': {
        let message: ControlMessage;
        try {
          message = c.channel.open(payload);
        } catch (error) {
          // A frame that does not authenticate (or decode) ends the connection: nothing after it can be trusted.
          this.#fail(error, now);
          return;
        }
        if (MESSAGE_SENDER[message.type] === 'client') {
          this.#fail(new ClientError(ClientErrorCode.Protocol, `relay sent ${message.type}`), now);
          return;
        }
        this.#onMessage(c, message, now);
        return;
      }
      case 'idle':
      case 'connecting':
      case 'closed':
        return;
    }
  }

  /** Advances timers: handshake and request deadlines, keepalive, ring and resume timeouts. */
  tick(now: number): void {
    const c = this.#connection;
    if ((c.kind === 'connecting' || c.kind === 'handshaking') && now >= c.deadline) {
      const error = new ClientError(ClientErrorCode.Timeout, 'registration timed out');
      this.#emit({ type: 'registration:failed', relay: c.relay, code: error.code, error });
      this.#close(ClientErrorCode.Timeout, now);
    }
    if (c.kind === 'ready' && now >= c.nextPingAt) this.#keepalive(c, now);
    for (const pending of this.#requests.expired(now)) {
      this.#failPending(
        pending,
        new ClientError(ClientErrorCode.Timeout, 'the relay did not answer in time'),
        now,
      );
    }
    this.#calls.tick(now);
  }

  /** Closes the connection on purpose (ends a live call first). */
  close(now: number): void {
    if (this.#calls.busy) this.#calls.end('hangup', 'local', now, { notify: true });
    this.#close(ClientErrorCode.ConnectionClosed, now);
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────────

  /** Looks a contact up with proof (docs/design.md §4); settles with a VerifiedContact. Returns the handle. */
  lookup(target: string | { readonly clientId: string }, now: number): number {
    const handle = this.#handle();
    const lookupTarget = this.#target(target);
    if (!lookupTarget) {
      this.#result(handle, { ok: false, error: invalid('lookup needs a name or a 64-hex-digit client id') });
      return handle;
    }
    if (this.#connection.kind !== 'ready') {
      this.#result(handle, { ok: false, error: notConnected() });
      return handle;
    }
    this.#request({ kind: 'lookup', target: lookupTarget, purpose: { kind: 'user', handle } }, now);
    return handle;
  }

  /** Calls a contact: verified key lookup, signed and sealed call data, CALL_REQUEST. Returns the handle. */
  placeCall(target: string | { readonly clientId: string }, now: number): number {
    const handle = this.#handle();
    const lookupTarget = this.#target(target);
    const fail = (error: Error): number => {
      this.#result(handle, { ok: false, error });
      return handle;
    };
    if (!lookupTarget) return fail(invalid('placeCall needs a name or a 64-hex-digit client id'));
    if (this.#connection.kind !== 'ready') return fail(notConnected());
    if (this.#calls.busy) return fail(new ClientError(ClientErrorCode.Busy, 'already in a call'));
    const known =
      lookupTarget.by === 'name'
        ? this.#phonebook.byName(lookupTarget.name)
        : this.#phonebook.byId(toHex(lookupTarget.clientId));
    if (known?.verification === 'key-changed' || (known && this.#pins.blocked(known.name))) {
      return fail(keyChanged(known.name));
    }
    if (lookupTarget.by === 'clientId' && bytesEqual(lookupTarget.clientId, this.#clientId)) {
      return fail(invalid('cannot call yourself'));
    }
    const callId = this.#crypto.randomBytes(16);
    this.#calls.begin(handle, callId, targetLabel(lookupTarget), now);
    this.#request({ kind: 'lookup', target: lookupTarget, purpose: { kind: 'call', callId } }, now);
    return handle;
  }

  /**
   * The contacts (names or client ids) whose presence this client wants, replacing the previous ones
   * (docs/client.md "Presence"). Relays show a contact online only when it watches this client too. Kept
   * across reconnects; sent to the relay now if connected, else after the next WELCOME. Throws
   * CLIENT_ERR_INVALID_ARGUMENT for a bad target or more than 256 of them.
   */
  watchPresence(targets: readonly PresenceTarget[], now: number): void {
    this.#presence.set(targets);
    this.#syncPresence(now);
  }

  /** Accepts the ringing incoming call. */
  /** What the call's media lane reports: bound, failed, or the peer's audio started or stalled. */
  mediaLane(callId: string, report: MediaLaneReport, now: number): void {
    this.#calls.mediaLane(callId, report, now);
  }

  answer(now: number): void {
    this.#calls.answer(now);
  }

  /** Rejects the ringing incoming call. */
  reject(now: number): void {
    this.#calls.reject(now);
  }

  /** Ends the current call in whatever state it is (ringing either way, or active). */
  hangUp(now: number): void {
    this.#calls.hangUp(now);
  }

  /**
   * Replaces this client's key for its name by `nextKey` (docs/key-transparency.md, "Key rotation"): sends
   * ROTATE_KEY signed with the current key (and `nextKey` for possession) and settles with the new entry as
   * a VerifiedContact once its inclusion and name-map proofs check out under an accepted head. The caller
   * then stores `nextKey` and reconnects with it; this core's key is from then on refused by the relay.
   * CLIENT_ERR_BUSY during a call (the session ends with the old key).
   */
  rotateKey(nextKey: RsaPrivateKey, now: number): number {
    const handle = this.#handle();
    const c = this.#connection;
    if (c.kind !== 'ready') {
      this.#result(handle, { ok: false, error: notConnected() });
      return handle;
    }
    if (this.#calls.busy) {
      this.#result(handle, { ok: false, error: new ClientError(ClientErrorCode.Busy, 'end the call first') });
      return handle;
    }
    const signed = signKeyRotation(this.#crypto, {
      logId: c.directory.head.logId,
      name: this.#name,
      previousKey: this.#identity,
      nextKey,
    });
    const target: KeyLookupTarget = { by: 'clientId', clientId: clientIdOf(this.#crypto, signed.publicKey) };
    this.#request({ kind: 'lookup', target, purpose: { kind: 'rotation', handle } }, now, {
      type: 'ROTATE_KEY',
      ...signed,
    });
    return handle;
  }

  /**
   * Accepts the new key of `name` that a verified lookup showed (after `contact:key-changed`): pins it and
   * unblocks calls. Throws CLIENT_ERR_INVALID_STATE when no verified new key is known.
   */
  acceptContactKey(name: string, now: number): void {
    this.#pins.accept(name.normalize('NFC'), now);
    this.#outputs.push({ kind: 'persist' });
    // A watched name now resolves to the newly pinned key.
    this.#syncPresence(now);
    this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed: [] });
  }

  /** Safety number with a contact whose key is pinned (60 digits in groups of 5). */
  safetyNumber(name: string): string {
    const pin = this.#store.contact(name.normalize('NFC'));
    if (!pin) throw new ClientError(ClientErrorCode.UnknownContact, 'no pinned key for this contact');
    return this.#crypto.safetyNumber(this.#clientIdHex, pin.clientId);
  }

  // ─── handshake ──────────────────────────────────────────────────────────────────────────────────────

  #onHandshakeFrame(c: Extract<Connection, { kind: 'handshaking' }>, payload: Uint8Array, now: number): void {
    try {
      if (c.step === 'challenge') {
        let prove: Uint8Array;
        try {
          prove = c.handshake.onChallenge(payload);
        } catch (error) {
          this.#checkSplitView(c.relay, payload, error);
          throw error;
        }
        c.step = 'welcome';
        this.#send(prove);
        return;
      }
      const result = c.handshake.onWelcome(payload);
      this.#relayKeys.set(c.relay.fingerprint.toLowerCase(), result.relayPublicKey.toDer());
      const logId = logIdOfEntry(c.relay);
      const previous = this.#store.treeHead(logId);
      const change = !previous ? 'first' : previous.size === result.treeHead.size ? 'unchanged' : 'grown';
      this.#store.setTreeHead(logId, result.treeHead);
      this.#outputs.push({ kind: 'persist' });
      const directory = new DirectoryView(
        this.#crypto,
        result.relayPublicKey,
        this.#store,
        result.treeHead,
        logId,
      );
      this.#setConnection({
        kind: 'ready',
        relay: c.relay,
        channel: result.channel,
        directory,
        nextPingAt: now + this.#timing.keepaliveIntervalMs,
        outstandingPing: undefined,
        pingSentAt: 0,
        missed: 0,
        rttMs: undefined,
      });
      this.#emit({
        type: 'registration:complete',
        clientId: this.#clientIdHex,
        name: this.#name,
        relay: c.relay,
        treeHead: result.treeHead,
        treeHeadChange: change,
        flatRoot: result.flatRoot,
      });
      this.#emit({ type: 'tree-head:accepted', logId: directory.logId, size: result.treeHead.size, change });
      this.#presence.connectionStarted();
      this.#applyPage(result.welcome.phonebook, now);
      this.#calls.resume(now);
    } catch (error) {
      const err = asError(error);
      this.#reportNameConflict(err, c.relay);
      this.#emit({
        type: 'registration:failed',
        relay: c.relay,
        code: errorCodeOf(err) ?? 'UNKNOWN',
        error: err,
      });
      this.#close(errorCodeOf(err) ?? ClientErrorCode.Protocol, now);
    }
  }

  /**
   * A CHALLENGE head that contradicts the head accepted for this log (same size, other root; or a
   * consistency proof that fails) is a split view: reported with both heads (docs/design.md §4). A head that is
   * merely older (a relay that lags) is not.
   */
  #checkSplitView(relay: RelayEntry, payload: Uint8Array, error: unknown): void {
    if (!(error instanceof SessionError) || error.code !== 'SESSION_ERR_TREE_INCONSISTENT') return;
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if (cause === 'MERKLE_ERR_SIZE_DECREASED' || cause === 'MERKLE_ERR_LOG_ID_MISMATCH') return;
    const logId = logIdOfEntry(relay);
    const accepted = this.#store.treeHead(logId);
    let shown: SignedTreeHead | undefined;
    try {
      const message = decodeMessage(payload);
      if (message.type === 'CHALLENGE') shown = message.treeHead;
    } catch {
      shown = undefined;
    }
    if (accepted === undefined || shown === undefined) return;
    this.#emit({
      type: 'directory:split-view',
      relay: relay.fingerprint.toLowerCase(),
      logId,
      accepted,
      shown,
      code: cause ?? error.code,
    });
  }

  /**
   * A signed name map that contradicts a binding is evidence of relay misbehaviour: besides the typed
   * error, it is reported as `directory:name-conflict` (docs/key-transparency.md, "What a client checks").
   */
  #reportNameConflict(error: unknown, relay?: RelayEntry): void {
    if (!(error instanceof SessionError)) return;
    const code = error.code;
    if (
      code !== 'SESSION_ERR_NAME_HIJACKED' &&
      code !== 'SESSION_ERR_DUPLICATE_NAME' &&
      code !== 'SESSION_ERR_NAME_BINDING' &&
      code !== 'SESSION_ERR_KEY_ROTATION'
    ) {
      return;
    }
    const from = relay ?? (this.#connection.kind === 'ready' ? this.#connection.relay : undefined);
    this.#emit({
      type: 'directory:name-conflict',
      relay: from?.fingerprint.toLowerCase() ?? '',
      name: error.directoryName ?? '',
      code,
    });
  }

  // ─── messages on the sealed channel ─────────────────────────────────────────────────────────────────

  #onMessage(c: Extract<Connection, { kind: 'ready' }>, message: ControlMessage, now: number): void {
    try {
      switch (message.type) {
        case 'PONG':
          if (c.outstandingPing && bytesEqual(message.nonce, c.outstandingPing)) {
            c.outstandingPing = undefined;
            c.missed = 0;
            c.rttMs = now - c.pingSentAt;
          }
          return;
        case 'PHONEBOOK_PAGE':
          if (this.#requests.take(message.requestId)) this.#applyPage(message.page, now);
          return;
        case 'PHONEBOOK_DELTA': {
          const changed = this.#phonebook.applyDelta(message.changes);
          for (const rejected of this.#phonebook.takeRejected()) this.#emit(rejected);
          this.#flagPhonebookConflicts(changed);
          this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed });
          this.#syncPresence(now);
          this.#refreshChangedPins(changed, now);
          return;
        }
        case 'PUBLIC_KEY':
          this.#onPublicKey(c, message, now);
          return;
        case 'CONSISTENCY':
          this.#onConsistency(c, message, now);
          return;
        case 'INCOMING_CALL':
          this.#calls.incoming(message, now);
          return;
        case 'CALL_RESPONSE':
          this.#calls.onCallResponse(message, now);
          return;
        case 'CALL_END':
          this.#calls.onCallEnd(message, now);
          return;
        case 'MEDIA_GRANT':
          this.#calls.onMediaGrant(message, now);
          return;
        case 'ERROR':
          this.#onError(message, now);
          return;
        case 'WELCOME':
        case 'CHALLENGE':
          throw new ClientError(ClientErrorCode.Protocol, `${message.type} after registration`);
        case 'REGISTER':
        case 'REGISTER_SEALED':
        case 'PROVE':
        case 'PHONEBOOK_REQUEST':
        case 'GET_PUBLIC_KEY':
        case 'GET_CONSISTENCY':
        case 'ROTATE_KEY':
        case 'CALL_REQUEST':
        case 'CALL_RESUME':
        case 'PRESENCE_WATCH':
        case 'PING':
          // Filtered by the sender check in `receive`; listed so the switch stays exhaustive.
          return;
      }
    } catch (error) {
      this.#fail(error, now);
    }
  }

  #onError(message: ControlMessageOf<'ERROR'>, now: number): void {
    const error = new ClientError(ClientErrorCode.RelayError, `relay error ${displaySafe(message.code)}`, {
      relayCode: message.code,
    });
    if (message.requestId !== undefined) {
      const pending = this.#requests.take(message.requestId);
      if (pending) this.#failPending(pending, error, now);
    } else if (!message.fatal) {
      this.#calls.relayRefused(error, now);
    }
    if (message.fatal) this.#fail(error, now);
  }

  #applyPage(page: ControlMessageOf<'PHONEBOOK_PAGE'>['page'], now: number): void {
    const changed = this.#phonebook.applyPage(page);
    for (const rejected of this.#phonebook.takeRejected()) this.#emit(rejected);
    this.#flagPhonebookConflicts(changed);
    this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed });
    this.#syncPresence(now);
    this.#refreshChangedPins(changed, now);
    const next = page.offset + page.contacts.length;
    if (page.contacts.length > 0 && next < page.total) {
      this.#request({ kind: 'phonebook' }, now, { type: 'PHONEBOOK_REQUEST', offset: next, limit: 256 });
    }
  }

  /** A phonebook line whose name is pinned to another key: raise the alarm at once (docs/design.md §4). */
  #flagPhonebookConflicts(changed: readonly ContactInfo[]): void {
    for (const alarm of this.#pins.phonebookAlarms(changed)) this.#emit(alarm);
  }

  // ─── tree-head gossip in calls (docs/key-transparency.md "Gossip in calls") ─────────────────────────

  /**
   * The other party's last accepted head for a log, from its signed offer. Same log as ours: same size ⇒
   * same root; otherwise the relay must prove consistency (GET_CONSISTENCY). A contradiction or a missing
   * proof is a split view: the relay shows the two parties different logs. Heads of other logs, or not
   * signed by this relay's key (another relay of a cluster), are not comparable here and are ignored.
   */
  #checkGossipedHead(encoded: Uint8Array, now: number): void {
    const c = this.#connection;
    if (c.kind !== 'ready') return;
    let head: SignedTreeHead;
    try {
      const decoded = decodeSignedTreeHead(encoded);
      // A head without a name map (encoding version 1) is refused everywhere in this protocol.
      if (decoded.mapRoot === undefined) return;
      head = { ...decoded, mapRoot: decoded.mapRoot };
      if (toHex(head.logId) !== c.directory.logId) return;
      c.directory.checkSignature(head);
    } catch {
      return;
    }
    const relation = c.directory.relation(head);
    if (relation === 'same') {
      // One size, one tree and one name map (docs/key-transparency.md "The name map").
      const mine = c.directory.head;
      if (!bytesEqual(head.root, mine.root) || !bytesEqual(head.mapRoot, mine.mapRoot)) {
        this.#gossipSplitView(head, SessionErrorCode.TreeInconsistent);
      }
      return;
    }
    const [fromSize, toSize] =
      relation === 'newer' ? [c.directory.head.size, head.size] : [head.size, c.directory.head.size];
    this.#request({ kind: 'gossip', head, direction: relation }, now, {
      type: 'GET_CONSISTENCY',
      fromSize,
      toSize,
    });
  }

  #gossipConsistency(
    c: Extract<Connection, { kind: 'ready' }>,
    pending: Extract<Pending, { kind: 'gossip' }>,
    message: ControlMessageOf<'CONSISTENCY'>,
  ): void {
    const { head } = pending;
    try {
      if (pending.direction === 'newer') {
        if (message.fromSize !== c.directory.head.size || message.treeHead.size !== head.size) {
          throw new ClientError(ClientErrorCode.Protocol, 'CONSISTENCY is not between the requested sizes');
        }
        c.directory.advance(message.treeHead, message.proof);
        c.directory.advance(head, []);
        this.#emit({
          type: 'tree-head:accepted',
          logId: c.directory.logId,
          size: head.size,
          change: 'grown',
        });
        this.#outputs.push({ kind: 'persist' });
      } else {
        if (message.fromSize !== head.size || message.treeHead.size !== c.directory.head.size) {
          throw new ClientError(ClientErrorCode.Protocol, 'CONSISTENCY is not between the requested sizes');
        }
        c.directory.advance(message.treeHead, []);
        c.directory.checkOlder(head, message.proof, c.directory.head);
      }
    } catch (error) {
      this.#gossipSplitView(head, errorCodeOf(error) ?? SessionErrorCode.TreeInconsistent);
    }
  }

  #gossipSplitView(shown: SignedTreeHead, code: string): void {
    const c = this.#connection;
    if (c.kind !== 'ready') return;
    this.#emit({
      type: 'directory:split-view',
      relay: c.relay.fingerprint.toLowerCase(),
      logId: c.directory.logId,
      accepted: c.directory.head,
      shown,
      code,
    });
  }

  // ─── key lookups with proofs ────────────────────────────────────────────────────────────────────────

  #onPublicKey(
    c: Extract<Connection, { kind: 'ready' }>,
    message: ControlMessageOf<'PUBLIC_KEY'>,
    now: number,
  ) {
    const pending = this.#requests.take(message.requestId);
    if (!pending) return;
    if (pending.kind !== 'lookup') {
      this.#failPending(
        pending,
        new ClientError(ClientErrorCode.Protocol, 'PUBLIC_KEY answers another request'),
        now,
      );
      return;
    }
    const { target, purpose } = pending;
    try {
      const relation = c.directory.relation(message.treeHead);
      if (relation === 'same') {
        c.directory.advance(message.treeHead, []);
      } else {
        // The head differs from the last accepted one: prove it is the same history (docs/design.md §4).
        c.directory.checkSignature(message.treeHead);
        const [fromSize, toSize] =
          relation === 'newer'
            ? [c.directory.head.size, message.treeHead.size]
            : [message.treeHead.size, c.directory.head.size];
        this.#request({ kind: 'consistency', answer: message, target, purpose, direction: relation }, now, {
          type: 'GET_CONSISTENCY',
          fromSize,
          toSize,
        });
        return;
      }
      this.#finishLookup(message, target, purpose, now);
    } catch (error) {
      this.#lookupFailed(purpose, asError(error), now);
    }
  }

  #onConsistency(
    c: Extract<Connection, { kind: 'ready' }>,
    message: ControlMessageOf<'CONSISTENCY'>,
    now: number,
  ) {
    const pending = this.#requests.take(message.requestId);
    if (!pending) return;
    if (pending.kind === 'gossip') {
      this.#gossipConsistency(c, pending, message);
      return;
    }
    if (pending.kind !== 'consistency') {
      this.#failPending(
        pending,
        new ClientError(ClientErrorCode.Protocol, 'CONSISTENCY answers another request'),
        now,
      );
      return;
    }
    const { answer, target, purpose } = pending;
    try {
      if (pending.direction === 'newer') {
        if (message.fromSize !== c.directory.head.size || message.treeHead.size !== answer.treeHead.size) {
          throw new ClientError(ClientErrorCode.Protocol, 'CONSISTENCY is not between the requested sizes');
        }
        const change = c.directory.advance(message.treeHead, message.proof);
        // Same size as the looked-up head: the two must be the same tree (else a split view).
        c.directory.advance(answer.treeHead, []);
        this.#emit({
          type: 'tree-head:accepted',
          logId: c.directory.logId,
          size: c.directory.head.size,
          change,
        });
        this.#outputs.push({ kind: 'persist' });
      } else {
        if (message.fromSize !== answer.treeHead.size || message.treeHead.size !== c.directory.head.size) {
          throw new ClientError(ClientErrorCode.Protocol, 'CONSISTENCY is not between the requested sizes');
        }
        c.directory.advance(message.treeHead, []);
        c.directory.checkOlder(answer.treeHead, message.proof, c.directory.head);
      }
      this.#finishLookup(answer, target, purpose, now);
    } catch (error) {
      this.#lookupFailed(purpose, asError(error), now);
    }
  }

  /** The head of `answer` is accepted; check the entry and its proof, then the pin. */
  #finishLookup(
    answer: ControlMessageOf<'PUBLIC_KEY'>,
    target: KeyLookupTarget,
    purpose: LookupPurpose,
    now: number,
  ): void {
    let key: RsaPublicKey;
    try {
      key = verifyLookupEntry(
        this.#crypto,
        target,
        answer.entry,
        answer.inclusionProof,
        answer.treeHead,
        answer.mapProof,
      );
    } catch (error) {
      this.#reportNameConflict(error);
      throw error;
    }
    if (purpose.kind === 'rotation') {
      this.#finishRotation(answer, purpose.handle);
      return;
    }
    const contact = this.#pin(
      answer.entry.name,
      toHex(answer.entry.clientId),
      answer.entry.publicKey,
      now,
      this.#rotatesPin(answer.entry, answer.treeHead.logId),
    );
    this.#emit({ type: 'contact:verified', contact, treeSize: answer.treeHead.size });
    const verified: VerifiedContact = {
      ...contact,
      publicKey: answer.entry.publicKey,
      keyChanged: contact.verification === 'key-changed',
    };
    switch (purpose.kind) {
      case 'user':
        this.#result(purpose.handle, { ok: true, value: verified });
        return;
      case 'call':
        this.#calls.calleeVerified(purpose.callId, verified, key, now);
        return;
      case 'incoming':
        this.#calls.callerVerified(purpose.callId, verified, key, now);
        return;
      case 'refresh':
        this.#refreshing.delete(purpose.name);
        this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed: [contact] });
        return;
    }
  }

  /** The relay appended this client's rotation: the verified entry must be exactly it. */
  #finishRotation(answer: ControlMessageOf<'PUBLIC_KEY'>, handle: number): void {
    const entry = answer.entry;
    if (
      entry.rotation === undefined ||
      !bytesEqual(entry.rotation.previous, this.#clientId) ||
      nameKey(entry.name) !== nameKey(this.#name)
    ) {
      throw new ClientError(
        ClientErrorCode.EntryMismatch,
        'the relay answered with another entry than the rotation',
      );
    }
    this.#result(handle, {
      ok: true,
      value: {
        clientId: toHex(entry.clientId),
        name: entry.name,
        online: false,
        verification: 'verified',
        publicKey: entry.publicKey,
        keyChanged: false,
      },
    });
  }

  /** `entry` is a rotation of the key pinned for its name, signed by that key (docs/key-transparency.md). */
  #rotatesPin(entry: DirectoryEntry, logId: Uint8Array): boolean {
    const pin = this.#store.contact(entry.name);
    if (pin === undefined || entry.rotation === undefined) return false;
    try {
      checkKeyRotation(this.#crypto, logId, entry, {
        name: pin.name,
        clientId: fromHex(pin.clientId) ?? new Uint8Array(0),
        publicKey: pin.publicKey,
      });
      return true;
    } catch (error) {
      if (error instanceof SessionError) return false;
      throw error;
    }
  }

  /** Pins the key of `name` on first verified use; flags a different key (docs/design.md §4). */
  #pin(name: string, clientId: string, publicKey: Uint8Array, now: number, rotatesPin: boolean): ContactInfo {
    const outcome = this.#pins.verified(name, clientId, publicKey, now, rotatesPin);
    if (outcome.stored) this.#outputs.push({ kind: 'persist' });
    if (outcome.alarm) this.#emit(outcome.alarm);
    if (outcome.notice) this.#emit(outcome.notice);
    return outcome.contact;
  }

  /**
   * Phonebook lines that name a pinned contact with another key and are not flagged yet: one verifying
   * lookup each decides between a signed rotation (re-pinned with a notice) and a key change (alarm).
   */
  #refreshChangedPins(changed: readonly ContactInfo[], now: number): void {
    if (this.#connection.kind !== 'ready') return;
    for (const contact of changed) {
      if (contact.verification !== 'unverified' || this.#refreshing.has(contact.name)) continue;
      const pin = this.#store.contact(contact.name);
      if (pin === undefined || pin.clientId === contact.clientId) continue;
      this.#refreshing.add(contact.name);
      this.#request(
        {
          kind: 'lookup',
          target: { by: 'name', name: contact.name },
          purpose: { kind: 'refresh', name: contact.name },
        },
        now,
      );
    }
  }

  #lookupFailed(purpose: LookupPurpose, error: Error, now: number): void {
    switch (purpose.kind) {
      case 'user':
      case 'rotation':
        this.#result(purpose.handle, { ok: false, error });
        return;
      case 'refresh':
        // The line stays unverified (calls look the key up again); a failed check was reported already.
        this.#refreshing.delete(purpose.name);
        return;
      case 'call':
      case 'incoming':
        this.#calls.lookupFailed(purpose.kind, purpose.callId, error, now);
        return;
    }
  }

  // ─── plumbing ───────────────────────────────────────────────────────────────────────────────────────

  #keepalive(c: Extract<Connection, { kind: 'ready' }>, now: number): void {
    if (c.outstandingPing) {
      c.missed += 1;
      if (c.missed >= this.#timing.keepaliveMisses) {
        // Missed keepalives count as a dropped connection: the relay manager fails over (docs/design.md §6).
        const error = new ClientError(ClientErrorCode.Timeout, 'relay stopped answering keepalives');
        this.#emit({ type: 'connection:error', code: error.code, error });
        this.#close(ClientErrorCode.Timeout, now);
        return;
      }
    }
    c.outstandingPing = this.#crypto.randomBytes(8);
    c.pingSentAt = now;
    c.nextPingAt = now + this.#timing.keepaliveIntervalMs;
    this.#sendSealed({ type: 'PING', nonce: c.outstandingPing, sentAt: Math.max(0, Math.floor(now)) }, now);
  }

  #request(pending: Pending, now: number, message?: RequestMessage): void {
    const requestId = this.#requests.add(pending, now + this.#timing.requestTimeoutMs);
    if (message) {
      this.#sendSealed({ ...message, requestId } as ControlMessage, now);
      return;
    }
    if (pending.kind === 'lookup')
      this.#sendSealed({ type: 'GET_PUBLIC_KEY', requestId, target: pending.target }, now);
  }

  #failPending(pending: Pending, error: Error, now: number): void {
    if (pending.kind === 'phonebook') return;
    if (pending.kind === 'gossip') {
      // A relay that does not answer for its own log's consistency cannot prove it: a split view.
      this.#gossipSplitView(pending.head, errorCodeOf(error) ?? 'CLIENT_ERR_PROTOCOL');
      return;
    }
    this.#lookupFailed(pending.purpose, error, now);
  }

  /** Sends PRESENCE_WATCH when the resolved set differs from what the relay holds. */
  #syncPresence(now: number): void {
    if (this.#connection.kind !== 'ready') return;
    const ids = this.#presence.pending();
    if (ids !== undefined) this.#sendSealed({ type: 'PRESENCE_WATCH', clientIds: ids }, now);
  }

  #sendSealed(message: ControlMessage, now: number): void {
    const c = this.#connection;
    if (c.kind !== 'ready') return;
    try {
      this.#send(c.channel.seal(message));
    } catch (error) {
      this.#fail(error, now);
    }
  }

  #send(payload: Uint8Array): void {
    this.#outputs.push({ kind: 'send', payload });
  }

  #emit(event: CoreEvent): void {
    this.#outputs.push({ kind: 'event', event });
  }

  #result(handle: number, result: CommandResult): void {
    this.#outputs.push({ kind: 'result', handle, result });
  }

  #handle(): number {
    const h = this.#nextHandle;
    this.#nextHandle += 1;
    return h;
  }

  #target(target: string | { readonly clientId: string }): KeyLookupTarget | undefined {
    if (typeof target === 'string') {
      const name = target.normalize('NFC');
      return name.length > 0 ? { by: 'name', name } : undefined;
    }
    if (typeof target?.clientId === 'string' && /^[0-9a-fA-F]{64}$/.test(target.clientId)) {
      return { by: 'clientId', clientId: hexBytes(target.clientId) };
    }
    return undefined;
  }

  #setConnection(next: Connection): void {
    const before = this.#connection;
    if (before.kind === 'ready' && next.kind !== 'ready') before.channel.destroy();
    this.#connection = next;
    if (before.kind !== next.kind) {
      this.#emit({
        type: 'connection:state',
        state: next.kind,
        relay: next.kind === 'idle' ? undefined : next.relay,
      });
    }
  }

  /** A fatal error on the connection: report, close. */
  #fail(error: unknown, now: number): void {
    const err = asError(error);
    const code = errorCodeOf(err) ?? ClientErrorCode.Protocol;
    this.#emit({ type: 'connection:error', code, error: err });
    this.#close(code, now);
  }

  #close(code: string, now: number): void {
    const c = this.#connection;
    if (c.kind === 'idle' || c.kind === 'closed') return;
    this.#outputs.push({ kind: 'close', code });
    this.#lost(c.relay, code, now);
  }

  /** Bookkeeping when the connection is gone: fail requests, keep a live call for CALL_RESUME. */
  #lost(relay: RelayEntry, code: string, now: number): void {
    this.#setConnection({ kind: 'closed', relay, code });
    for (const pending of this.#requests.drain()) {
      this.#failPending(pending, new ClientError(ClientErrorCode.ConnectionClosed, 'connection closed'), now);
    }
    this.#calls.connectionLost(now);
  }
}

type RequestMessage =
  | Omit<ControlMessageOf<'GET_CONSISTENCY'>, 'requestId'>
  | Omit<ControlMessageOf<'PHONEBOOK_REQUEST'>, 'requestId'>
  | Omit<ControlMessageOf<'ROTATE_KEY'>, 'requestId'>;
