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
 * This file is the facade (docs/client.md "Layers"): it owns the connection (sealed channel, keepalive),
 * the request table and the outputs, and routes each input to the module that handles it — registration
 * to RegistrationFlow (registration-flow.ts), key lookups with proofs to KeyLookups (key-lookups.ts),
 * tree-head gossip to HeadGossip (head-gossip.ts), calls to CallMachine (call-machine.ts), contact pinning
 * to ContactPins. The modules reach back through a CoreLink (core-link.ts).
 *
 * What is checked when (docs/client.md "What is checked when"):
 * - registration: relay key pin, CHALLENGE tree head signature and consistency with the stored head, key
 *   list, WELCOME own entry + inclusion + consistency (all in @leitung/session's ClientHandshake);
 * - every later tree head (PUBLIC_KEY, CONSISTENCY): signature and consistency with the last accepted head,
 *   asking GET_CONSISTENCY when the directory grew;
 * - every key: id = hash of key, the entry asked for, inclusion proof; then the pinned key per name;
 * - every incoming call: caller key as above, then signature, ids, freshness, replay (openCallOffer);
 * - every accept: key confirmation (completeCall).
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { encodeSignedTreeHead } from '@leitung/merkle';
import {
  type ControlMessage,
  type ControlMessageOf,
  type KeyLookupTarget,
  MESSAGE_SENDER,
  type SignedTreeHead,
} from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { displaySafe } from '../display-safe.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import { CallMachine } from './call-machine.js';
import type { CallStateName } from './call-state.js';
import { type ClientStore, MemoryStore } from './client-store.js';
import type { Connection, HandshakingConnection, ReadyConnection } from './connection-state.js';
import { ContactPins } from './contact-pins.js';
import { asError, invalid, keyChanged, notConnected } from './core-errors.js';
import type { CoreLink } from './core-link.js';
import type { CommandResult, CoreOutput } from './core-outputs.js';
import { type CoreTiming, resolveTiming } from './core-timing.js';
import { targetLabel } from './directory-view.js';
import type { ConnectionStateName, ContactInfo, CoreEvent } from './events.js';
import { HeadGossip } from './head-gossip.js';
import { KeyLookups, lookupTarget } from './key-lookups.js';
import { Phonebook } from './phonebook.js';
import { type PresenceTarget, PresenceWatch } from './presence-watch.js';
import { type HandshakeStep, RegistrationFlow } from './registration-flow.js';
import type { Pending, RequestMessage } from './relay-requests.js';
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
  readonly #presence: PresenceWatch;
  #connection: Connection = { kind: 'idle' };
  readonly #calls: CallMachine;
  readonly #registration: RegistrationFlow;
  readonly #lookups: KeyLookups;
  readonly #gossip: HeadGossip;
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
    this.#registration = new RegistrationFlow({
      crypto: this.#crypto,
      identity: this.#identity,
      name: this.#name,
      store: this.#store,
    });
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
    const link = this.#link();
    this.#lookups = new KeyLookups({
      crypto: this.#crypto,
      identity: this.#identity,
      clientId: this.#clientId,
      name: this.#name,
      store: this.#store,
      phonebook: this.#phonebook,
      pins: this.#pins,
      calls: this.#calls,
      link,
    });
    this.#gossip = new HeadGossip(link);
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
    const handshake = this.#registration.handshake(c.relay);
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
    this.#calls.begin(handle, callId, targetLabel(lookupTarget));
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
    this.#lookups.rotate(c, nextKey, handle, now);
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

  // ─── registration ───────────────────────────────────────────────────────────────────────────────────

  #onHandshakeFrame(c: HandshakingConnection, payload: Uint8Array, now: number): void {
    try {
      const step = this.#registration.onFrame(c, payload);
      switch (step.kind) {
        case 'prove':
          this.#send(step.payload);
          return;
        case 'registered':
          this.#registered(c.relay, step, now);
          return;
      }
    } catch (error) {
      const err = asError(error);
      for (const event of this.#registration.failureEvents(c, payload, err)) this.#emit(event);
      this.#close(errorCodeOf(err) ?? ClientErrorCode.Protocol, now);
    }
  }

  /** WELCOME verified: the connection is ready; presence, the phonebook and a live call start over on it. */
  #registered(relay: RelayEntry, step: Extract<HandshakeStep, { kind: 'registered' }>, now: number): void {
    const { result, directory, change } = step;
    this.#outputs.push({ kind: 'persist' });
    this.#setConnection({
      kind: 'ready',
      relay,
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
      relay,
      treeHead: result.treeHead,
      treeHeadChange: change,
      flatRoot: result.flatRoot,
    });
    this.#emit({ type: 'tree-head:accepted', logId: directory.logId, size: result.treeHead.size, change });
    this.#presence.connectionStarted();
    this.#applyPage(result.welcome.phonebook, now);
    this.#calls.resume(now);
  }

  // ─── messages on the sealed channel ─────────────────────────────────────────────────────────────────

  #onMessage(c: ReadyConnection, message: ControlMessage, now: number): void {
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
        case 'PHONEBOOK_DELTA':
          this.#phonebookChanged(this.#phonebook.applyDelta(message.changes), now);
          return;
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
          this.#calls.onMediaGrant(message);
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
    this.#phonebookChanged(this.#phonebook.applyPage(page), now);
    const next = page.offset + page.contacts.length;
    if (page.contacts.length > 0 && next < page.total) {
      this.#request({ kind: 'phonebook' }, now, { type: 'PHONEBOOK_REQUEST', offset: next, limit: 256 });
    }
  }

  /**
   * Phonebook lines changed: report refused lines, raise the alarm at once for a name pinned to another
   * key (docs/design.md §4), tell the user, and follow up with presence and verifying lookups.
   */
  #phonebookChanged(changed: ContactInfo[], now: number): void {
    for (const rejected of this.#phonebook.takeRejected()) this.#emit(rejected);
    for (const alarm of this.#pins.phonebookAlarms(changed)) this.#emit(alarm);
    this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed });
    this.#syncPresence(now);
    if (this.#connection.kind === 'ready') this.#lookups.refreshChangedPins(changed, now);
  }

  // ─── answers from the directory ─────────────────────────────────────────────────────────────────────

  /** PUBLIC_KEY answers a key lookup (key-lookups.ts). */
  #onPublicKey(c: ReadyConnection, message: ControlMessageOf<'PUBLIC_KEY'>, now: number): void {
    const pending = this.#requests.take(message.requestId);
    if (pending?.kind === 'lookup') this.#lookups.onPublicKey(c, pending, message, now);
    else if (pending) this.#answersAnother(pending, 'PUBLIC_KEY', now);
  }

  /** CONSISTENCY answers a looked-up head (key-lookups.ts) or a gossiped one (head-gossip.ts). */
  #onConsistency(c: ReadyConnection, message: ControlMessageOf<'CONSISTENCY'>, now: number): void {
    const pending = this.#requests.take(message.requestId);
    if (pending?.kind === 'consistency') this.#lookups.onConsistency(c, pending, message, now);
    else if (pending?.kind === 'gossip') this.#gossip.onConsistency(c, pending, message);
    else if (pending) this.#answersAnother(pending, 'CONSISTENCY', now);
  }

  #answersAnother(pending: Pending, type: 'PUBLIC_KEY' | 'CONSISTENCY', now: number): void {
    this.#failPending(
      pending,
      new ClientError(ClientErrorCode.Protocol, `${type} answers another request`),
      now,
    );
  }

  /** The other party's gossiped head (CallHost.gossipReceived), compared on the current connection. */
  #checkGossipedHead(encoded: Uint8Array, now: number): void {
    if (this.#connection.kind === 'ready') this.#gossip.check(this.#connection, encoded, now);
  }

  // ─── plumbing ───────────────────────────────────────────────────────────────────────────────────────

  #keepalive(c: ReadyConnection, now: number): void {
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
    switch (pending.kind) {
      case 'phonebook':
        return;
      case 'gossip':
        // Evidence only while on the connection that was asked (a lost connection proves nothing).
        if (this.#connection.kind === 'ready') this.#gossip.failed(this.#connection, pending, error);
        return;
      case 'lookup':
      case 'consistency':
        this.#lookups.failed(pending.purpose, error, now);
        return;
    }
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

  /** What the protocol modules send and report through this core. */
  #link(): CoreLink {
    return {
      request: (pending, now, message) => this.#request(pending, now, message),
      sendSealed: (message, now) => this.#sendSealed(message, now),
      emit: (event) => this.#emit(event),
      result: (handle, result) => this.#result(handle, result),
      persist: () => this.#outputs.push({ kind: 'persist' }),
      headAccepted: (directory, change) => {
        this.#emit({ type: 'tree-head:accepted', logId: directory.logId, size: directory.head.size, change });
        this.#outputs.push({ kind: 'persist' });
      },
    };
  }

  #handle(): number {
    const h = this.#nextHandle;
    this.#nextHandle += 1;
    return h;
  }

  #target(target: string | { readonly clientId: string }): KeyLookupTarget | undefined {
    return lookupTarget(target);
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
