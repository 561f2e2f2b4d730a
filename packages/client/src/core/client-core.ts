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
 * ClientCore is the facade (docs/client.md "Layers"): it keeps the public API, the outputs and the request
 * table, and hands each input to the module that handles it — the connection and its registration to
 * ConnectionMachine (connection-machine.ts) and RegistrationFlow (registration-flow.ts), the relay's
 * messages to RelayMessages (relay-messages.ts), which routes them on to PhonebookSync (phonebook-sync.ts),
 * KeyLookups (key-lookups.ts), HeadGossip (head-gossip.ts) and the CallMachine (call-machine.ts). Those
 * modules send and report through a CoreLink (core-link.ts) or a host interface, never through this
 * class's fields.
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
import type { ControlMessage, KeyLookupTarget, SignedTreeHead } from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import { CallMachine, type MediaLaneReport } from './call-machine.js';
import type { CallSnapshot } from './call-snapshot.js';
import type { CallStateName } from './call-state.js';
import { type ClientStore, MemoryStore } from './client-store.js';
import { type ConnectionHost, ConnectionMachine } from './connection-machine.js';
import type { Connection } from './connection-state.js';
import { ContactPins } from './contact-pins.js';
import { invalid, keyChanged, notConnected } from './core-errors.js';
import type { CoreLink } from './core-link.js';
import type { CommandResult, CoreOutput } from './core-outputs.js';
import { type CoreTiming, resolveTiming } from './core-timing.js';
import { targetLabel } from './directory-view.js';
import type { ConnectionStateName, ContactInfo, CoreEvent } from './events.js';
import { HeadGossip } from './head-gossip.js';
import { KeyLookups, lookupTarget } from './key-lookups.js';
import { Phonebook } from './phonebook.js';
import { PhonebookSync } from './phonebook-sync.js';
import { type PresenceTarget, PresenceWatch } from './presence-watch.js';
import { RegistrationFlow } from './registration-flow.js';
import { RelayMessages } from './relay-messages.js';
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
  readonly #control: ConnectionMachine;
  readonly #calls: CallMachine;
  readonly #lookups: KeyLookups;
  readonly #gossip: HeadGossip;
  readonly #sync: PhonebookSync;
  readonly #messages: RelayMessages;
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
    this.#control = new ConnectionMachine({
      crypto: this.#crypto,
      timing: this.#timing,
      registration: new RegistrationFlow({
        crypto: this.#crypto,
        identity: this.#identity,
        name: this.#name,
        store: this.#store,
      }),
      clientIdHex: this.#clientIdHex,
      name: this.#name,
      host: this.#connectionHost(),
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
    const modules = this.#protocolModules();
    this.#lookups = modules.lookups;
    this.#gossip = modules.gossip;
    this.#sync = modules.sync;
    this.#messages = modules.messages;
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
    const times = [this.#requests.nextDeadline(), this.#control.nextTimeout(), this.#calls.nextTimeout()];
    let min: number | undefined;
    for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
    return min;
  }

  // ─── connection ─────────────────────────────────────────────────────────────────────────────────────

  /** The shell is opening a connection to `relay`. Allowed from idle and closed. */
  connect(relay: RelayEntry, now: number): void {
    this.#control.connect(relay, now);
  }

  /** The connection is open: start the registration (REGISTER). */
  transportOpened(now: number): void {
    this.#control.opened(now);
  }

  /** The connection closed (by the peer, an error, or after our `close` output). */
  transportClosed(now: number, code: string = ClientErrorCode.ConnectionClosed): void {
    this.#control.closed(now, code);
  }

  /** One frame payload from the control connection. */
  receive(payload: Uint8Array, now: number): void {
    this.#control.receive(payload, now);
  }

  /** Advances timers: handshake and request deadlines, keepalive, ring and resume timeouts. */
  tick(now: number): void {
    this.#control.tick(now);
    this.#messages.expire(now);
    this.#calls.tick(now);
  }

  /** Closes the connection on purpose (ends a live call first). */
  close(now: number): void {
    if (this.#calls.busy) this.#calls.end('hangup', 'local', now, { notify: true });
    this.#control.close(ClientErrorCode.ConnectionClosed, now);
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
    this.#sync.syncPresence(now);
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
    this.#lookups.rotate(c, nextKey, handle, now);
    return handle;
  }

  /**
   * Accepts the new key of `name` that a verified lookup showed (after `contact:key-changed`): pins it and
   * unblocks calls. Throws CLIENT_ERR_INVALID_STATE when no verified new key is known.
   */
  acceptContactKey(name: string, now: number): void {
    this.#sync.keyAccepted(name.normalize('NFC'), now);
  }

  /** Safety number with a contact whose key is pinned (60 digits in groups of 5). */
  safetyNumber(name: string): string {
    const pin = this.#store.contact(name.normalize('NFC'));
    if (!pin) throw new ClientError(ClientErrorCode.UnknownContact, 'no pinned key for this contact');
    return this.#crypto.safetyNumber(this.#clientIdHex, pin.clientId);
  }

  // ─── wiring ─────────────────────────────────────────────────────────────────────────────────────────

  /** The connection's state, owned by the ConnectionMachine. */
  get #connection(): Connection {
    return this.#control.state;
  }

  /** What the ConnectionMachine hands over: outputs, a ready connection, its messages, its loss. */
  #connectionHost(): ConnectionHost {
    return {
      output: (output) => this.#outputs.push(output),
      registered: (phonebook, now) => {
        this.#sync.connectionStarted(phonebook, now);
        this.#calls.resume(now);
      },
      message: (c, message, now) => this.#messages.handle(c, message, now),
      lost: (now) => {
        // Requests die with the connection; a live call waits for CALL_RESUME on the next one.
        this.#messages.dropAll(now);
        this.#calls.connectionLost(now);
      },
    };
  }

  /** The modules behind the sealed channel, wired to this core's link and to each other. */
  #protocolModules() {
    const link = this.#link();
    const lookups = new KeyLookups({
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
    const sync = new PhonebookSync({
      phonebook: this.#phonebook,
      pins: this.#pins,
      presence: this.#presence,
      lookups,
      link,
    });
    const gossip = new HeadGossip(link);
    const messages = new RelayMessages({
      requests: this.#requests,
      control: this.#control,
      phonebook: sync,
      lookups,
      gossip,
      calls: this.#calls,
    });
    return { lookups, gossip, sync, messages };
  }

  /** The other party's gossiped head (CallHost.gossipReceived), compared on the current connection. */
  #checkGossipedHead(encoded: Uint8Array, now: number): void {
    if (this.#connection.kind === 'ready') this.#gossip.check(this.#connection, encoded, now);
  }

  // ─── plumbing ───────────────────────────────────────────────────────────────────────────────────────

  #request(pending: Pending, now: number, message?: RequestMessage): void {
    const requestId = this.#requests.add(pending, now + this.#timing.requestTimeoutMs);
    if (message) {
      this.#sendSealed({ ...message, requestId } as ControlMessage, now);
      return;
    }
    if (pending.kind === 'lookup')
      this.#sendSealed({ type: 'GET_PUBLIC_KEY', requestId, target: pending.target }, now);
  }

  #sendSealed(message: ControlMessage, now: number): void {
    this.#control.sendSealed(message, now);
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
      connected: () => this.#connection.kind === 'ready',
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
}
