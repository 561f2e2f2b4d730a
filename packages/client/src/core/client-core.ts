/**
 * ClientCore: the whole client protocol, sans-I/O (docs/design.md §1, §3–§5; docs/session-protocol.md).
 *
 * One output style, as every core of the project (docs/architecture.md "Cores and shells"): each input —
 * `connect`, `transportOpened`, `receive(payload)`, `transportClosed`, `tick(now)`, `close`, `mediaLane`
 * and the user's commands — returns the outputs it produced, in order: frame payloads to send, a request
 * to close the connection, typed events, "persist the store", the results of commands, and when a call's
 * media lane opens, moves and closes (`media:open` / `media:retarget` / `media:close`). A command that
 * settles later (`lookup`, `placeCall`, `rotateKey`) takes the shell's handle for it and settles with a
 * `result` output carrying that handle. Media packets never pass this core: the shell's MediaChannel
 * carries them (docs/architecture.md "Media lane"). `nextTimeout()` says when `tick` is due. Clock and
 * randomness are injected (`now` arguments, the crypto object's RNG), so a whole call runs
 * deterministically in one process.
 *
 * ClientCore is the facade (docs/client.md "Layers"): it keeps the public API and the request table, and
 * hands each input to the module that handles it — the connection and its registration to
 * ConnectionMachine (connection-machine.ts) and RegistrationFlow (registration-flow.ts), the relay's
 * messages to RelayMessages (relay-messages.ts), which routes them on to PhonebookSync (phonebook-sync.ts),
 * KeyLookups (key-lookups.ts), head gossip (head-gossip.ts) and the CallMachine (call-machine.ts). Those
 * modules return what they need done as steps (core-steps.ts, call-actions.ts), and `#apply` below
 * carries each out with one exhaustive switch; none of them holds a callback into this class.
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
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { encodeSignedTreeHead } from '@leitung/merkle';
import { type IdentityOperationResult, runIdentityOperation } from '@leitung/session';
import type { ControlMessage, KeyLookupTarget, SignedTreeHead } from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import { CallMachine, type MediaLaneReport } from './call-machine.js';
import type { CallSnapshot } from './call-snapshot.js';
import type { CallStateName } from './call-state.js';
import { type ClientStore, MemoryStore, type PinnedContact } from './client-store.js';
import { ConnectionMachine } from './connection-machine.js';
import type { Connection } from './connection-state.js';
import { ContactPins } from './contact-pins.js';
import { invalid, keyChanged, notConnected } from './core-errors.js';
import type { CoreOutput } from './core-outputs.js';
import { type CoreStep, type KeyOperationStep, settle } from './core-steps.js';
import { type CoreTiming, resolveTiming } from './core-timing.js';
import { targetLabel } from './directory-view.js';
import { lookupTaken } from './early-offer.js';
import type { ConnectionStateName, ContactInfo } from './events.js';
import { checkGossipedHead } from './head-gossip.js';
import { KeyLookups, lookupTarget } from './key-lookups.js';
import { Phonebook } from './phonebook.js';
import { PhonebookSync } from './phonebook-sync.js';
import { type PresenceTarget, PresenceWatch } from './presence-watch.js';
import { RegistrationFlow } from './registration-flow.js';
import { RelayMessages } from './relay-messages.js';
import type { Pending, RequestMessage } from './relay-requests.js';
import { RequestTable } from './request-table.js';

/**
 * The client's RSA-4096 identity: its private key, run synchronously inside the core; or only its public
 * key (`heldIdentity`) when the private key is held where it answers asynchronously — a page's
 * non-extractable WebCrypto key, a token: then the core asks for each operation with a `key-operation`
 * output and goes on at `keyOperationDone` (docs/client.md "Identity held elsewhere").
 */
export type CoreIdentity =
  | { readonly identity: RsaPrivateKey; readonly heldIdentity?: undefined }
  | { readonly heldIdentity: RsaPublicKey; readonly identity?: undefined };

/** What a {@link ClientCore} is built with; clock and randomness come in with the inputs and `crypto`. */
export type ClientCoreOptions = ClientCoreSettings & CoreIdentity;

/** Everything but the identity in {@link ClientCoreOptions}. */
export interface ClientCoreSettings {
  /** Cryptography and the random source (@leitung/crypto's `createCrypto()`; tests may pass a fixed one). */
  readonly crypto: LeitungCrypto;
  /** The name to register (NFC-normalised). */
  readonly name: string;
  /** Tree heads and pinned contact keys (default: in memory). */
  readonly store?: ClientStore;
  /** Codec ids offered in call data, preference order (default: Opus 2, PCM16 1 — @leitung/audio's ids). */
  readonly codecs?: readonly number[];
  /** Handshake, request, ring, keepalive and resume timeouts (docs/client.md "Defaults"). */
  readonly timing?: CoreTiming;
  /**
   * Highest DATA sequence the call's media lane has sent, for CALL_RESUME's `lastSequence`
   * (docs/protocol.md): the shell answers from its MediaChannel. Default: none reported. A read-only
   * query, not an output channel: frames pass this core by (docs/architecture.md "Media lane", hop
   * budget), so only the lane knows its last sequence at the moment a WELCOME makes the core resume a call.
   */
  readonly lastSentSequence?: (callId: string) => number | undefined;
  /**
   * Hand work that may wait until the outputs before it are carried out to the shell as `deferred` outputs
   * (`runDeferred`): an in-core key's operation behind the key lookup it overlaps, the next offer's key
   * pair (docs/client.md "Offers drafted ahead"). Default false: the core does that work at once, before
   * it returns — the same outputs, only without the overlap. The Client shell sets it.
   */
  readonly deferredOutputs?: boolean;
}

const DEFAULT_CODECS = [2, 1];

/**
 * The whole client control protocol, sans-I/O (docs/client.md "Layers"): registration with the pinned
 * relay, the sealed channel, verified key lookups and pins, the phonebook and presence, calls and their
 * keys, key rotation. Every input — `connect`, `transportOpened`, `receive`, `transportClosed`, `tick`,
 * `close`, `mediaLane` and the user's commands — returns the {@link CoreOutput}s it caused, in order;
 * `nextTimeout()` says when `tick` is due. The `Client` shell drives it over real sockets; a shell of
 * your own frames the `send` payloads (wire's `encodeFrame`) and feeds received frames to `receive`.
 */
export class ClientCore {
  readonly #crypto: LeitungCrypto;
  /** The identity's private key when this core runs its operations itself; undefined when held elsewhere. */
  readonly #privateKey: RsaPrivateKey | undefined;
  /** Key operations handed to the shell, by id, with what follows from each (core-steps.ts). */
  readonly #keyOperations = new Map<number, KeyOperationStep['resume']>();
  /** The phonebook's `appended` when the accepted head was last checked against the relay's newest. */
  #appendedAtHead = 0;
  /** Work handed to the shell as `deferred` outputs, until it hands it back (`runDeferred`). */
  readonly #deferred = new Map<number, (now: number) => readonly CoreStep[]>();
  #nextKeyOperation = 1;
  readonly #deferOutputs: boolean;
  readonly #name: string;
  readonly #store: ClientStore;
  readonly #clientId: Uint8Array;
  readonly #clientIdHex: string;
  readonly #timing: Required<CoreTiming>;
  readonly #lastSentSequence: (callId: string) => number | undefined;
  readonly #requests = new RequestTable<Pending>();
  readonly #phonebook: Phonebook;
  readonly #pins: ContactPins;
  readonly #presence: PresenceWatch;
  readonly #control: ConnectionMachine;
  readonly #calls: CallMachine;
  readonly #lookups: KeyLookups;
  readonly #sync: PhonebookSync;
  readonly #messages: RelayMessages;

  constructor(options: ClientCoreOptions) {
    const crypto = options.crypto;
    this.#privateKey = options.identity;
    this.#deferOutputs = options.deferredOutputs ?? false;
    const identity = (options.identity?.publicKey ?? options.heldIdentity)!;
    this.#crypto = crypto;
    this.#name = options.name.normalize('NFC');
    this.#store = options.store ?? new MemoryStore();
    this.#clientId = crypto.sha3_256(identity.toDer());
    this.#clientIdHex = toHex(this.#clientId);
    this.#timing = resolveTiming(options.timing);
    this.#lastSentSequence = options.lastSentSequence ?? (() => undefined);
    this.#phonebook = new Phonebook(this.#clientIdHex, this.#store);
    this.#pins = new ContactPins(this.#store, this.#phonebook);
    this.#presence = new PresenceWatch(this.#store, this.#phonebook, this.#clientIdHex);
    this.#control = new ConnectionMachine({
      crypto,
      timing: this.#timing,
      registration: new RegistrationFlow({ crypto, identity, name: this.#name, store: this.#store }),
      clientIdHex: this.#clientIdHex,
      name: this.#name,
    });
    this.#calls = new CallMachine({
      crypto,
      clientId: this.#clientId,
      clientIdHex: this.#clientIdHex,
      codecs: options.codecs ?? DEFAULT_CODECS,
      ringTimeoutMs: this.#timing.ringTimeoutMs,
      resumeTimeoutMs: this.#timing.resumeTimeoutMs,
      seenCallIds: this.#store.seenCallIds?.() ?? [],
    });
    this.#lookups = new KeyLookups({
      crypto,
      identity,
      clientId: this.#clientId,
      name: this.#name,
      store: this.#store,
      phonebook: this.#phonebook,
      pins: this.#pins,
      calls: this.#calls,
    });
    this.#sync = new PhonebookSync({
      phonebook: this.#phonebook,
      pins: this.#pins,
      presence: this.#presence,
      lookups: this.#lookups,
    });
    this.#messages = new RelayMessages({
      requests: this.#requests,
      control: this.#control,
      phonebook: this.#sync,
      lookups: this.#lookups,
      calls: this.#calls,
    });
  }

  // ─── state ──────────────────────────────────────────────────────────────────────────────────────────

  /** Hex client id (fingerprint of the identity key). */
  get clientId(): string {
    return this.#clientIdHex;
  }

  /** The name this client registers (NFC). */
  get name(): string {
    return this.#name;
  }

  /** The control connection's state. */
  get connectionState(): ConnectionStateName {
    return this.#connection.kind;
  }

  /** The relay of the current (or last) connection. */
  get relay(): RelayEntry | undefined {
    return this.#connection.kind === 'idle' ? undefined : this.#connection.relay;
  }

  /** The call state machine's state name (docs/client.md "State machines"). */
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

  /** The phonebook: every contact, with presence and verification. */
  contacts(): ContactInfo[] {
    return this.#phonebook.contacts();
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
  connect(relay: RelayEntry, now: number): CoreOutput[] {
    return this.#run(this.#control.connect(relay, now), now);
  }

  /** The connection is open: start the registration (REGISTER). */
  transportOpened(now: number): CoreOutput[] {
    return this.#run(this.#control.opened(now), now);
  }

  /** The connection closed (by the peer, an error, or after our `close` output). */
  transportClosed(now: number, code: string = ClientErrorCode.ConnectionClosed): CoreOutput[] {
    return this.#run(this.#control.closed(code), now);
  }

  /** One frame payload from the control connection. */
  receive(payload: Uint8Array, now: number): CoreOutput[] {
    return this.#run(this.#control.receive(payload, now), now);
  }

  /**
   * The identity key's answer to the `key-operation` output `id` (only with `heldIdentity`): what waited for
   * it goes on — PROVE, a sealed offer, an opened offer, a rotation. Also when it failed: the step then
   * fails with its own code. An unknown or repeated id gives no outputs.
   */
  keyOperationDone(id: number, result: IdentityOperationResult, now: number): CoreOutput[] {
    const resume = this.#keyOperations.get(id);
    if (resume === undefined) return [];
    this.#keyOperations.delete(id);
    return this.#run(resume(result, now), now);
  }

  /**
   * Runs the work of the `deferred` output `id` (an operation of this core's own identity key, key pairs
   * made ahead): what waited for it goes on. An unknown or repeated id gives no outputs.
   */
  runDeferred(id: number, now: number): CoreOutput[] {
    const run = this.#deferred.get(id);
    if (run === undefined) return [];
    this.#deferred.delete(id);
    return this.#run(run(now), now);
  }

  /** Advances timers: handshake and request deadlines, keepalive, ring and resume timeouts. */
  tick(now: number): CoreOutput[] {
    const out = this.#run(this.#control.tick(now), now);
    this.#run(this.#messages.expire(now), now, out);
    return this.#run(this.#calls.tick(now), now, out);
  }

  /** Closes the connection on purpose (ends a live call first). */
  close(now: number): CoreOutput[] {
    // Closed first, so the hang-up makes no key pair for a next call.
    this.#calls.close();
    const hangUp = this.#calls.busy ? this.#calls.end('hangup', 'local', now, { notify: true }) : [];
    const out = this.#run(hangUp, now);
    this.#deferred.clear();
    return this.#run(this.#control.close(ClientErrorCode.ConnectionClosed), now, out);
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────────
  // `handle` is the shell's number for a command that settles later: the `result` output carries it back.

  /** Looks a contact up with proof (docs/design.md §4); settles `handle` with a VerifiedContact. */
  lookup(handle: number, target: string | { readonly clientId: string }, now: number): CoreOutput[] {
    const resolved = lookupTarget(target);
    if (!resolved) return failed(handle, invalid('lookup needs a name or a 64-hex-digit client id'));
    if (!this.#connected) return failed(handle, notConnected());
    return this.#run(
      [{ kind: 'request', pending: { kind: 'lookup', target: resolved, purpose: { kind: 'user', handle } } }],
      now,
    );
  }

  /**
   * Calls a contact: verified key lookup, signed and sealed call data, CALL_REQUEST. Settles `handle` with
   * an EstablishedCall once the callee accepted and the keys are confirmed.
   */
  placeCall(handle: number, target: string | { readonly clientId: string }, now: number): CoreOutput[] {
    const resolved = lookupTarget(target);
    if (!resolved) return failed(handle, invalid('placeCall needs a name or a 64-hex-digit client id'));
    if (!this.#connected) return failed(handle, notConnected());
    if (this.#calls.busy) return failed(handle, new ClientError(ClientErrorCode.Busy, 'already in a call'));
    const known = this.#listed(resolved);
    if (known?.verification === 'key-changed' || (known && this.#pins.blocked(known.name))) {
      return failed(handle, keyChanged(known.name));
    }
    if (resolved.by === 'clientId' && bytesEqual(resolved.clientId, this.#clientId)) {
      return failed(handle, invalid('cannot call yourself'));
    }
    // With the callee's key pinned, the offer is drafted and signed before its lookup answers — before the
    // dial when `prepareCall` said it was coming, else while the lookup is out — and sent only if the lookup
    // confirms that key and the head it gossips (early-offer.ts; docs/client.md "Offers drafted ahead").
    const pin = this.#pinnedCallee(resolved, known?.name);
    const head = this.#draftHead();
    const prepared =
      pin === undefined || head === undefined
        ? undefined
        : this.#calls.takePrepared(pin.publicKey, head, now);
    const callId = prepared?.callId ?? this.#crypto.randomBytes(16);
    // A lookup sent at the press (`prepareCall` with `lookup`) is this call's lookup: still on the wire, it
    // answers into this call; answered under the head accepted now and less than 1 s ago, it stands for it.
    const ahead = prepared === undefined || head === undefined ? undefined : lookupTaken(prepared, head, now);
    const out = this.#run(
      [
        ...this.#calls.begin(handle, callId, targetLabel(resolved), now, prepared?.early),
        ...(ahead === undefined ? [callLookup(resolved, callId)] : []),
      ],
      now,
    );
    if (ahead?.kind === 'verified') {
      this.#run(
        this.#calls.calleeVerified(callId, ahead.contact, ahead.key, ahead.gossipHead, now),
        now,
        out,
      );
    }
    // Drafted at the dial only where its signature follows the lookup onto the wire: not when an in-core key
    // would sign before the lookup is even handed out (no `deferredOutputs`).
    const overlaps = this.#privateKey === undefined || this.#deferOutputs;
    if (prepared === undefined && pin !== undefined && head !== undefined && overlaps) {
      this.#run(this.#calls.draftAhead(callId, pin.publicKey, head, now), now, out);
    }
    return out;
  }

  /**
   * A hint that the user is about to call `target` (a pointer resting on its call button, the contact
   * selected): when its key is pinned, the offer is drafted, signed and sealed now, so that `placeCall` to it
   * within 10 s sends it as soon as the lookup confirms the key (docs/client.md "Offers prepared before the
   * dial"). Nothing of the call is sent. With `lookup` (the call button pressed, not yet released) the
   * callee's key lookup goes out now as well, under the prepared call's id: a `placeCall` while it is out
   * waits for it, one within 1 s of its answer (under the same accepted head) uses that answer instead of
   * looking up again. No effect while not registered or in a call, without a pin, or with calls to the
   * contact held (a changed key); the offer is erased unsent when it lapses, when another is prepared, or
   * when a call to someone else is placed.
   */
  prepareCall(
    target: string | { readonly clientId: string },
    now: number,
    options: { readonly lookup?: boolean } = {},
  ): CoreOutput[] {
    const resolved = lookupTarget(target);
    if (!resolved) throw invalid('prepareCall needs a name or a 64-hex-digit client id');
    if (this.#calls.busy) return [];
    const known = this.#listed(resolved);
    if (known?.verification === 'key-changed') return [];
    const pin = this.#pinnedCallee(resolved, known?.name);
    const head = this.#draftHead();
    if (pin === undefined || head === undefined) return [];
    const drafting = this.#calls.prepare(pin.publicKey, head, now);
    const callId = options.lookup === true ? this.#calls.lookupAhead(now) : undefined;
    // The lookup first: the signature, a background step, follows it onto the wire.
    return this.#run([...(callId === undefined ? [] : [callLookup(resolved, callId)]), ...drafting], now);
  }

  /**
   * The accepted head, encoded, that an offer drafted before its lookup gossips — undefined when not
   * registered, or when the relay pushed appends since the head was last checked: the lookup would then
   * show a newer head, and the offer would be signed twice.
   */
  #draftHead(): Uint8Array | undefined {
    const c = this.#connection;
    if (c.kind !== 'ready' || this.#phonebook.appended !== this.#appendedAtHead) return undefined;
    return encodeSignedTreeHead(c.directory.head);
  }

  /** The phonebook's line for `target`, if it lists one. */
  #listed(target: KeyLookupTarget): ContactInfo | undefined {
    return target.by === 'name'
      ? this.#phonebook.byName(target.name)
      : this.#phonebook.byId(toHex(target.clientId));
  }

  /** The pinned key of the callee `target` (listed as `listedName`), if any and calls to it are not held. */
  #pinnedCallee(target: KeyLookupTarget, listedName: string | undefined): PinnedContact | undefined {
    const name = target.by === 'name' ? target.name : listedName;
    if (name === undefined || this.#pins.blocked(name)) return undefined;
    const pin = this.#store.contact(name);
    if (pin === undefined) return undefined;
    return target.by === 'name' || pin.clientId === toHex(target.clientId) ? pin : undefined;
  }

  /**
   * The contacts (names or client ids) whose presence this client wants, replacing the previous ones
   * (docs/client.md "Presence"). Relays show a contact online only when it watches this client too. Kept
   * across reconnects; sent to the relay now if connected, else after the next WELCOME. Throws
   * CLIENT_ERR_INVALID_ARGUMENT for a bad target or more than 256 of them.
   */
  watchPresence(targets: readonly PresenceTarget[], now: number): CoreOutput[] {
    this.#presence.set(targets);
    return this.#run(this.#sync.syncPresence(this.#connected), now);
  }

  /** What the call's media lane reports: bound, failed, or the peer's audio started or stalled. */
  mediaLane(callId: string, report: MediaLaneReport, now: number): CoreOutput[] {
    return this.#run(this.#calls.mediaLane(callId, report, now), now);
  }

  /** Accepts the ringing incoming call. */
  answer(now: number): CoreOutput[] {
    return this.#run(this.#calls.answer(now), now);
  }

  /** Rejects the ringing incoming call. */
  reject(now: number): CoreOutput[] {
    return this.#run(this.#calls.reject(now), now);
  }

  /** Ends the current call in whatever state it is (ringing either way, or active). */
  hangUp(now: number): CoreOutput[] {
    return this.#run(this.#calls.hangUp(now), now);
  }

  /**
   * Replaces this client's key for its name by `nextKey` (docs/key-transparency.md, "Key rotation"): sends
   * ROTATE_KEY signed with the current key (and `nextKey` for possession) and settles `handle` with the new
   * entry as a VerifiedContact once its inclusion and name-map proofs check out under an accepted head.
   * The caller then stores `nextKey` and reconnects with it; this core's key is from then on refused by
   * the relay. CLIENT_ERR_BUSY during a call (the session ends with the old key).
   */
  rotateKey(handle: number, nextKey: RsaPrivateKey, now: number): CoreOutput[] {
    const c = this.#connection;
    if (c.kind !== 'ready') return failed(handle, notConnected());
    if (this.#calls.busy) return failed(handle, new ClientError(ClientErrorCode.Busy, 'end the call first'));
    // An offer prepared now is signed with the key being replaced: no callee would accept it.
    this.#calls.dropPrepared();
    return this.#run(this.#lookups.rotate(c, nextKey, handle), now);
  }

  /**
   * Accepts the new key of `name` that a verified lookup showed (after `contact:key-changed`): pins it and
   * unblocks calls. Throws CLIENT_ERR_INVALID_STATE when no verified new key is known.
   */
  acceptContactKey(name: string, now: number): CoreOutput[] {
    return this.#run(this.#sync.keyAccepted(name.normalize('NFC'), this.#connected, now), now);
  }

  /** Safety number with a contact whose key is pinned (60 digits in groups of 5). */
  safetyNumber(name: string): string {
    const pin = this.#store.contact(name.normalize('NFC'));
    if (!pin) throw new ClientError(ClientErrorCode.UnknownContact, 'no pinned key for this contact');
    return this.#crypto.safetyNumber(this.#clientIdHex, pin.clientId);
  }

  // ─── carrying out the modules' steps ────────────────────────────────────────────────────────────────

  /** The connection's state, owned by the ConnectionMachine. */
  get #connection(): Connection {
    return this.#control.state;
  }

  /** True while registered: requests and messages can be sent. */
  get #connected(): boolean {
    return this.#connection.kind === 'ready';
  }

  /**
   * Applies `steps` in order into `out` and returns it. Depth first: what a step leads to (a sealing
   * error closing the connection, a message's routing) comes out before the next step's outputs, so the
   * outputs keep the order in which the modules decided them.
   */
  #run(steps: readonly CoreStep[], now: number, out: CoreOutput[] = []): CoreOutput[] {
    for (const step of steps) this.#apply(step, now, out);
    return out;
  }

  /** One step of a module (core-steps.ts, call-actions.ts, connection-machine.ts). */
  #apply(step: CoreStep, now: number, out: CoreOutput[]): void {
    switch (step.kind) {
      case 'event':
        // The accepted head was checked against the relay's newest (WELCOME, a lookup answered, a head
        // accepted): every append pushed so far is in it.
        if (HEAD_CHECKED.has(step.event.type)) {
          this.#appendedAtHead = this.#phonebook.appended;
        }
        out.push(step);
        return;
      case 'send':
      case 'close':
      case 'persist':
      case 'result':
      case 'media:open':
      case 'media:retarget':
      case 'media:close':
        out.push(step);
        return;
      case 'seal':
        this.#run(this.#control.seal(step.message), now, out);
        return;
      case 'key-operation': {
        const key = this.#privateKey;
        if (key !== undefined && step.background) {
          this.#defer(
            (later) => step.resume(runIdentityOperation(this.#crypto, key, step.operation), later),
            now,
            out,
          );
          return;
        }
        if (key !== undefined) {
          const result = runIdentityOperation(this.#crypto, key, step.operation);
          this.#run(step.resume(result, now), now, out);
          return;
        }
        const id = this.#nextKeyOperation++;
        this.#keyOperations.set(id, step.resume);
        out.push({ kind: 'key-operation', id, operation: step.operation });
        return;
      }
      case 'background':
        this.#defer(step.run, now, out);
        return;
      case 'fail':
        this.#run(this.#control.fail(step.error), now, out);
        return;
      case 'request':
        this.#run(this.#request(step.pending, now, step.message), now, out);
        return;
      case 'lookup': {
        const purpose = { kind: step.purpose, callId: step.callId };
        this.#run(this.#request({ kind: 'lookup', target: step.target, purpose }, now), now, out);
        return;
      }
      case 'cancel-lookups':
        this.#requests.removeWhere(
          (p) => (p.kind === 'lookup' || p.kind === 'consistency') && p.purpose.kind === step.purpose,
        );
        return;
      case 'seen-call-ids':
        if (this.#store.setSeenCallIds === undefined) return;
        this.#store.setSeenCallIds(step.entries);
        out.push({ kind: 'persist' });
        return;
      case 'gossip': {
        const c = this.#connection;
        if (c.kind === 'ready') this.#run(checkGossipedHead(c, step.head), now, out);
        return;
      }
      case 'registered':
        // What rides on the new connection starts over: presence and phonebook, then a live call's resume.
        this.#run(this.#sync.connectionStarted(step.phonebook), now, out);
        this.#run(this.#calls.resume(this.#lastSequence(), now), now, out);
        this.#run(this.#calls.prepareOfferKem(), now, out);
        return;
      case 'message':
        this.#run(this.#messages.handle(step.connection, step.message, now), now, out);
        return;
      case 'lost':
        // Requests die with the connection; a live call waits for CALL_RESUME on the next one.
        this.#run(this.#messages.dropAll(now), now, out);
        this.#run(this.#calls.connectionLost(now), now, out);
        return;
    }
  }

  /**
   * Hands `run` to the shell as a `deferred` output, behind the outputs decided so far — or, for a shell
   * that takes none (`deferredOutputs` unset), runs it at once.
   */
  #defer(run: (now: number) => readonly CoreStep[], now: number, out: CoreOutput[]): void {
    if (!this.#deferOutputs) {
      this.#run(run(now), now, out);
      return;
    }
    const id = this.#nextKeyOperation++;
    this.#deferred.set(id, run);
    out.push({ kind: 'deferred', id });
  }

  /** Numbers `pending` with its deadline and seals its message (a lookup without one: GET_PUBLIC_KEY). */
  #request(pending: Pending, now: number, message?: RequestMessage): CoreStep[] {
    if (this.#connection.kind !== 'ready') return this.#messages.unsendable(pending, now);
    const requestId = this.#requests.add(pending, now + this.#timing.requestTimeoutMs);
    if (message) return this.#control.seal({ ...message, requestId } as ControlMessage);
    if (pending.kind === 'lookup') {
      return this.#control.seal({ type: 'GET_PUBLIC_KEY', requestId, target: pending.target });
    }
    return [];
  }

  /** The last DATA sequence of the current call's lane, as the shell reports it. */
  #lastSequence(): number | undefined {
    const callId = this.#calls.callId;
    return callId === undefined ? undefined : this.#lastSentSequence(callId);
  }
}

/** Events after which the accepted head includes every append the relay pushed before them. */
const HEAD_CHECKED: ReadonlySet<string> = new Set([
  'registration:complete',
  'contact:verified',
  'tree-head:accepted',
]);

/** A command refused before it started: it settles at once. */
function failed(handle: number, error: Error): CoreOutput[] {
  return [settle(handle, { ok: false, error })];
}

/** The key lookup of the callee `target` for the call `callId` (its answer goes to the call machine). */
function callLookup(target: KeyLookupTarget, callId: Uint8Array): CoreStep {
  return { kind: 'request', pending: { kind: 'lookup', target, purpose: { kind: 'call', callId } } };
}
