/**
 * The Client shell (docs/design.md §1: thin shells around sans-I/O cores): ClientCore for the protocol, a TCP
 * ControlConnection, one MediaChannel per call (the media lane: its own UDP socket and timers, opened,
 * moved and closed on the core's say-so; docs/architecture.md "Media lane"), timers, the ClientRelayManager
 * for relay choice and failover, and eventemitter3 events named `noun:verb`. Async methods take an
 * AbortSignal.
 */
import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import type { MediaKeys } from '@leitung/session';
import type { MediaGrant } from '@leitung/wire';
import { EventEmitter } from 'eventemitter3';
import { toHex } from '../bytes.js';
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
import { type RelayEntry, relayKey } from '../relays/relay-entry.js';
import { probeRelay, type RelayProbe } from '../relays/relay-prober.js';
import type { RelaySelectorOptions, RelayStatus } from '../relays/relay-selector.js';
import { ControlConnection } from './control-connection.js';
import { type FrameListener, MediaChannel } from './media-channel.js';
import type { MediaTarget } from './media-socket.js';

export interface RelaySwitchedEvent {
  readonly type: 'relay:switched';
  readonly from: RelayEntry | undefined;
  readonly to: RelayEntry;
  /** `failover`: the old relay dropped or stopped answering; `better`: a clearly faster relay (hysteresis). */
  readonly reason: 'failover' | 'better';
}

export interface RelayLostEvent {
  readonly type: 'relay:lost';
  readonly relay: RelayEntry;
  readonly code: string;
}

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
  #registration: Waiter | undefined;
  #timer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #media: { readonly callId: string; readonly channel: MediaChannel } | undefined;
  /** Listeners of every `mediaTransport()`, shared with each call's MediaChannel. */
  readonly #frameListeners = new Set<FrameListener>();
  #persisting: Promise<void> | undefined;
  #persistAgain = false;
  #started = false;
  #closed = false;
  #wasReady = false;
  #reconnecting: Promise<void> | undefined;
  #lastRelay: RelayEntry | undefined;
  #switching = false;
  /** Aborted by close(): ends backoff sleeps and reconnect loops at once. */
  readonly #lifetime = new AbortController();

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
      ...(options.failurePenaltyMs === undefined ? {} : { failurePenaltyMs: options.failurePenaltyMs }),
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
    await this.relays.probeAll();
    throwIfAborted(options.signal);
    const limit = this.#options.startAttempts ?? 3 * this.#options.relays.length;
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#lifetime.signal])
      : this.#lifetime.signal;
    const event = await this.#connectUntilRegistered(signal, limit);
    this.#scheduleProbes();
    return event;
  }

  /** Hangs up, closes every socket and timer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#core.close(this.#now());
    this.#flush();
    this.#closed = true;
    this.#lifetime.abort();
    this.#options.monitor?.stop();
    clearTimeout(this.#timer);
    clearTimeout(this.#probeTimer);
    this.#connection?.close();
    this.#connection = undefined;
    this.#closeMedia();
    this.#registration?.reject(new ClientError(ClientErrorCode.ConnectionClosed, 'client closed'));
    this.#registration = undefined;
    for (const { reject } of this.#commands.values()) {
      reject(new ClientError(ClientErrorCode.ConnectionClosed, 'client closed'));
    }
    this.#commands.clear();
    await this.#reconnecting?.catch(() => undefined);
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

  // ─── connecting and failover ────────────────────────────────────────────────────────────────────────

  async #connectUntilRegistered(
    signal: AbortSignal | undefined,
    limit: number,
  ): Promise<RegistrationCompleteEvent> {
    let attempts = 0;
    let lastError: Error | undefined;
    while (!this.#closed) {
      const relay = this.relays.rank()[0]!;
      try {
        const event = await this.#register(relay, signal);
        this.relays.succeeded(relay);
        return event;
      } catch (error) {
        if (signal?.aborted) throw aborted();
        if (this.#closed) break;
        lastError = error instanceof Error ? error : new Error(String(error));
        this.relays.failed(relay);
        attempts += 1;
        if (attempts >= limit) break;
        await sleep(this.relays.backoff.next(), signal);
      }
    }
    throw new ClientError(ClientErrorCode.NoRelay, 'no relay could be reached and registered with', {
      ...(lastError === undefined ? {} : { cause: lastError }),
    });
  }

  #register(relay: RelayEntry, signal: AbortSignal | undefined): Promise<RegistrationCompleteEvent> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#registration = undefined;
        this.#connection?.close();
        reject(aborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#registration = {
        resolve: (event) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(event);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#core.connect(relay, this.#now());
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
    });
  }

  /** The registered connection was lost: fail over to the next-best relay with backoff (docs/design.md §6). */
  #failover(lost: RelayEntry, code: string): void {
    if (this.#closed || this.#reconnecting) return;
    this.emit('relay:lost', { type: 'relay:lost', relay: lost, code });
    if (!this.#switching) this.relays.failed(lost);
    const reason = this.#switching ? 'better' : 'failover';
    this.#switching = false;
    this.#reconnecting = (async () => {
      try {
        const event = await this.#connectUntilRegistered(this.#lifetime.signal, Number.POSITIVE_INFINITY);
        if (relayKey(event.relay) !== relayKey(lost) || reason === 'better') {
          this.emit('relay:switched', { type: 'relay:switched', from: lost, to: event.relay, reason });
        }
      } catch {
        // Only reached when the client was closed meanwhile.
      } finally {
        this.#reconnecting = undefined;
      }
    })();
  }

  #scheduleProbes(): void {
    const interval = this.#options.probeIntervalMs ?? 30_000;
    if (interval <= 0 || this.#closed) return;
    this.#probeTimer = setTimeout(async () => {
      await this.relays.probeAll();
      if (this.#closed) return;
      const current = this.#core.relay;
      const idle = this.#core.callState === 'idle' || this.#core.callState === 'ended';
      if (current && idle && this.#core.connectionState === 'ready' && !this.#reconnecting) {
        const choice = this.relays.choose(current);
        if (choice && relayKey(choice) !== relayKey(current)) {
          // Hysteresis already applied: the other relay is clearly better. Move while no call is up.
          this.#switching = true;
          this.#connection?.close();
        }
      }
      this.#scheduleProbes();
    }, interval);
    this.#probeTimer.unref();
  }

  // ─── output handling ────────────────────────────────────────────────────────────────────────────────

  #flush(): void {
    for (const output of this.#core.takeOutputs()) this.#apply(output);
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
        this.#wasReady = true;
        this.#lastRelay = event.relay;
        this.#registration?.resolve(event);
        this.#registration = undefined;
        break;
      case 'registration:failed':
        this.#registration?.reject(event.error);
        this.#registration = undefined;
        break;
      case 'connection:state':
        if (event.state === 'closed') {
          this.#registration?.reject(new ClientError(ClientErrorCode.ConnectionClosed, 'connection closed'));
          this.#registration = undefined;
          if (this.#wasReady && !this.#closed && this.#lastRelay) {
            this.#wasReady = false;
            const lost = this.#lastRelay;
            queueMicrotask(() => this.#failover(lost, ClientErrorCode.ConnectionClosed));
          }
        }
        break;
      case 'directory:split-view': {
        // A relay that shows another tree is not used (docs/design.md §4): ranked last like a failed relay.
        const relay = this.relays.relays.find((r) => relayKey(r) === event.relay);
        if (relay) this.relays.failed(relay);
        break;
      }
      default:
        break;
    }
    this.emit(event.type, event as never);
  }

  /**
   * Where the call's media goes: the relay a cluster's MEDIA_GRANT named (looked up by fingerprint in the
   * pinned relay list: never an address from the protocol), else the relay of the control connection.
   */
  #mediaTarget(grant: MediaGrant): MediaTarget | undefined {
    const named = grant.mediaRelay === undefined ? undefined : toHex(grant.mediaRelay);
    const relay =
      named === undefined ? this.#core.relay : this.#options.relays.find((r) => relayKey(r) === named);
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
      onBound: (sessionId) => this.emit('media:bound', { type: 'media:bound', callId, sessionId }),
      onFailed: () => this.#mediaFailed(callId),
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
    this.emit('media:failed', { type: 'media:failed', callId, code: ClientErrorCode.MediaBindFailed });
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
