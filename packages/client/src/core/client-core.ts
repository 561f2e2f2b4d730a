/**
 * ClientCore: the whole client protocol, sans-I/O (DESIGN.md §1, §3–§5; docs/session-protocol.md).
 *
 * Inputs: `connect`, `transportOpened`, `receive(payload)`, `transportClosed`, `datagramReceived`,
 * `tick(now)` and the user's commands. Outputs (drained with `takeOutputs()`): frame payloads to send,
 * datagrams to send, a request to close the connection, typed events, "persist the store" and the results
 * of commands. `nextTimeout()` says when `tick` is due. Clock and randomness are injected (`now` arguments,
 * the crypto object's RNG), so a whole call runs deterministically in one process.
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
import {
  acceptOffer,
  CallIdReplayGuard,
  ClientHandshake,
  completeCall,
  createCallOffer,
  openCallOffer,
  type SealedChannel,
} from '@leitung/session';
import {
  type CallEndReason,
  type ControlMessage,
  type ControlMessageOf,
  type KeyLookupTarget,
  MESSAGE_SENDER,
  type MediaGrant,
  type SignedTreeHead,
} from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import { MediaChannelCore, type MediaChannelTiming } from '../media/media-channel-core.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import { type CallState, callIdOf, isBusy } from './call-state.js';
import { type ClientStore, MemoryStore } from './client-store.js';
import { DirectoryView, targetLabel, verifyLookupEntry } from './directory-view.js';
import type { ConnectionStateName, ContactInfo, CoreEvent, Peer } from './events.js';
import { Phonebook } from './phonebook.js';
import { RequestTable } from './request-table.js';

/** Timeouts of the core (milliseconds). */
export interface CoreTiming {
  /** From `connect` to WELCOME. Default 15 000. */
  readonly handshakeTimeoutMs?: number;
  /** A request without answer fails after this. Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Ringing without answer ends the call (both sides). Default 30 000. */
  readonly ringTimeoutMs?: number;
  /** Sealed PING period on a ready connection. Default 5 000. */
  readonly keepaliveIntervalMs?: number;
  /** Consecutive unanswered PINGs after which the connection counts as lost. Default 3. */
  readonly keepaliveMisses?: number;
  /** How long a live call waits for a new relay connection (CALL_RESUME) after losing its relay. Default 30 000. */
  readonly resumeTimeoutMs?: number;
}

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
  readonly media?: MediaChannelTiming;
}

/** A verified directory lookup. */
export interface VerifiedContact extends ContactInfo {
  /** SPKI DER of the verified key. */
  readonly publicKey: Uint8Array;
  /** True when this key differs from the pinned one (see `contact:key-changed`). */
  readonly keyChanged: boolean;
}

/** The result of a successful `placeCall`: the callee accepted and the keys are confirmed. */
export interface EstablishedCall {
  readonly callId: string;
  readonly peer: Peer;
}

export type CommandResult =
  | { readonly ok: true; readonly value: VerifiedContact | EstablishedCall }
  | { readonly ok: false; readonly error: Error };

export type CoreOutput =
  /** Send this frame payload on the control connection (frame it with wire's encodeFrame). */
  | { readonly kind: 'send'; readonly payload: Uint8Array }
  /** Close the control connection; `code` says why. */
  | { readonly kind: 'close'; readonly code: string }
  /** Send this datagram to the relay's media port, from the call's media socket. */
  | { readonly kind: 'datagram'; readonly callId: string; readonly data: Uint8Array }
  | { readonly kind: 'event'; readonly event: CoreEvent }
  /** The store changed: persist it (e.g. `vault.save()`). */
  | { readonly kind: 'persist' }
  /** The command started with `handle` finished. */
  | { readonly kind: 'result'; readonly handle: number; readonly result: CommandResult };

type Connection =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly relay: RelayEntry; readonly deadline: number }
  | {
      readonly kind: 'handshaking';
      readonly relay: RelayEntry;
      readonly handshake: ClientHandshake;
      readonly deadline: number;
      step: 'challenge' | 'welcome';
    }
  | {
      readonly kind: 'ready';
      readonly relay: RelayEntry;
      readonly channel: SealedChannel;
      readonly directory: DirectoryView;
      nextPingAt: number;
      outstandingPing: Uint8Array | undefined;
      pingSentAt: number;
      missed: number;
      rttMs: number | undefined;
    }
  | { readonly kind: 'closed'; readonly relay: RelayEntry | undefined; readonly code: string };

/** Why a key is being looked up. */
type LookupPurpose =
  | { readonly kind: 'user'; readonly handle: number }
  | { readonly kind: 'call'; readonly callId: Uint8Array }
  | { readonly kind: 'incoming'; readonly callId: Uint8Array };

type Pending =
  | { readonly kind: 'lookup'; readonly target: KeyLookupTarget; readonly purpose: LookupPurpose }
  | {
      readonly kind: 'consistency';
      readonly answer: ControlMessageOf<'PUBLIC_KEY'>;
      readonly target: KeyLookupTarget;
      readonly purpose: LookupPurpose;
      readonly direction: 'newer' | 'older';
    }
  | { readonly kind: 'phonebook' };

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
  readonly #mediaTiming: MediaChannelTiming;
  readonly #replayGuard = new CallIdReplayGuard();
  readonly #outputs: CoreOutput[] = [];
  readonly #requests = new RequestTable<Pending>();
  readonly #phonebook: Phonebook;
  /** Verified keys that differ from the pin, by name, until the user accepts them. */
  readonly #changedKeys = new Map<string, { clientId: string; publicKey: Uint8Array }>();
  #connection: Connection = { kind: 'idle' };
  #call: CallState = { kind: 'idle' };
  #nextHandle = 1;

  constructor(options: ClientCoreOptions) {
    this.#crypto = options.crypto;
    this.#identity = options.identity;
    this.#name = options.name.normalize('NFC');
    this.#store = options.store ?? new MemoryStore();
    this.#codecs = options.codecs ?? DEFAULT_CODECS;
    this.#clientId = this.#crypto.sha3_256(options.identity.publicKey.toDer());
    this.#clientIdHex = toHex(this.#clientId);
    const t = options.timing ?? {};
    this.#timing = {
      handshakeTimeoutMs: t.handshakeTimeoutMs ?? 15_000,
      requestTimeoutMs: t.requestTimeoutMs ?? 10_000,
      ringTimeoutMs: t.ringTimeoutMs ?? 30_000,
      keepaliveIntervalMs: t.keepaliveIntervalMs ?? 5_000,
      keepaliveMisses: t.keepaliveMisses ?? 3,
      resumeTimeoutMs: t.resumeTimeoutMs ?? 30_000,
    };
    this.#mediaTiming = options.media ?? {};
    this.#phonebook = new Phonebook(this.#clientIdHex, this.#store);
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

  get callState(): CallState['kind'] {
    return this.#call.kind;
  }

  /** Hex id of the current call, if any. */
  get callId(): string | undefined {
    const id = callIdOf(this.#call);
    return id && isBusy(this.#call) ? toHex(id) : undefined;
  }

  /** The last accepted tree head on the current connection. */
  get treeHead(): SignedTreeHead | undefined {
    return this.#connection.kind === 'ready' ? this.#connection.directory.head : undefined;
  }

  /** Smoothed-free last round-trip time of the sealed keepalive, if measured. */
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
    const call = this.#call;
    if (call.kind === 'outgoing-ringing' || call.kind === 'incoming-ringing') times.push(call.deadline);
    if (call.kind === 'active') times.push(call.resumeDeadline, call.media?.nextTimeout());
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
      lastTreeHead: this.#store.treeHead(c.relay.fingerprint.toLowerCase()),
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

  /** Advances timers: handshake and request deadlines, keepalive, ring timeout, media retries. */
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
    this.#tickCall(now);
  }

  /** Closes the connection on purpose (ends a live call first). */
  close(now: number): void {
    if (isBusy(this.#call)) this.#endCall('hangup', 'local', now, { notify: true });
    this.#close('CLIENT_CLOSED', now);
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────────

  /** Looks a contact up with proof (DESIGN.md §4); settles with a VerifiedContact. Returns the handle. */
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
    if (isBusy(this.#call)) return fail(new ClientError(ClientErrorCode.Busy, 'already in a call'));
    const known =
      lookupTarget.by === 'name'
        ? this.#phonebook.byName(lookupTarget.name)
        : this.#phonebook.byId(toHex(lookupTarget.clientId));
    if (known?.verification === 'key-changed' || (known && this.#changedKeys.has(known.name))) {
      return fail(keyChanged(known.name));
    }
    if (lookupTarget.by === 'clientId' && bytesEqual(lookupTarget.clientId, this.#clientId)) {
      return fail(invalid('cannot call yourself'));
    }
    const callId = this.#crypto.randomBytes(16);
    this.#call = { kind: 'outgoing-resolving', callId, handle, targetLabel: targetLabel(lookupTarget) };
    this.#request({ kind: 'lookup', target: lookupTarget, purpose: { kind: 'call', callId } }, now);
    return handle;
  }

  /** Accepts the ringing incoming call. */
  answer(now: number): void {
    const call = this.#call;
    if (call.kind !== 'incoming-ringing')
      throw new ClientError(ClientErrorCode.InvalidState, 'no call is ringing');
    const { ephemeral, confirm, keys } = acceptOffer(this.#crypto, call.offer);
    this.#call = {
      kind: 'active',
      callId: call.callId,
      peer: call.peer,
      peerId: call.peerId,
      role: 'callee',
      keys,
      media: undefined,
      resumeDeadline: undefined,
      resumeSent: false,
    };
    this.#sendSealed(
      { type: 'CALL_RESPONSE', callId: call.callId, decision: 'accept', ephemeral, confirm },
      now,
    );
    this.#emit({ type: 'call:accepted', callId: toHex(call.callId), peer: call.peer, role: 'callee' });
  }

  /** Rejects the ringing incoming call. */
  reject(now: number): void {
    const call = this.#call;
    if (call.kind !== 'incoming-ringing')
      throw new ClientError(ClientErrorCode.InvalidState, 'no call is ringing');
    this.#sendSealed({ type: 'CALL_RESPONSE', callId: call.callId, decision: 'reject' }, now);
    this.#endCall('rejected', 'local', now, { notify: false });
  }

  /** Ends the current call in whatever state it is (ringing either way, or active). */
  hangUp(now: number): void {
    const call = this.#call;
    switch (call.kind) {
      case 'idle':
      case 'ended':
        throw new ClientError(ClientErrorCode.InvalidState, 'no call to hang up');
      case 'incoming-ringing':
        this.reject(now);
        return;
      case 'incoming-verifying':
      case 'outgoing-resolving':
      case 'outgoing-ringing':
      case 'active':
        this.#endCall('hangup', 'local', now, { notify: call.kind !== 'outgoing-resolving' });
        return;
    }
  }

  /** Seals and sends one media frame of the active call; false when it cannot be sent now. */
  sendFrame(frame: { sequence: number; timestamp: number; payload: Uint8Array }): boolean {
    const call = this.#call;
    if (call.kind !== 'active' || !call.media) return false;
    const data = call.media.send(frame);
    if (!data) return false;
    this.#outputs.push({ kind: 'datagram', callId: toHex(call.callId), data });
    return true;
  }

  /** A datagram arrived on the call's media socket. */
  datagramReceived(data: Uint8Array, now: number): void {
    const call = this.#call;
    if (call.kind !== 'active' || !call.media) return;
    const input = call.media.receive(data, now);
    switch (input.kind) {
      case 'frame':
        this.#emit({ type: 'media:frame', callId: toHex(call.callId), ...input.frame });
        return;
      case 'bound':
        this.#emit({ type: 'media:bound', callId: toHex(call.callId), sessionId: input.sessionId });
        return;
      case 'dropped':
        return;
    }
  }

  /** The call's media socket was re-created (new local address): BIND again (re-BIND, DESIGN.md §5). */
  mediaAddressChanged(now: number): void {
    const call = this.#call;
    if (call.kind !== 'active' || !call.media) return;
    this.#datagrams(call.callId, call.media.addressChanged(now));
  }

  /** Media statistics of the active call. */
  mediaStats(): MediaChannelCore['stats'] | undefined {
    return this.#call.kind === 'active' ? this.#call.media?.stats : undefined;
  }

  /**
   * Accepts the new key of `name` that a verified lookup showed (after `contact:key-changed`): pins it and
   * unblocks calls. Throws CLIENT_ERR_INVALID_STATE when no verified new key is known.
   */
  acceptContactKey(name: string, now: number): void {
    const nfc = name.normalize('NFC');
    const changed = this.#changedKeys.get(nfc);
    if (!changed) {
      throw new ClientError(
        ClientErrorCode.InvalidState,
        'no verified new key for this contact: look it up first',
      );
    }
    this.#store.pinContact({
      name: nfc,
      clientId: changed.clientId,
      publicKey: changed.publicKey,
      pinnedAt: now,
    });
    this.#changedKeys.delete(nfc);
    this.#phonebook.flagConflicts(nfc, changed.clientId);
    this.#outputs.push({ kind: 'persist' });
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
        const prove = c.handshake.onChallenge(payload);
        c.step = 'welcome';
        this.#send(prove);
        return;
      }
      const result = c.handshake.onWelcome(payload);
      const previous = this.#store.treeHead(result.relayPublicKey.fingerprint());
      const change = !previous ? 'first' : previous.size === result.treeHead.size ? 'unchanged' : 'grown';
      this.#store.setTreeHead(result.relayPublicKey.fingerprint(), result.treeHead);
      this.#outputs.push({ kind: 'persist' });
      const directory = new DirectoryView(this.#crypto, result.relayPublicKey, this.#store, result.treeHead);
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
      this.#applyPage(result.welcome.phonebook, now);
      this.#resumeCall(now);
    } catch (error) {
      const err = asError(error);
      this.#emit({
        type: 'registration:failed',
        relay: c.relay,
        code: errorCodeOf(err) ?? 'UNKNOWN',
        error: err,
      });
      this.#close(errorCodeOf(err) ?? ClientErrorCode.Protocol, now);
    }
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
          this.#flagPhonebookConflicts(changed);
          this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed });
          return;
        }
        case 'PUBLIC_KEY':
          this.#onPublicKey(c, message, now);
          return;
        case 'CONSISTENCY':
          this.#onConsistency(c, message, now);
          return;
        case 'INCOMING_CALL':
          this.#onIncomingCall(message, now);
          return;
        case 'CALL_RESPONSE':
          this.#onCallResponse(message, now);
          return;
        case 'CALL_END':
          this.#onCallEnd(message, now);
          return;
        case 'MEDIA_GRANT':
          this.#onMediaGrant(message, now);
          return;
        case 'ERROR':
          this.#onError(message, now);
          return;
        case 'WELCOME':
        case 'CHALLENGE':
          throw new ClientError(ClientErrorCode.Protocol, `${message.type} after registration`);
        case 'REGISTER':
        case 'PROVE':
        case 'PHONEBOOK_REQUEST':
        case 'GET_PUBLIC_KEY':
        case 'GET_CONSISTENCY':
        case 'CALL_REQUEST':
        case 'CALL_RESUME':
        case 'PING':
          // Filtered by the sender check in `receive`; listed so the switch stays exhaustive.
          return;
      }
    } catch (error) {
      this.#fail(error, now);
    }
  }

  #onError(message: ControlMessageOf<'ERROR'>, now: number): void {
    const error = new ClientError(ClientErrorCode.RelayError, `relay error ${message.code}`, {
      relayCode: message.code,
    });
    if (message.requestId !== undefined) {
      const pending = this.#requests.take(message.requestId);
      if (pending) this.#failPending(pending, error, now);
    }
    if (message.fatal) this.#fail(error, now);
  }

  #applyPage(page: ControlMessageOf<'PHONEBOOK_PAGE'>['page'], now: number): void {
    const changed = this.#phonebook.applyPage(page);
    this.#flagPhonebookConflicts(changed);
    this.#emit({ type: 'phonebook:update', contacts: this.#phonebook.contacts(), changed });
    const next = page.offset + page.contacts.length;
    if (page.contacts.length > 0 && next < page.total) {
      this.#request({ kind: 'phonebook' }, now, { type: 'PHONEBOOK_REQUEST', offset: next, limit: 256 });
    }
  }

  /** A phonebook line whose name is pinned to another key: raise the alarm at once (DESIGN.md §4). */
  #flagPhonebookConflicts(changed: readonly ContactInfo[]): void {
    for (const contact of changed) {
      if (contact.verification !== 'key-changed') continue;
      const pin = this.#store.contact(contact.name);
      if (!pin) continue;
      this.#emit({
        type: 'contact:key-changed',
        name: contact.name,
        pinnedClientId: pin.clientId,
        newClientId: contact.clientId,
        source: 'phonebook',
      });
    }
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
        // The head differs from the last accepted one: prove it is the same history (DESIGN.md §4).
        this.#checkSignatureFirst(c, message.treeHead);
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

  #checkSignatureFirst(c: Extract<Connection, { kind: 'ready' }>, head: SignedTreeHead): void {
    c.directory.checkSignature(head);
  }

  #onConsistency(
    c: Extract<Connection, { kind: 'ready' }>,
    message: ControlMessageOf<'CONSISTENCY'>,
    now: number,
  ) {
    const pending = this.#requests.take(message.requestId);
    if (!pending) return;
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
    const key = verifyLookupEntry(this.#crypto, target, answer.entry, answer.inclusionProof, answer.treeHead);
    const contact = this.#pin(answer.entry.name, toHex(answer.entry.clientId), answer.entry.publicKey, now);
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
        this.#startOutgoing(purpose.callId, verified, key, now);
        return;
      case 'incoming':
        this.#verifyIncoming(purpose.callId, verified, key, now);
        return;
    }
  }

  /** Pins the key of `name` on first verified use; flags a different key (DESIGN.md §4). */
  #pin(name: string, clientId: string, publicKey: Uint8Array, now: number): ContactInfo {
    const pin = this.#store.contact(name);
    if (!pin) {
      this.#store.pinContact({ name, clientId, publicKey, pinnedAt: now });
      this.#outputs.push({ kind: 'persist' });
      this.#phonebook.flagConflicts(name, clientId);
      return this.#phonebook.setVerification(clientId, name, 'verified');
    }
    if (pin.clientId === clientId) return this.#phonebook.setVerification(clientId, name, 'verified');
    this.#changedKeys.set(name, { clientId, publicKey });
    this.#emit({
      type: 'contact:key-changed',
      name,
      pinnedClientId: pin.clientId,
      newClientId: clientId,
      source: 'lookup',
    });
    return this.#phonebook.setVerification(clientId, name, 'key-changed');
  }

  #lookupFailed(purpose: LookupPurpose, error: Error, now: number): void {
    switch (purpose.kind) {
      case 'user':
        this.#result(purpose.handle, { ok: false, error });
        return;
      case 'call': {
        const call = this.#call;
        if (call.kind === 'outgoing-resolving' && bytesEqual(call.callId, purpose.callId)) {
          this.#call = { kind: 'ended', callId: call.callId, reason: 'error' };
          this.#result(call.handle, { ok: false, error });
        }
        return;
      }
      case 'incoming': {
        const call = this.#call;
        if (call.kind === 'incoming-verifying' && bytesEqual(call.callId, purpose.callId)) {
          this.#refuseIncoming(call.callId, call.callerId, error, now);
        }
        return;
      }
    }
  }

  // ─── calls ──────────────────────────────────────────────────────────────────────────────────────────

  #startOutgoing(callId: Uint8Array, contact: VerifiedContact, key: RsaPublicKey, now: number): void {
    const call = this.#call;
    if (call.kind !== 'outgoing-resolving' || !bytesEqual(call.callId, callId)) return;
    if (contact.keyChanged) {
      this.#call = { kind: 'ended', callId, reason: 'error' };
      this.#result(call.handle, { ok: false, error: keyChanged(contact.name) });
      return;
    }
    const calleeId = this.#crypto.sha3_256(contact.publicKey);
    const offer = createCallOffer({
      crypto: this.#crypto,
      caller: { id: this.#clientId, privateKey: this.#identity },
      callee: { id: calleeId, publicKey: key },
      codecs: this.#codecs,
      now,
      callId,
    });
    const peer: Peer = { clientId: contact.clientId, name: contact.name };
    this.#call = {
      kind: 'outgoing-ringing',
      callId,
      handle: call.handle,
      peer,
      peerId: calleeId,
      pending: offer.pending,
      deadline: now + this.#timing.ringTimeoutMs,
      grant: undefined,
    };
    this.#sendSealed(
      { type: 'CALL_REQUEST', callId, callee: calleeId, sealedCallData: offer.sealedCallData },
      now,
    );
    this.#emit({ type: 'call:outgoing', callId: toHex(callId), peer });
  }

  #onIncomingCall(message: ControlMessageOf<'INCOMING_CALL'>, now: number): void {
    if (isBusy(this.#call)) {
      // One call at a time; call waiting is answered "busy" (DESIGN.md §5). No secret is opened.
      this.#sendSealed({ type: 'CALL_RESPONSE', callId: message.callId, decision: 'busy' }, now);
      return;
    }
    this.#call = {
      kind: 'incoming-verifying',
      callId: message.callId,
      callerId: message.caller,
      callerName: message.callerName,
      sealedCallData: message.sealedCallData,
    };
    // The caller is who the relay authenticated (LESSONS #7); its key must be proven like any other.
    this.#request(
      {
        kind: 'lookup',
        target: { by: 'clientId', clientId: message.caller },
        purpose: { kind: 'incoming', callId: message.callId },
      },
      now,
    );
  }

  #verifyIncoming(callId: Uint8Array, caller: VerifiedContact, key: RsaPublicKey, now: number): void {
    const call = this.#call;
    if (call.kind !== 'incoming-verifying' || !bytesEqual(call.callId, callId)) return;
    if (caller.keyChanged) {
      this.#refuseIncoming(callId, call.callerId, keyChanged(caller.name), now);
      return;
    }
    try {
      const offer = openCallOffer({
        crypto: this.#crypto,
        sealedCallData: call.sealedCallData,
        statedCallId: callId,
        callee: { id: this.#clientId, privateKey: this.#identity },
        statedCallerId: call.callerId,
        callerPublicKey: key,
        now,
        replayGuard: this.#replayGuard,
      });
      const peer: Peer = { clientId: caller.clientId, name: caller.name };
      this.#call = {
        kind: 'incoming-ringing',
        callId,
        peer,
        peerId: call.callerId,
        offer,
        deadline: now + this.#timing.ringTimeoutMs,
      };
      this.#emit({
        type: 'call:incoming',
        callId: toHex(callId),
        peer,
        codecs: offer.codecs,
        safetyNumber: this.#crypto.safetyNumber(this.#clientIdHex, caller.clientId),
      });
    } catch (error) {
      this.#refuseIncoming(callId, call.callerId, asError(error), now);
    }
  }

  /** An incoming offer failed a check: tell the user which, end the call at the relay. */
  #refuseIncoming(callId: Uint8Array, callerId: Uint8Array, error: Error, now: number): void {
    this.#call = { kind: 'ended', callId, reason: 'error' };
    this.#emit({
      type: 'call:refused',
      callId: toHex(callId),
      callerId: toHex(callerId),
      code: errorCodeOf(error) ?? 'UNKNOWN',
      error,
    });
    this.#sendSealed({ type: 'CALL_END', callId, reason: 'error' }, now);
  }

  #onCallResponse(message: ControlMessageOf<'CALL_RESPONSE'>, now: number): void {
    const call = this.#call;
    if (call.kind !== 'outgoing-ringing' || !bytesEqual(call.callId, message.callId)) return;
    switch (message.decision) {
      case 'accept': {
        if (!message.ephemeral || !message.confirm) {
          this.#endCall('error', 'local', now, { notify: true, code: ClientErrorCode.Protocol });
          return;
        }
        let keys: ReturnType<typeof completeCall>;
        try {
          keys = completeCall(this.#crypto, call.pending, {
            ephemeral: message.ephemeral,
            confirm: message.confirm,
          });
        } catch (error) {
          this.#endCall('error', 'local', now, { notify: true, code: errorCodeOf(error) ?? 'UNKNOWN' });
          return;
        }
        this.#call = {
          kind: 'active',
          callId: call.callId,
          peer: call.peer,
          peerId: call.peerId,
          role: 'caller',
          keys,
          media: undefined,
          resumeDeadline: undefined,
          resumeSent: false,
        };
        this.#emit({ type: 'call:accepted', callId: toHex(call.callId), peer: call.peer, role: 'caller' });
        this.#result(call.handle, { ok: true, value: { callId: toHex(call.callId), peer: call.peer } });
        if (call.grant) this.#onMediaGrant(call.grant, now);
        return;
      }
      case 'reject':
        this.#endCall('rejected', 'remote', now, { notify: false });
        return;
      case 'busy':
        this.#endCall('busy', 'remote', now, { notify: false });
        return;
    }
  }

  #onCallEnd(message: ControlMessageOf<'CALL_END'>, now: number): void {
    const id = callIdOf(this.#call);
    if (!id || !isBusy(this.#call) || !bytesEqual(id, message.callId)) return;
    this.#endCall(message.reason, 'remote', now, { notify: false });
  }

  #onMediaGrant(grant: MediaGrant, now: number): void {
    const call = this.#call;
    if (call.kind === 'outgoing-ringing' && bytesEqual(call.callId, grant.callId)) {
      call.grant = grant;
      return;
    }
    if (call.kind !== 'active' || !bytesEqual(call.callId, grant.callId)) return;
    if (grant.side !== call.role)
      throw new ClientError(ClientErrorCode.Protocol, 'media grant for the other side');
    call.resumeSent = false;
    if (!call.media) {
      call.media = new MediaChannelCore({
        crypto: this.#crypto,
        keys: call.keys,
        grant,
        ...this.#mediaTiming,
      });
      this.#datagrams(call.callId, call.media.bind(now));
    } else {
      this.#datagrams(call.callId, call.media.rebind(grant, now));
    }
  }

  /** After (re-)registration with a live call: ask this relay to carry it (CALL_RESUME, DESIGN.md §6). */
  #resumeCall(now: number): void {
    const call = this.#call;
    if (call.kind !== 'active' || call.resumeDeadline === undefined) return;
    call.resumeDeadline = undefined;
    call.resumeSent = true;
    const lastSequence = call.media?.lastSentSequence;
    this.#sendSealed(
      {
        type: 'CALL_RESUME',
        callId: call.callId,
        peer: call.peerId,
        ...(lastSequence === undefined ? {} : { lastSequence }),
      },
      now,
    );
  }

  #tickCall(now: number): void {
    const call = this.#call;
    switch (call.kind) {
      case 'outgoing-ringing':
      case 'incoming-ringing':
        if (now >= call.deadline) this.#endCall('timeout', 'local', now, { notify: true });
        return;
      case 'active': {
        if (call.resumeDeadline !== undefined && now >= call.resumeDeadline) {
          this.#endCall('error', 'local', now, { notify: false, code: ClientErrorCode.ConnectionClosed });
          return;
        }
        if (!call.media) return;
        const { datagrams, failed } = call.media.tick(now);
        this.#datagrams(call.callId, datagrams);
        if (failed) {
          this.#emit({
            type: 'media:failed',
            callId: toHex(call.callId),
            code: ClientErrorCode.MediaBindFailed,
          });
        }
        return;
      }
      case 'idle':
      case 'ended':
      case 'outgoing-resolving':
      case 'incoming-verifying':
        return;
    }
  }

  /**
   * Ends the current call on every path, erasing its secrets: the pending offer (secret + ephemeral key),
   * the opened offer (secret), the media keys and the media ciphers (forward secrecy, DESIGN.md §5 step 4).
   */
  #endCall(
    reason: CallEndReason,
    by: 'local' | 'remote',
    now: number,
    options: { notify: boolean; code?: string },
  ): void {
    const call = this.#call;
    let peer: Peer | undefined;
    switch (call.kind) {
      case 'idle':
      case 'ended':
        return;
      case 'outgoing-resolving':
        this.#requests.removeWhere((p) => p.kind !== 'phonebook' && p.purpose.kind === 'call');
        break;
      case 'incoming-verifying':
        this.#requests.removeWhere((p) => p.kind !== 'phonebook' && p.purpose.kind === 'incoming');
        break;
      case 'outgoing-ringing':
        call.pending.destroy();
        peer = call.peer;
        break;
      case 'incoming-ringing':
        call.offer.destroy();
        peer = call.peer;
        break;
      case 'active':
        call.media?.close();
        call.keys.destroy();
        peer = call.peer;
        break;
    }
    this.#call = { kind: 'ended', callId: call.callId, reason };
    if (options.notify && this.#connection.kind === 'ready') {
      this.#sendSealed({ type: 'CALL_END', callId: call.callId, reason }, now);
    }
    if (call.kind === 'outgoing-resolving' || call.kind === 'outgoing-ringing') {
      this.#result(call.handle, { ok: false, error: callFailure(reason, by, options.code) });
    }
    if (call.kind === 'incoming-verifying') return;
    this.#emit({
      type: 'call:ended',
      callId: toHex(call.callId),
      peer,
      reason,
      by,
      ...(options.code === undefined ? {} : { code: options.code }),
    });
  }

  // ─── plumbing ───────────────────────────────────────────────────────────────────────────────────────

  #keepalive(c: Extract<Connection, { kind: 'ready' }>, now: number): void {
    if (c.outstandingPing) {
      c.missed += 1;
      if (c.missed >= this.#timing.keepaliveMisses) {
        // Missed keepalives count as a dropped connection: the relay manager fails over (DESIGN.md §6).
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
    this.#lookupFailed(pending.purpose, error, now);
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

  #datagrams(callId: Uint8Array, datagrams: readonly Uint8Array[]): void {
    const id = toHex(callId);
    for (const data of datagrams) this.#outputs.push({ kind: 'datagram', callId: id, data });
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
      return { by: 'clientId', clientId: Uint8Array.from(Buffer.from(target.clientId, 'hex')) };
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
    const call = this.#call;
    switch (call.kind) {
      case 'active':
        if (call.resumeDeadline === undefined) call.resumeDeadline = now + this.#timing.resumeTimeoutMs;
        call.resumeSent = false;
        return;
      case 'outgoing-ringing':
      case 'incoming-ringing':
      case 'outgoing-resolving':
      case 'incoming-verifying':
        this.#endCall('error', 'local', now, { notify: false, code: ClientErrorCode.ConnectionClosed });
        return;
      case 'idle':
      case 'ended':
        return;
    }
  }
}

type RequestMessage =
  | Omit<ControlMessageOf<'GET_CONSISTENCY'>, 'requestId'>
  | Omit<ControlMessageOf<'PHONEBOOK_REQUEST'>, 'requestId'>;

function callFailure(reason: CallEndReason, by: 'local' | 'remote', code?: string): ClientError {
  switch (reason) {
    case 'rejected':
      return new ClientError(ClientErrorCode.CallRejected, 'the callee rejected the call');
    case 'busy':
      return new ClientError(ClientErrorCode.PeerBusy, 'the callee is busy');
    case 'timeout':
      return new ClientError(ClientErrorCode.CallTimeout, 'nobody answered');
    case 'hangup':
    case 'offline':
    case 'error':
    case 'relay-shutdown':
      return new ClientError(
        ClientErrorCode.CallEnded,
        `call ended (${reason}, ${by}${code === undefined ? '' : `, ${code}`})`,
      );
  }
}

function keyChanged(name: string): ClientError {
  return new ClientError(
    ClientErrorCode.ContactKeyChanged,
    `the key of ${JSON.stringify(name)} changed: compare safety numbers, then acceptContactKey()`,
  );
}

function invalid(message: string): ClientError {
  return new ClientError(ClientErrorCode.InvalidArgument, message);
}

function notConnected(): ClientError {
  return new ClientError(ClientErrorCode.NotConnected, 'not registered with a relay');
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
