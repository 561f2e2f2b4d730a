/**
 * The Client shell (docs/design.md §1: thin shells around sans-I/O cores): ClientCore for the protocol, a
 * ControlChannel of the transport, one MediaChannel per call (the media lane: its own UDP socket and timers, opened,
 * moved and closed on the core's say-so; docs/architecture.md "Media lane"), timers, and eventemitter3 events
 * named `noun:verb`. Relay choice, probing, failover and backoff are the RelayPolicy core's (held with the
 * prober by the ClientRelayManager): the shell carries out its actions. Async methods take an AbortSignal.
 *
 * This module imports no backend: the default cryptography and transport come in as {@link ClientDefaults}
 * from the entry that builds the Client (docs/client.md "Entry points"): Node's `Client` (client.ts) brings
 * node:crypto and TCP + UDP, the browser's (browser-client.ts) node-free crypto and WebSockets,
 * so a page never loads a node:* module.
 */

import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import type { IdentityOperation, IdentityOperationResult } from '@leitung/session';
import type { SignedTreeHead } from '@leitung/wire';
import { EventEmitter } from 'eventemitter3';
import type { MediaLaneReport } from '../core/call-machine.js';
import type { CallSnapshot } from '../core/call-snapshot.js';
import type { CallStateName } from '../core/call-state.js';
import { ClientCore } from '../core/client-core.js';
import type { CoreOutput, EstablishedCall, VerifiedContact } from '../core/core-outputs.js';
import { resolveTiming } from '../core/core-timing.js';
import type {
  ConnectionStateName,
  ContactInfo,
  CoreEvent,
  RegistrationCompleteEvent,
} from '../core/events.js';
import type { PresenceTarget } from '../core/presence-watch.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { MediaChannelStats } from '../media/media-channel-core.js';
import type { MediaFrame, MediaTransport } from '../media/media-transport.js';
import { ClientRelayManager } from '../relays/client-relay-manager.js';
import type { RelayProbe } from '../relays/probe-result.js';
import type { RelayAction } from '../relays/relay-actions.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { RelayStatus } from '../relays/relay-selector.js';
import type { ClientTransport, ControlChannel } from '../transport/client-transport.js';
import { CallKeyWarmUp } from './call-key-warm-up.js';
import {
  type CallOptions,
  type ClientEvents,
  type ClientOptions,
  coreOptionsOf,
  type PrepareCallOptions,
  relayManagerOptionsOf,
} from './client-options.js';
import { unrefTimer } from './event-loop.js';
import { isKeyHolder } from './identity-holder.js';
import { MediaLaneSlot, mediaTargetOf } from './media-lane-slot.js';
import { OutputQueue } from './output-queue.js';
import { aborted, PendingCommands, START_HANDLE, throwIfAborted } from './pending-commands.js';
import { probeOver } from './probe-exchange.js';
import { StoreWriter } from './store-writer.js';

export type { RelayLostEvent, RelaySwitchedEvent } from '../relays/relay-actions.js';
export type { CallOptions, ClientEvents, ClientOptions, PrepareCallOptions } from './client-options.js';

/**
 * What an entry point fills in for the options a {@link ClientOptions} leaves out (docs/client.md "Entry
 * points"): the cryptography and the transport of its platform.
 */
export interface ClientDefaults {
  /** A new LeitungCrypto, used when `options.crypto` is absent. */
  readonly crypto: () => LeitungCrypto;
  /** The transport, used when `options.transport` is absent. */
  readonly transport: () => ClientTransport;
}

/**
 * A Leitung client (docs/client.md): registers with a pinned relay, keeps the phonebook and presence,
 * looks keys up with proof and pins them, places and answers end-to-end encrypted calls, carries their
 * media ({@link ClientShell.mediaTransport}), and chooses relays with failover. Events are typed
 * ({@link ClientEvents}, `noun:verb`); the current call is {@link ClientShell.currentCall}. Build one with
 * `setupClient` (vault, identity, monitor) or directly from {@link ClientOptions}; then `start()`.
 */
export class ClientShell extends EventEmitter<ClientEvents> {
  /** The cryptography in use (the options' or the entry point's default). */
  readonly crypto: LeitungCrypto;
  /** Relay choice, probing and failover (for status and shells; apps read {@link ClientShell.relayStatus}). */
  readonly relays: ClientRelayManager;
  readonly #core: ClientCore;
  readonly #options: ClientOptions;
  readonly #now: () => number;
  readonly #commands = new PendingCommands();
  readonly #lanes: MediaLaneSlot;
  readonly #store: StoreWriter;
  readonly #transport: ClientTransport;
  #connection: ControlChannel | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The relay policy's one deadline (a backoff or the next probe round). */
  #relayTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last keepalive RTT handed to the policy on the current connection. */
  #keepaliveRtt: number | undefined;
  #started = false;
  #closed = false;
  readonly #warmUp = new CallKeyWarmUp();
  readonly #outputs = new OutputQueue<CoreOutput>((output) => this.#perform(output));

  constructor(options: ClientOptions, defaults: ClientDefaults) {
    super();
    if (options.relays.length === 0) {
      throw new ClientError(ClientErrorCode.InvalidArgument, 'the relay list is empty');
    }
    this.#options = options;
    this.#transport = options.transport ?? defaults.transport();
    const unreachable = options.relays.find((relay) => !this.#transport.supports(relay));
    if (unreachable !== undefined) {
      throw new ClientError(
        ClientErrorCode.InvalidArgument,
        `relay ${unreachable.host} cannot be reached over the ${this.#transport.name} transport`,
      );
    }
    this.crypto = options.crypto ?? defaults.crypto();
    this.#now = options.now ?? Date.now;
    this.#core = new ClientCore(
      coreOptionsOf(options, this.crypto, (callId) => this.#lanes.lastSentSequence(callId)),
    );
    this.#lanes = new MediaLaneSlot({
      crypto: this.crypto,
      now: this.#now,
      timing: options.media,
      target: (grant) => mediaTargetOf(grant, this.relays.policy, this.#core.relay),
      report: (callId, report) => this.#mediaLane(callId, report),
      openSocket: this.#transport.openMedia,
    });
    this.#store = new StoreWriter(options.persist, (error) =>
      this.emit('connection:error', {
        type: 'connection:error',
        code: errorCodeOf(error) ?? 'PERSIST',
        error,
      }),
    );
    const random = (n: number) => this.crypto.randomBytes(n);
    const probe: RelayProbe =
      options.probe ?? ((entry, timeoutMs) => probeOver(entry, timeoutMs, random, this.#transport));
    this.relays = new ClientRelayManager(relayManagerOptionsOf(options, probe));
    options.monitor?.on('security:finding', (finding) => this.emit('security:finding', finding));
  }

  // ─── state ──────────────────────────────────────────────────────────────────────────────────────────

  /** This client's hex id (= SHA3-256 fingerprint of its key's SPKI DER). */
  get clientId(): string {
    return this.#core.clientId;
  }

  /** The name this client registers (NFC). */
  get name(): string {
    return this.#core.name;
  }

  /** The control connection's state (`connection:state` reports each change). */
  get connectionState(): ConnectionStateName {
    return this.#core.connectionState;
  }

  /**
   * The internal call state's name; show {@link ClientShell.currentCall} instead (docs/client.md "Call state").
   * Useful to wait for `idle` or `ended`.
   */
  get callState(): CallStateName {
    return this.#core.callState;
  }

  /**
   * The current (or last) call as a typed snapshot — dialing, ringing, connecting-media, active,
   * reconnecting, ended with its reason — updated with every `call:state` event (docs/client.md "Call
   * state"). Undefined before the first call.
   */
  get currentCall(): CallSnapshot | undefined {
    return this.#core.currentCall;
  }

  /** Hex id of the current call, if any. */
  get callId(): string | undefined {
    return this.#core.callId;
  }

  /** The relay the client is on (or was last on). */
  get relay(): RelayEntry | undefined {
    return this.#core.relay;
  }

  /** The phonebook: every contact the relay listed, with presence and verification. */
  get contacts(): ContactInfo[] {
    return this.#core.contacts();
  }

  /** The key directory's tree head accepted on the current connection; undefined while not `ready`. */
  get treeHead(): SignedTreeHead | undefined {
    return this.#core.treeHead;
  }

  /** What the client knows about each relay: smoothed RTT, load, failures, split view. */
  relayStatus(): RelayStatus[] {
    return this.relays.status();
  }

  /** Sent, received and dropped media counts of the current call's lane, if one is open. */
  mediaStats(): MediaChannelStats | undefined {
    return this.#lanes.stats;
  }

  // ─── lifecycle ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Probes the relays, then registers with the best one (trying the next ones with backoff on failure).
   * Resolves on `registration:complete`; rejects with CLIENT_ERR_NO_RELAY (cause: the last failure) when
   * every attempt failed, or CLIENT_ERR_ABORTED.
   */
  async start(options: CallOptions = {}): Promise<RegistrationCompleteEvent> {
    if (this.#started) throw new ClientError(ClientErrorCode.InvalidState, 'start() was already called');
    this.#started = true;
    // Seed §2.1: the SecurityMonitor first (its findings are `security:finding` events), then the relays.
    this.#options.monitor?.start();
    throwIfAborted(options.signal);
    const started = this.#commands.wait<RegistrationCompleteEvent>(START_HANDLE, options.signal, () => {
      // The policy stops and the attempt in progress is dropped.
      this.#execute(this.relays.policy.stop());
      this.#connection?.close();
    });
    // The first relay of the list is the likely one: its control connection opens while the relays are
    // probed (docs/client.md "Transports"), so the registration does not wait for it.
    const first = this.#options.relays[0];
    if (first !== undefined) this.#transport.prepareControl?.(first);
    this.#execute(this.relays.policy.start());
    return started;
  }

  /** Hangs up, closes every socket and timer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#apply(this.#core.close(this.#now()));
    this.#closed = true;
    this.#transport.releasePreparedMedia?.();
    this.#transport.releasePreparedControl?.();
    this.#execute(this.relays.policy.stop());
    this.#options.monitor?.stop();
    clearTimeout(this.#timer);
    clearTimeout(this.#relayTimer);
    this.#connection?.close();
    this.#connection = undefined;
    this.#lanes.close();
    this.#commands.reject(START_HANDLE, aborted());
    this.#commands.closeAll();
    await this.#store.idle();
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────────

  /** Looks a contact up by name or `{clientId}` with proof; pins its key on first use. */
  lookup(
    target: string | { readonly clientId: string },
    options: CallOptions = {},
  ): Promise<VerifiedContact> {
    throwIfAborted(options.signal);
    const handle = this.#commands.nextHandle();
    const outputs = this.#core.lookup(handle, target, this.#now());
    return this.#await<VerifiedContact>(handle, outputs, options.signal, () => []);
  }

  /**
   * Replaces this client's key for its name by `nextKey` (docs/key-transparency.md, "Key rotation") and
   * resolves with the new, verified directory entry; the client is closed then, because the relay no longer
   * accepts its key — start a new Client with `nextKey`. Store `nextKey` durably BEFORE calling this
   * (`rotateIdentity` in setup-client.ts does, with the vault): once the relay appended the rotation, the
   * old key cannot log in any more. CLIENT_ERR_BUSY during a call; RELAY_ERR_… refusals as
   * CLIENT_ERR_RELAY_ERROR with `relayCode`.
   */
  async rotateKey(nextKey: RsaPrivateKey, options: CallOptions = {}): Promise<VerifiedContact> {
    throwIfAborted(options.signal);
    const handle = this.#commands.nextHandle();
    const outputs = this.#core.rotateKey(handle, nextKey, this.#now());
    const entry = await this.#await<VerifiedContact>(handle, outputs, options.signal, () => []);
    await this.close();
    return entry;
  }

  /**
   * Calls a contact; resolves when the callee accepted and the key confirmation checked out. Rejects with
   * CLIENT_ERR_CALL_REJECTED / _PEER_BUSY / _CALL_TIMEOUT / _CALL_ENDED / _CONTACT_KEY_CHANGED / _BUSY, a
   * SESSION_ERR_… code of a failed check, or CLIENT_ERR_ABORTED (which hangs up).
   */
  call(target: string | { readonly clientId: string }, options: CallOptions = {}): Promise<EstablishedCall> {
    throwIfAborted(options.signal);
    const handle = this.#commands.nextHandle();
    const outputs = this.#core.placeCall(handle, target, this.#now());
    return this.#await<EstablishedCall>(handle, outputs, options.signal, () => {
      const call = this.#core.callState;
      return call !== 'idle' && call !== 'ended' ? this.#core.hangUp(this.#now()) : [];
    });
  }

  /**
   * Says that the user is about to call `target` — a pointer resting on its call button, the contact
   * selected — so that a `call` to it within 10 s skips signing its offer (docs/client.md "Offers prepared
   * before the dial"). When the contact's key is pinned, the offer is drafted, signed and sealed now; nothing is sent
   * until `call`, and only if the lookup then confirms that key. With `lookup: true` — the call button is
   * pressed and not yet released — the key lookup goes out now as well: a `call` within 1 s of its answer
   * uses it. No effect while not registered or in a call, or for a contact without a pinned key. Throws
   * CLIENT_ERR_INVALID_ARGUMENT for a malformed target.
   */
  prepareCall(target: string | { readonly clientId: string }, options: PrepareCallOptions = {}): void {
    this.#apply(this.#core.prepareCall(target, this.#now(), options));
  }

  /** Accepts the ringing call (`call:incoming`). */
  answer(): void {
    this.#command(() => this.#core.answer(this.#now()));
  }

  /** Rejects the ringing call. */
  reject(): void {
    this.#command(() => this.#core.reject(this.#now()));
  }

  /** Ends the current call. */
  hangUp(): void {
    this.#command(() => this.#core.hangUp(this.#now()));
  }

  /**
   * The contacts (names or `{ clientId }`) whose presence this client wants; replaces the previous set
   * (docs/client.md "Presence"). Relays show a contact online only when it watches this client as well,
   * so contacts see each other and nobody else sees either. Kept across reconnects and failover. Throws
   * CLIENT_ERR_INVALID_ARGUMENT for a bad target or more than 256.
   */
  watchPresence(targets: readonly PresenceTarget[]): void {
    this.#apply(this.#core.watchPresence(targets, this.#now()));
  }

  /** Pins the new key of a contact after `contact:key-changed` (compare safety numbers first). */
  acceptContactKey(name: string): void {
    this.#command(() => this.#core.acceptContactKey(name, this.#now()));
  }

  /** Safety number with a pinned contact, for out-of-band comparison. */
  safetyNumber(name: string): string {
    return this.#core.safetyNumber(name);
  }

  /** Sends one media frame on the current call's lane; false if it cannot be sent now (not bound, no call). */
  sendFrame(frame: MediaFrame): boolean {
    return this.#lanes.channel?.send(frame) ?? false;
  }

  /**
   * The media lane of the current call (and of later ones) as the frame transport @leitung/audio defines
   * (structurally: `send`, `onFrame`, `close`). `send` goes straight to the call's MediaChannel, and its
   * frames, authenticated and decrypted, straight to the listeners (docs/architecture.md "Media lane");
   * `close` only unsubscribes. Listeners may subscribe before the call is up.
   */
  mediaTransport(): MediaTransport {
    return this.#lanes.transport();
  }

  /** Re-creates the call's UDP socket (new local port) and binds again — what a NAT rebinding looks like. */
  rebindMedia(): void {
    this.#lanes.rebind();
  }

  // ─── relays: carrying out the policy ───────────────────────────────────────────────────────────────

  /** Carries out the relay policy's actions (relays/relay-actions.ts), in order. */
  #execute(actions: readonly RelayAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'probe':
          void this.relays.probe(action.relays, action.timeoutMs).then((outcomes) => {
            if (this.#closed) return;
            this.#execute(this.relays.policy.probed(outcomes, this.#now(), { idle: this.#idle() }));
          });
          break;
        case 'connect':
          this.#connect(action.relay);
          break;
        case 'leave':
          // The close comes back as `connection:state` closed; the policy then connects to `action.to`.
          this.#connection?.close();
          break;
        case 'wait':
          this.#wake(action.until);
          break;
        case 'event':
          this.emit(action.event.type, action.event as never);
          break;
        case 'give-up':
          this.#commands.reject(START_HANDLE, action.error);
          break;
      }
    }
  }

  /** Opens a control connection to `relay`; the core registers over it. */
  #connect(relay: RelayEntry): void {
    let outputs: CoreOutput[];
    try {
      outputs = this.#core.connect(relay, this.#now());
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#execute(this.relays.policy.registrationFailed(relay, err, this.#now()));
      return;
    }
    this.#keepaliveRtt = undefined;
    const connection: ControlChannel = this.#transport.openControl(relay, {
      onOpen: () => {
        if (this.#connection !== connection) return;
        this.#apply(this.#core.transportOpened(this.#now()));
      },
      onFrame: (payload) => {
        if (this.#connection !== connection) return;
        this.#apply(this.#core.receive(payload, this.#now()));
        this.#noteKeepaliveRtt(relay);
      },
      onClose: (code) => {
        if (this.#connection !== connection) return;
        this.#connection = undefined;
        this.#apply(this.#core.transportClosed(this.#now(), code));
      },
    });
    this.#connection = connection;
    this.#apply(outputs);
  }

  /**
   * A keepalive PONG updates the core's RTT: each new figure is an RTT sample of the relay for the policy.
   * The same figure twice in a row counts once; it would barely move the smoothed RTT.
   */
  #noteKeepaliveRtt(relay: RelayEntry): void {
    const rtt = this.#core.rttMs;
    if (rtt === undefined || rtt === this.#keepaliveRtt) return;
    this.#keepaliveRtt = rtt;
    this.#execute(this.relays.policy.keepaliveRtt(relay, rtt));
  }

  /**
   * Arms the policy's one timer. Not unref'd: while reconnecting it may be all that keeps the process
   * alive, and `start()` may be waiting for it.
   */
  #wake(until: number | undefined): void {
    clearTimeout(this.#relayTimer);
    this.#relayTimer = undefined;
    if (until === undefined || this.#closed) return;
    this.#relayTimer = setTimeout(
      () => {
        this.#relayTimer = undefined;
        this.#execute(this.relays.policy.tick(this.#now()));
      },
      Math.max(0, until - this.#now()),
    );
  }

  /**
   * A relay-policy input carried by a core event, fed after the current outputs are carried out: the event reaches the
   * Client's listeners first, and what follows from it (`relay:lost`, a new connection, `relay:switched`)
   * comes after.
   */
  #relayInput(input: (now: number) => readonly RelayAction[]): void {
    queueMicrotask(() => {
      if (!this.#closed) this.#execute(input(this.#now()));
    });
  }

  /** No call is up and the connection is ready: moving to a better relay disturbs nothing. */
  #idle(): boolean {
    const call = this.#core.callState;
    return (call === 'idle' || call === 'ended') && this.#core.connectionState === 'ready';
  }

  // ─── output handling ────────────────────────────────────────────────────────────────────────────────

  /**
   * Carries out the outputs a core input returned, then reschedules the core's timer. Outputs returned
   * while earlier ones are being carried out (an event listener or a lane report calling back into the
   * client) queue behind them for the running loop, so outputs keep their order (output-queue.ts).
   */
  #apply(outputs: readonly CoreOutput[]): void {
    if (this.#outputs.run(outputs)) this.#schedule();
  }

  #perform(output: CoreOutput): void {
    switch (output.kind) {
      case 'send':
        this.#connection?.send(output.payload);
        return;
      case 'close': {
        const connection = this.#connection;
        this.#connection = undefined;
        connection?.close();
        return;
      }
      case 'media:open':
      case 'media:retarget':
      case 'media:close':
        this.#lanes.apply(output);
        return;
      case 'persist':
        this.#store.changed();
        return;
      case 'result':
        this.#commands.settle(output.handle, output.result);
        return;
      case 'event':
        this.#onEvent(output.event);
        return;
      case 'key-operation':
        this.#runKeyOperation(output.id, output.operation);
        return;
      case 'deferred':
        // Its outputs queue behind the ones being carried out (output-queue.ts): the lookup goes out first.
        this.#apply(this.#core.runDeferred(output.id, this.#now()));
        return;
    }
  }

  /**
   * Hands a key operation to the identity's holder and its answer — or its refusal — back to the core
   * (docs/client.md "Identity held elsewhere"). The core emits these only for a holder. A holder that does
   * not answer within the request timeout counts as refusing (CLIENT_ERR_TIMEOUT as the cause), so no step
   * waits for ever; an answer after that is dropped by the core.
   */
  #runKeyOperation(id: number, operation: IdentityOperation): void {
    const identity = this.#options.identity;
    if (!isKeyHolder(identity)) return;
    let settled = false;
    const done = (result: IdentityOperationResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!this.#closed) this.#apply(this.#core.keyOperationDone(id, result, this.#now()));
    };
    const timer = setTimeout(() => {
      const error = new ClientError(ClientErrorCode.Timeout, 'the identity key did not answer in time');
      done({ ok: false, error });
    }, resolveTiming(this.#options.timing).requestTimeoutMs);
    unrefTimer(timer);
    identity.run(operation).then(
      (value) => done({ ok: true, value }),
      (error: unknown) =>
        done({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  #onEvent(event: CoreEvent): void {
    switch (event.type) {
      case 'registration:complete':
        this.#transport.releasePreparedControl?.();
        this.#commands.resolve(START_HANDLE, event);
        this.#warmUp.schedule(
          this.crypto,
          isKeyHolder(this.#options.identity) ? undefined : this.#options.identity,
          () => this.#closed || this.#core.callState !== 'idle',
        );
        this.#relayInput((now) => this.relays.policy.registered(event.relay, now));
        break;
      case 'registration:failed':
        this.#relayInput((now) => this.relays.policy.registrationFailed(event.relay, event.error, now));
        break;
      case 'connection:state': {
        const relay = event.relay;
        if (event.state === 'closed' && relay) {
          this.#relayInput((now) => this.relays.policy.closed(relay, ClientErrorCode.ConnectionClosed, now));
        }
        break;
      }
      // The caller's leg opens once its offer is out, not at the dial: the key lookup it waits for comes
      // first, and a call refused before its offer (docs/client.md "Media legs opened ahead") opens none.
      case 'call:outgoing':
      case 'call:incoming':
        this.#prepareMedia();
        break;
      case 'call:ended':
        this.#transport.releasePreparedMedia?.();
        break;
      case 'directory:split-view':
        // A relay that shows another tree is ranked out (docs/design.md §4, docs/client.md "Relay cluster").
        this.#execute(this.relays.policy.splitView(event.relay));
        break;
      default:
        break;
    }
    this.emit(event.type, event as never);
  }

  /**
   * A call rings: the transport may open its media socket to the control relay now (a WebSocket leg's TCP
   * and HTTP upgrade, docs/client.md "Transports"), while the callee's phone rings or before its user answers.
   */
  #prepareMedia(): void {
    const relay = this.#core.relay;
    if (relay === undefined || this.#transport.prepareMedia === undefined) return;
    this.#transport.prepareMedia({
      host: relay.host,
      port: relay.mediaPort,
      ...(relay.webSocket === undefined ? {} : { webSocket: relay.webSocket }),
    });
  }

  /** The lane's reports go through the core, which owns the call state (docs/client.md "Call state"). */
  #mediaLane(callId: string, report: MediaLaneReport): void {
    if (this.#closed) return;
    this.#apply(this.#core.mediaLane(callId, report, this.#now()));
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    const at = this.#core.nextTimeout();
    if (at === undefined) return;
    this.#timer = setTimeout(() => this.#apply(this.#core.tick(this.#now())), Math.max(0, at - this.#now()));
    unrefTimer(this.#timer);
  }

  /**
   * Waits for the `result` of command `handle`, then carries out the `outputs` that started it (a refusal
   * settles at once). On abort, the outputs of `onAbort` (an aborted call hangs up) are carried out.
   */
  #await<T>(
    handle: number,
    outputs: readonly CoreOutput[],
    signal: AbortSignal | undefined,
    onAbort: () => readonly CoreOutput[],
  ): Promise<T> {
    const promise = this.#commands.wait<T>(handle, signal, () => this.#apply(onAbort()));
    this.#apply(outputs);
    return promise;
  }

  /** A command that settles at once: its outputs are carried out even when it throws (none then). */
  #command(run: () => readonly CoreOutput[]): void {
    let outputs: readonly CoreOutput[] = [];
    try {
      outputs = run();
    } finally {
      this.#apply(outputs);
    }
  }
}
