/**
 * The Client shell (docs/design.md §1: thin shells around sans-I/O cores): ClientCore for the protocol, a TCP
 * ControlConnection, one MediaChannel per call (the media lane: its own UDP socket and timers, opened,
 * moved and closed on the core's say-so; docs/architecture.md "Media lane"), timers, and eventemitter3 events
 * named `noun:verb`. Relay choice, probing, failover and backoff are the RelayPolicy core's (held with the
 * prober by the ClientRelayManager): the shell carries out its actions. Async methods take an AbortSignal.
 */

import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import type { MediaKeys } from '@leitung/session';
import type { MediaGrant } from '@leitung/wire';
import { EventEmitter } from 'eventemitter3';
import { toHex } from '../bytes.js';
import type { MediaLaneReport } from '../core/call-machine.js';
import type { CallSnapshot } from '../core/call-snapshot.js';
import { ClientCore } from '../core/client-core.js';
import type { ClientStore } from '../core/client-store.js';
import type { CommandResult, CoreOutput, EstablishedCall, VerifiedContact } from '../core/core-outputs.js';
import type { CoreTiming } from '../core/core-timing.js';
import type { ContactInfo, CoreEvent, CoreEventType, RegistrationCompleteEvent } from '../core/events.js';
import type { PresenceTarget } from '../core/presence-watch.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { MediaChannelStats, MediaChannelTiming } from '../media/media-channel-core.js';
import type { MediaFrame, MediaTransport } from '../media/media-transport.js';
import type { SecurityFinding, SecurityMonitor } from '../monitor/security-monitor.js';
import type { BackoffOptions } from '../relays/backoff.js';
import { ClientRelayManager } from '../relays/client-relay-manager.js';
import type { RelayProbe } from '../relays/probe-result.js';
import type { RelayAction, RelayLostEvent, RelaySwitchedEvent } from '../relays/relay-actions.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { RelaySelectorOptions, RelayStatus } from '../relays/relay-selector.js';
import { warmUpCallKeys } from './call-key-warm-up.js';
import { ControlConnection } from './control-connection.js';
import { type FrameListener, MediaChannel } from './media-channel.js';
import type { MediaTarget } from './media-socket.js';
import { probeRelay } from './relay-prober.js';

export type { RelayLostEvent, RelaySwitchedEvent } from '../relays/relay-actions.js';

/** Every event of the Client, by name. */
export type ClientEvents = { [K in CoreEventType]: [Extract<CoreEvent, { type: K }>] } & {
  'relay:switched': [RelaySwitchedEvent];
  'relay:lost': [RelayLostEvent];
  'security:finding': [SecurityFinding];
};

export interface ClientOptions {
  readonly identity: RsaPrivateKey;
  readonly name: string;
  /** Relay-list entries `{host, port, mediaPort, fingerprint}`. */
  readonly relays: readonly RelayEntry[];
  readonly crypto?: LeitungCrypto;
  /** Tree heads and pinned contacts (a SecureVault, or in memory by default). */
  readonly store?: ClientStore;
  /** Writes the store to disk after changes (e.g. `() => vault.save()`). */
  readonly persist?: () => Promise<void>;
  readonly codecs?: readonly number[];
  readonly timing?: CoreTiming;
  readonly media?: MediaChannelTiming;
  readonly relaySelection?: RelaySelectorOptions;
  readonly backoff?: BackoffOptions;
  /** How a relay is probed (default: unsealed PING/PONG over TCP). */
  readonly probe?: RelayProbe;
  readonly probeTimeoutMs?: number;
  /** Re-probe period; a clearly better relay is switched to while no call is up. 0 = never (default 30 000). */
  readonly probeIntervalMs?: number;
  /** How long a failed relay is ranked last (default 10 000 ms). */
  readonly failurePenaltyMs?: number;
  /** Registration attempts `start()` makes before CLIENT_ERR_NO_RELAY (default 3 per relay). */
  readonly startAttempts?: number;
  /** Started by `start()`, stopped by `close()`; its findings are re-emitted as `security:finding`. */
  readonly monitor?: SecurityMonitor;
  /** Wall clock in ms (default Date.now); call data freshness is checked against it. */
  readonly now?: () => number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

type Waiter = { resolve: (event: RegistrationCompleteEvent) => void; reject: (error: Error) => void };

export class Client extends EventEmitter<ClientEvents> {
  readonly crypto: LeitungCrypto;
  readonly relays: ClientRelayManager;
  readonly #core: ClientCore;
  readonly #options: ClientOptions;
  readonly #now: () => number;
  readonly #commands = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #connection: ControlConnection | undefined;
  /** The pending `start()`: settled by the first registration, the policy giving up, an abort or close. */
  #starting: Waiter | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The relay policy's one deadline (a backoff or the next probe round). */
  #relayTimer: NodeJS.Timeout | undefined;
  /** The last keepalive RTT handed to the policy on the current connection. */
  #keepaliveRtt: number | undefined;
  #media: { readonly callId: string; readonly channel: MediaChannel } | undefined;
  /** Listeners of every `mediaTransport()`, shared with each call's MediaChannel. */
  readonly #frameListeners = new Set<FrameListener>();
  #persisting: Promise<void> | undefined;
  #persistAgain = false;
  #started = false;
  #closed = false;
  #warmedUp = false;
  #flushing = false;

  constructor(options: ClientOptions) {
    super();
    if (options.relays.length === 0) {
      throw new ClientError(ClientErrorCode.InvalidArgument, 'the relay list is empty');
    }
    this.#options = options;
    this.crypto = options.crypto ?? createCrypto();
    this.#now = options.now ?? Date.now;
    this.#core = new ClientCore({
      crypto: this.crypto,
      identity: options.identity,
      name: options.name,
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.codecs === undefined ? {} : { codecs: options.codecs }),
      ...(options.timing === undefined ? {} : { timing: options.timing }),
      lastSentSequence: (callId) =>
        this.#media?.callId === callId ? this.#media.channel.lastSentSequence : undefined,
    });
    const random = (n: number) => this.crypto.randomBytes(n);
    this.relays = new ClientRelayManager({
      relays: options.relays,
      probe: options.probe ?? ((entry, timeoutMs) => probeRelay(entry, timeoutMs, random)),
      ...(options.relaySelection === undefined ? {} : { selection: options.relaySelection }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
      ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
      ...(options.failurePenaltyMs === undefined ? {} : { failurePenaltyMs: options.failurePenaltyMs }),
      ...(options.startAttempts === undefined ? {} : { startAttempts: options.startAttempts }),
    });
    options.monitor?.on('security:finding', (finding) => this.emit('security:finding', finding));
  }

  // ─── state ──────────────────────────────────────────────────────────────────────────────────────────

  get clientId(): string {
    return this.#core.clientId;
  }

  get name(): string {
    return this.#core.name;
  }

  get connectionState() {
    return this.#core.connectionState;
  }

  get callState() {
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

  get contacts(): ContactInfo[] {
    return this.#core.contacts();
  }

  get treeHead() {
    return this.#core.treeHead;
  }

  relayStatus(): RelayStatus[] {
    return this.relays.status();
  }

  /** Sent, received and dropped media counts of the current call's lane, if one is open. */
  mediaStats(): MediaChannelStats | undefined {
    return this.#media?.channel.stats;
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
    const signal = options.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.#abortStart();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#starting = {
        resolve: (event) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(event);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#execute(this.relays.policy.start());
    });
  }

  /** Hangs up, closes every socket and timer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#core.close(this.#now());
    this.#flush();
    this.#closed = true;
    this.#execute(this.relays.policy.stop());
    this.#options.monitor?.stop();
    clearTimeout(this.#timer);
    clearTimeout(this.#relayTimer);
    this.#connection?.close();
    this.#connection = undefined;
    this.#closeMedia();
    this.#settleStart(aborted());
    for (const { reject } of this.#commands.values()) {
      reject(new ClientError(ClientErrorCode.ConnectionClosed, 'client closed'));
    }
    this.#commands.clear();
    await this.#persisting;
  }

  // ─── commands ───────────────────────────────────────────────────────────────────────────────────────

  /** Looks a contact up by name or `{clientId}` with proof; pins its key on first use. */
  lookup(
    target: string | { readonly clientId: string },
    options: CallOptions = {},
  ): Promise<VerifiedContact> {
    throwIfAborted(options.signal);
    const handle = this.#core.lookup(target, this.#now());
    return this.#await<VerifiedContact>(handle, options.signal, () => undefined);
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
    const handle = this.#core.rotateKey(nextKey, this.#now());
    const entry = await this.#await<VerifiedContact>(handle, options.signal, () => undefined);
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
    const handle = this.#core.placeCall(target, this.#now());
    return this.#await<EstablishedCall>(handle, options.signal, () => {
      if (this.#core.callState !== 'idle' && this.#core.callState !== 'ended') this.#core.hangUp(this.#now());
    });
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
    this.#core.watchPresence(targets, this.#now());
    this.#flush();
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
    return this.#media?.channel.send(frame) ?? false;
  }

  /**
   * The media lane of the current call (and of later ones) as the frame transport @leitung/audio defines
   * (structurally: `send`, `onFrame`, `close`). `send` goes straight to the call's MediaChannel, and its
   * frames, authenticated and decrypted, straight to the listeners (docs/architecture.md "Media lane");
   * `close` only unsubscribes. Listeners may subscribe before the call is up.
   */
  mediaTransport(): MediaTransport {
    const listeners = new Set<FrameListener>();
    let closed = false;
    return {
      send: (frame) => {
        if (!closed) this.#media?.channel.send(frame);
      },
      onFrame: (listener) => {
        if (closed) return () => undefined;
        listeners.add(listener);
        this.#frameListeners.add(listener);
        return () => {
          listeners.delete(listener);
          this.#frameListeners.delete(listener);
        };
      },
      close: () => {
        closed = true;
        for (const l of listeners) this.#frameListeners.delete(l);
        listeners.clear();
      },
    };
  }

  /** Re-creates the call's UDP socket (new local port) and binds again — what a NAT rebinding looks like. */
  rebindMedia(): void {
    this.#media?.channel.rebindSocket();
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
          this.#settleStart(action.error);
          break;
      }
    }
  }

  /** Opens a control connection to `relay`; the core registers over it. */
  #connect(relay: RelayEntry): void {
    try {
      this.#core.connect(relay, this.#now());
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#execute(this.relays.policy.registrationFailed(relay, err, this.#now()));
      return;
    }
    this.#keepaliveRtt = undefined;
    const connection: ControlConnection = new ControlConnection(relay, {
      onOpen: () => {
        if (this.#connection !== connection) return;
        this.#core.transportOpened(this.#now());
        this.#flush();
      },
      onFrame: (payload) => {
        if (this.#connection !== connection) return;
        this.#core.receive(payload, this.#now());
        this.#flush();
        this.#noteKeepaliveRtt(relay);
      },
      onClose: (code) => {
        if (this.#connection !== connection) return;
        this.#connection = undefined;
        this.#core.transportClosed(this.#now(), code);
        this.#flush();
      },
    });
    this.#connection = connection;
    this.#flush();
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
   * A relay-policy input carried by a core event, fed after the current flush: the event reaches the
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

  /** `start()` was aborted: the policy stops and the attempt in progress is dropped. */
  #abortStart(): void {
    this.#execute(this.relays.policy.stop());
    this.#connection?.close();
    this.#settleStart(aborted());
  }

  #settleStart(outcome: RegistrationCompleteEvent | Error): void {
    const starting = this.#starting;
    this.#starting = undefined;
    if (outcome instanceof Error) starting?.reject(outcome);
    else starting?.resolve(outcome);
  }

  // ─── output handling ────────────────────────────────────────────────────────────────────────────────

  /**
   * Applies the core's outputs until none are left. A flush asked for while one runs (an event listener
   * or a lane report acting on the client) is left to the running loop, so outputs keep their order.
   */
  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let outputs = this.#core.takeOutputs(); outputs.length > 0; outputs = this.#core.takeOutputs()) {
        for (const output of outputs) this.#apply(output);
      }
    } finally {
      this.#flushing = false;
    }
    this.#schedule();
  }

  #apply(output: CoreOutput): void {
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
        this.#openMedia(output.callId, output.keys, output.grant);
        return;
      case 'media:retarget':
        this.#retargetMedia(output.callId, output.grant);
        return;
      case 'media:close':
        if (this.#media?.callId === output.callId) this.#closeMedia();
        return;
      case 'persist':
        this.#persist();
        return;
      case 'result':
        this.#settle(output.handle, output.result);
        return;
      case 'event':
        this.#onEvent(output.event);
        return;
    }
  }

  #onEvent(event: CoreEvent): void {
    switch (event.type) {
      case 'registration:complete':
        this.#settleStart(event);
        this.#scheduleWarmUp();
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
      case 'directory:split-view':
        // A relay that shows another tree is ranked out (docs/design.md §4, docs/client.md "Relay cluster").
        this.#execute(this.relays.policy.splitView(event.relay));
        break;
      default:
        break;
    }
    this.emit(event.type, event as never);
  }

  /** Once per client, after the first registration and off the event in progress (see warmUpCallKeys). */
  #scheduleWarmUp(): void {
    if (this.#warmedUp) return;
    this.#warmedUp = true;
    setImmediate(() => {
      if (!this.#closed) warmUpCallKeys(this.crypto);
    });
  }

  /**
   * Where the call's media goes: the relay a cluster's MEDIA_GRANT named (looked up by fingerprint in the
   * pinned relay list: never an address from the protocol), else the relay of the control connection.
   */
  #mediaTarget(grant: MediaGrant): MediaTarget | undefined {
    const named = grant.mediaRelay === undefined ? undefined : toHex(grant.mediaRelay);
    const relay = this.relays.policy.mediaTarget(named, this.#core.relay);
    return relay === undefined ? undefined : { host: relay.host, port: relay.mediaPort };
  }

  /** The call's first grant: its media lane starts binding at once (docs/architecture.md "Media lane"). */
  #openMedia(callId: string, keys: MediaKeys, grant: MediaGrant): void {
    this.#closeMedia();
    // The call may have ended in the same batch of outputs (its keys are erased then): no lane.
    if (keys.destroyed) return;
    const target = this.#mediaTarget(grant);
    if (target === undefined) {
      this.#mediaFailed(callId);
      return;
    }
    const channel = new MediaChannel({
      ...this.#options.media,
      crypto: this.crypto,
      keys,
      grant,
      target,
      now: this.#now,
      listeners: this.#frameListeners,
      onBound: (sessionId) => this.#mediaLane(callId, { kind: 'bound', sessionId }),
      onFailed: () => this.#mediaFailed(callId),
      onAudio: (flow) => this.#mediaLane(callId, { kind: 'audio', flow }),
    });
    this.#media = { callId, channel };
  }

  /** A later grant (CALL_RESUME): the lane moves to that relay and binds again with the same keys. */
  #retargetMedia(callId: string, grant: MediaGrant): void {
    const media = this.#media;
    if (media?.callId !== callId) return;
    const target = this.#mediaTarget(grant);
    if (target === undefined) {
      this.#mediaFailed(callId);
      return;
    }
    media.channel.retarget(grant, target);
  }

  #mediaFailed(callId: string): void {
    this.#mediaLane(callId, { kind: 'failed' });
  }

  /** The lane's reports go through the core, which owns the call state (docs/client.md "Call state"). */
  #mediaLane(callId: string, report: MediaLaneReport): void {
    if (this.#closed) return;
    this.#core.mediaLane(callId, report, this.#now());
    this.#flush();
  }

  #closeMedia(): void {
    this.#media?.channel.close();
    this.#media = undefined;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    const at = this.#core.nextTimeout();
    if (at === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#core.tick(this.#now());
        this.#flush();
      },
      Math.max(0, at - this.#now()),
    );
    this.#timer.unref();
  }

  #persist(): void {
    const persist = this.#options.persist;
    if (!persist) return;
    if (this.#persisting) {
      this.#persistAgain = true;
      return;
    }
    this.#persisting = (async () => {
      do {
        this.#persistAgain = false;
        try {
          await persist();
        } catch (error) {
          const err = error instanceof Error ? error : new Error(String(error));
          this.emit('connection:error', {
            type: 'connection:error',
            code: errorCodeOf(err) ?? 'PERSIST',
            error: err,
          });
        }
      } while (this.#persistAgain);
      this.#persisting = undefined;
    })();
  }

  #await<T>(handle: number, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      const abort = () => {
        if (!this.#commands.delete(handle)) return;
        onAbort();
        this.#flush();
        reject(aborted());
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.#commands.set(handle, {
        resolve: (value) => {
          signal?.removeEventListener('abort', abort);
          resolve(value as T);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', abort);
          reject(error);
        },
      });
    });
    this.#flush();
    return promise;
  }

  #settle(handle: number, result: CommandResult): void {
    const command = this.#commands.get(handle);
    if (!command) return;
    this.#commands.delete(handle);
    if (result.ok) command.resolve(result.value);
    else command.reject(result.error);
  }

  #command(run: () => void): void {
    try {
      run();
    } finally {
      this.#flush();
    }
  }
}

function aborted(): ClientError {
  return new ClientError(ClientErrorCode.Aborted, 'aborted');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw aborted();
}
