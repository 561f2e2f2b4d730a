/**
 * The relay's sans-I/O core (docs/design.md §1, §3–§6): connections, the registration handshake, the sealed
 * control channel, the key directory, the phonebook, key lookups, call routing and the protections around
 * them. Inputs are `connectionOpened`, `bytesReceived` / `frameReceived`, `connectionClosed` and `tick`,
 * each with the current time; each returns the {@link RelayOutput}s for the shell (send, close, schedule,
 * event). Clock and randomness are injected (the `now` arguments; the RNG inside `crypto`), so a whole
 * relay runs deterministically in one process in tests. The UDP side is the {@link MediaRouter} in
 * `media`, which the core allocates sessions in and the shell feeds datagrams to.
 *
 * `RelayCore` owns the shared state and routes each input to the module that handles it (docs/relay.md
 * "Architecture"): the connection table, registration and WELCOME, the requests of established clients,
 * the directory service, presence, calls and the cluster adapter. Every rejection is a typed ERROR to that
 * peer (sealed once the channel exists), an event and a counter, and it only ever closes the offending
 * connection.
 */

import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { type ControlMessage, FrameError } from '@leitung/wire';
import type { KeyDirectory } from '../directory/key-directory.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import { type RelayLimits, resolveLimits } from '../limits.js';
import { MediaRouter } from '../media/media-router.js';
import type { ClusterCalls, ForwardedCallMessage } from '../signalling/cluster-calls.js';
import { LocalSignalling, type Signalling } from '../signalling/signalling.js';
import { type BlockPolicy, NOTHING_BLOCKED } from './block-policy.js';
import type { CallParty, CallRouter } from './call-router.js';
import type { ClientRequests } from './client-requests.js';
import type { ClusterAdapter, ClusterTarget } from './cluster-adapter.js';
import { type Connection, clientIdOf, newConnection } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import { connectionDeadlines } from './connection-timeouts.js';
import { assembleCore } from './core-assembly.js';
import { Outbox } from './outbox.js';
import type { CloseReason, ConnectionId, RelayOutput } from './outputs.js';
import type { PresenceNotifier } from './presence-notifier.js';
import type { Registration } from './registration.js';
import { coarseLoad, type RelayLoadFigures } from './relay-load.js';
import { emptyRelayCoreStats, type RelayCoreStats } from './relay-stats.js';
import { fatal, type Refusal, type Replies } from './replies.js';
import type { RequestBuckets } from './request-buckets.js';

export { LOAD_STEP_PERCENT, type RelayLoadFigures } from './relay-load.js';
export type { RelayCoreStats } from './relay-stats.js';

/**
 * What a {@link RelayCore} runs on: the relay's key and crypto, its key directory, limits (defaults:
 * `DEFAULT_LIMITS`), signalling (default: one relay in this process), blocklist, and the relay-cluster
 * switches.
 */
export interface RelayCoreOptions {
  readonly crypto: LeitungCrypto;
  /** The relay's identity key (handshake, tree-head signatures). */
  readonly privateKey: RsaPrivateKey;
  readonly directory: KeyDirectory;
  readonly limits?: Partial<RelayLimits>;
  /** Presence and delivery; {@link LocalSignalling} by default. */
  readonly signalling?: Signalling;
  readonly blocklist?: BlockPolicy;
  /**
   * Relay cluster (docs/operations.md "Relay cluster"): new bindings are appended through the shared log
   * by the shell (`append` output, then `appendCompleted` / `appendRefused`) instead of synchronously.
   */
  readonly asyncAppend?: boolean;
  /**
   * Crypto workers (docs/relay.md "Crypto workers"): the RSA work of registration leaves the core as `key-operation` outputs, answered by `keyOperationCompleted` / `keyOperationRefused`, instead of
   * running inline.
   */
  readonly offloadKeyOperations?: boolean;
  /** Relay cluster: call state shared with the other relays (cross-relay calls and resumption). */
  readonly cluster?: ClusterCalls;
}

const HOUSEKEEPING_INTERVAL_MS = 1000;

/**
 * The relay's sans-I/O core for the control side (docs/relay.md "Architecture"): connections, the registration
 * handshake, the sealed control channel, the key directory, phonebook, lookups, call routing and the
 * protections around them. Each input (`connectionOpened`, `bytesReceived`, `connectionClosed`, `tick`, …)
 * takes the current time and returns the {@link RelayOutput}s for the shell; its `media` is the {@link
 * MediaRouter} the shell feeds datagrams to. `startRelay` wraps one in the Node shell.
 */
export class RelayCore {
  readonly limits: RelayLimits;
  readonly media: MediaRouter;
  readonly stats: RelayCoreStats = emptyRelayCoreStats();
  readonly #directory: KeyDirectory;
  readonly #signalling: Signalling;
  readonly #outbox = new Outbox();
  readonly #connections: ConnectionTable;
  readonly #buckets: RequestBuckets;
  readonly #replies: Replies;
  readonly #calls: CallRouter;
  readonly #presence: PresenceNotifier;
  readonly #registration: Registration;
  readonly #requests: ClientRequests;
  readonly #cluster: ClusterAdapter;
  #blocklist: BlockPolicy;
  #shuttingDown = false;

  constructor(options: RelayCoreOptions) {
    this.limits = resolveLimits(options.limits);
    this.media = newMediaRouter(options.crypto, this.limits);
    this.#directory = options.directory;
    this.#signalling = options.signalling ?? new LocalSignalling();
    this.#blocklist = options.blocklist ?? NOTHING_BLOCKED;
    const modules = assembleCore({
      crypto: options.crypto,
      privateKey: options.privateKey,
      limits: this.limits,
      directory: options.directory,
      signalling: this.#signalling,
      media: this.media,
      stats: this.stats,
      outbox: this.#outbox,
      asyncAppend: options.asyncAppend ?? false,
      offloadKeyOperations: options.offloadKeyOperations ?? false,
      clusterCalls: options.cluster,
      blocklist: () => this.#blocklist,
      publicLoad: () => this.publicLoad(),
      close: (connection, reason) => this.#forget(connection, reason),
    });
    this.#connections = modules.connections;
    this.#buckets = modules.buckets;
    this.#replies = modules.replies;
    this.#calls = modules.calls;
    this.#presence = modules.presence;
    this.#registration = modules.registration;
    this.#requests = modules.requests;
    this.#cluster = modules.cluster;
  }

  /** Open control connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Connections that have not finished the handshake. */
  get unauthenticatedCount(): number {
    return this.#connections.unauthenticatedCount;
  }

  /** Clients with an established channel on this relay. */
  get clientCount(): number {
    return this.#connections.clientCount;
  }

  /** Calls ringing or in progress. */
  get callCount(): number {
    return this.#calls.count;
  }

  get directorySize(): number {
    return this.#directory.size();
  }

  /** Bytes held for a connection's incomplete frame (diagnostic: memory pinned by one peer). */
  bufferedBytes(connId: ConnectionId): number {
    return this.#connections.get(connId)?.decoder.reservedBytes ?? 0;
  }

  /**
   * What PONG reports (docs/protocol.md §4.6, docs/relay.md "Metadata the relay reveals"): no client or
   * call count, only the media load rounded down to a multiple of `LOAD_STEP_PERCENT` (see relay-load.ts).
   * The exact figures are for the operator's metrics ({@link load}), never for the network.
   */
  publicLoad(): RelayLoadFigures {
    return coarseLoad(this.load());
  }

  /** Exact load figures, for the operator (metrics); PONG carries {@link publicLoad}. */
  load(): RelayLoadFigures {
    return {
      clients: this.#connections.clientCount,
      calls: this.#calls.count,
      packetsPerSecond: Math.min(0xffffffff, Math.round(this.media.packetsPerSecond)),
      capacity: Math.min(0xffffffff, Math.round(this.limits.capacityPacketsPerSecond)),
    };
  }

  /** A TCP connection was accepted. Applies the blocklist and the connection caps. */
  connectionOpened(connId: ConnectionId, remoteIp: string, now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      const connection = newConnection(connId, remoteIp, now, this.limits.maxFrameSize);
      const refusal = this.#admission(connection);
      if (refusal !== undefined) {
        // Not registered in any table: the refusal is sent plain and the socket closed.
        this.#replies.refuseAtConnect(connId, connection.remoteIp, refusal);
        return;
      }
      this.#connections.add(connection);
      this.stats.connectionsAccepted++;
      this.#outbox.emit({ type: 'connection:opened', connId, remoteIp: connection.remoteIp });
      this.#outbox.push({ kind: 'schedule', at: now + this.limits.handshakeTimeoutMs });
    });
  }

  /** Bytes arrived on a connection: framing (max size on the header, before buffering), then frames. */
  bytesReceived(connId: ConnectionId, chunk: Uint8Array, now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      const connection = this.#connections.get(connId);
      if (connection === undefined) return;
      let frames: Uint8Array[];
      try {
        frames = connection.decoder.push(chunk);
      } catch (error) {
        const code = error instanceof FrameError ? error.code : RelayErrorCode.Internal;
        this.#replies.refuse(connection, fatal(code, 'framing error'));
        return;
      }
      for (const frame of frames) {
        if (connection.phase.kind === 'closed') return;
        this.#frame(connection, frame, now);
      }
      if (connection.phase.kind === 'closed') return;
      if (!connection.decoder.hasPartialFrame) connection.partialSince = undefined;
      else if (connection.partialSince === undefined) {
        connection.partialSince = now;
        this.#outbox.push({ kind: 'schedule', at: now + this.limits.partialFrameTimeoutMs });
      }
    });
  }

  /** One complete frame payload (for shells that do their own framing, and for tests). */
  frameReceived(connId: ConnectionId, payload: Uint8Array, now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      const connection = this.#connections.get(connId);
      if (connection !== undefined) this.#frame(connection, payload, now);
    });
  }

  /** The peer closed the connection (or the socket failed). */
  connectionClosed(connId: ConnectionId, _now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      const connection = this.#connections.get(connId);
      if (connection !== undefined) this.#forget(connection, 'peer-closed');
    });
  }

  /** Timers: handshake, partial-frame and idle timeouts; ring timeouts; media expiry; load figures. */
  tick(now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      let next = Math.min(now + HOUSEKEEPING_INTERVAL_MS, this.#expireConnections(now));
      const ring = this.#calls.tick(now);
      if (ring !== undefined) next = Math.min(next, ring);
      for (const expired of this.media.expire(now)) {
        this.#outbox.emit({
          type: 'media:released',
          callId: expired.callKey,
          sessionId: expired.sessionId,
          reason: expired.reason,
        });
        this.#calls.mediaExpired(expired.callKey);
      }
      this.media.sampleRate(now);
      this.#buckets.sweep(now);
      this.#outbox.push({ kind: 'schedule', at: next });
    });
  }

  /** Replaces the blocklist (SIGHUP) and closes connections it now blocks. */
  setBlocklist(blocklist: BlockPolicy, _now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      this.#blocklist = blocklist;
      for (const connection of this.#connections.all()) {
        const clientId = clientIdOf(connection);
        if (
          blocklist.isAddressBlocked(connection.remoteIp) ||
          (clientId !== undefined && blocklist.isKeyBlocked(clientId))
        ) {
          this.#replies.refuse(connection, fatal(RelayErrorCode.Blocked, 'blocked'));
        }
      }
    });
  }

  /** Orderly shutdown: every call ends with `relay-shutdown`, every connection is closed. */
  shutdown(_now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      this.#shuttingDown = true;
      this.#calls.shutdown();
      for (const connection of this.#connections.all()) {
        this.#replies.refuse(connection, fatal(RelayErrorCode.ShuttingDown, 'the relay is shutting down'));
      }
    });
  }

  /**
   * Relay cluster: the shell appended the binding of an `appending` connection to the shared log and the
   * local replica holds it now (`created`: false when the log already had this exact binding).
   */
  appendCompleted(connId: ConnectionId, created: boolean, _now: number): RelayOutput[] {
    return this.#outbox.run(() => this.#registration.appendCompleted(connId, created));
  }

  /** Relay cluster: the shared log refused the binding (RELAY_ERR_NAME_TAKEN, …) or could not be reached. */
  appendRefused(connId: ConnectionId, code: string, message: string, _now: number): RelayOutput[] {
    return this.#outbox.run(() => this.#registration.appendRefused(connId, code, message));
  }

  /**
   * Crypto workers: the result of the connection's `key-operation` output — the plaintext, or the sealed challenge —
   * `opened` undefined when the operation failed (docs/relay.md "Crypto workers"). The core takes ownership of
   * `opened` and wipes what is secret in it.
   */
  keyOperationCompleted(connId: ConnectionId, opened: Uint8Array | undefined, now: number): RelayOutput[] {
    return this.#outbox.run(() => {
      const connection = this.#connections.get(connId);
      try {
        this.#registration.keyOperationCompleted(connId, opened, now);
      } catch (error) {
        // As in #frame: a bug or a storage failure while handling one peer must not take the relay down.
        const code = error instanceof RelayError ? error.code : RelayErrorCode.Internal;
        if (connection !== undefined && connection.phase.kind !== 'closed') {
          this.#replies.refuse(connection, fatal(code, 'internal error'));
        }
      }
    });
  }

  /**
   * Crypto workers: the connection's `key-operation` could not run — `RELAY_ERR_CRYPTO_BUSY` (queue full) or
   * `RELAY_ERR_CRYPTO_WORKER_LOST` (its worker died); the handshake is refused with that code.
   */
  keyOperationRefused(
    connId: ConnectionId,
    code: RelayErrorCode,
    message: string,
    _now: number,
  ): RelayOutput[] {
    return this.#outbox.run(() => this.#registration.keyOperationRefused(connId, code, message));
  }

  /**
   * Relay cluster: a call message of a client held by another relay, forwarded to this relay because
   * this relay carries the call (docs/operations.md "Relay cluster"). `party` is the identity the other
   * relay authenticated; a refusal goes back to that client as a non-fatal ERROR.
   */
  forwardedCallMessage(party: CallParty, message: ForwardedCallMessage, now: number): RelayOutput[] {
    return this.#outbox.run(() => this.#cluster.forwardedCallMessage(party, message, now));
  }

  /**
   * Relay cluster: a message another relay sent for a client of this relay, or for all except one. Presence
   * changes pass this relay's half of the mutual-watch rule (docs/protocol.md "Presence"); a broadcast
   * never carries presence.
   */
  clusterDelivery(target: ClusterTarget, message: ControlMessage, _now: number): RelayOutput[] {
    return this.#outbox.run(() => this.#cluster.delivery(target, message));
  }

  /** Relay cluster: the clients of a relay that died are offline; whoever saw them online is told. */
  remoteClientsOffline(clientIds: readonly string[], _now: number): RelayOutput[] {
    return this.#outbox.run(() => this.#cluster.remoteClientsOffline(clientIds));
  }

  /**
   * Why a new connection is refused at connect, if it is: shutdown, blocklist, the per-address caps, or a
   * full handshake table with nobody that fair eviction may displace (docs/relay.md "Handshake slots").
   */
  #admission(connection: Connection): Refusal | undefined {
    if (this.#shuttingDown) return fatal(RelayErrorCode.ShuttingDown, 'the relay is shutting down');
    if (this.#blocklist.isAddressBlocked(connection.remoteIp)) {
      return fatal(RelayErrorCode.Blocked, 'this address is blocked');
    }
    if (this.#connections.addressFull(connection.addressKey)) {
      return fatal(RelayErrorCode.TooManyConnections, 'too many connections from this address');
    }
    if (this.#connections.handshakesFull()) {
      const victim = this.#connections.evictionCandidate();
      if (victim === undefined)
        return fatal(RelayErrorCode.TooManyConnections, 'too many handshakes in progress');
      this.#replies.refuse(victim, fatal(RelayErrorCode.Evicted, 'too many handshakes in progress'));
    }
    return undefined;
  }

  /** Closes connections whose timeout passed; returns the earliest deadline still ahead. */
  #expireConnections(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const connection of this.#connections.all()) {
      const deadlines = connectionDeadlines(connection, this.limits);
      const due = deadlines.find((deadline) => now >= deadline.at);
      if (due !== undefined) {
        this.#replies.refuse(connection, fatal(due.code, 'timeout'));
        continue;
      }
      for (const deadline of deadlines) next = Math.min(next, deadline.at);
    }
    return next;
  }

  #frame(connection: Connection, payload: Uint8Array, now: number): void {
    this.stats.framesReceived++;
    connection.lastFrameAt = now;
    const phase = connection.phase;
    try {
      switch (phase.kind) {
        case 'awaiting-register':
          this.#registration.awaitingRegister(connection, payload, now);
          return;
        case 'challenged':
          this.#registration.challenged(connection, phase, payload, now);
          return;
        case 'established':
          this.#requests.sealedFrame(connection, phase, payload, now);
          return;
        case 'opening':
        case 'sealing':
        case 'proving':
          // The client waits for CHALLENGE or WELCOME; nothing else is expected before it.
          this.#replies.refuse(connection, fatal(RelayErrorCode.UnexpectedMessage, 'handshake in progress'));
          return;
        case 'appending':
          // The client waits for WELCOME; nothing else is expected before it.
          this.#replies.refuse(connection, fatal(RelayErrorCode.UnexpectedMessage, 'WELCOME not sent yet'));
          return;
        case 'closed':
          return;
      }
    } catch (error) {
      // A bug or a storage failure while handling one peer must not take the relay down.
      const code = error instanceof RelayError ? error.code : RelayErrorCode.Internal;
      if (connection.phase.kind !== 'closed') this.#replies.refuse(connection, fatal(code, 'internal error'));
    }
  }

  /** Removes every trace of a connection; presence, calls and media of its client end with it. */
  #forget(connection: Connection, reason: CloseReason): void {
    const phase = connection.phase;
    if (phase.kind === 'closed') return;
    const clientId = clientIdOf(connection);
    connection.phase = { kind: 'closed' };
    const heldClient = this.#connections.remove(
      connection,
      phase.kind === 'established' ? phase.clientId : undefined,
    );
    if (phase.kind === 'established' && heldClient) {
      this.#signalling.detach(phase.clientId, phase.deliver);
      this.#calls.clientGone(phase.clientId);
      this.#outbox.emit({ type: 'client:offline', clientId: phase.clientId, name: phase.name });
      this.#presence.left(phase.clientId);
    }
    if (phase.kind === 'established' || phase.kind === 'appending') phase.channel.destroy();
    this.#outbox.push({ kind: 'close', connId: connection.id, reason });
    this.#outbox.emit({
      type: 'connection:closed',
      connId: connection.id,
      reason,
      ...(clientId === undefined ? {} : { clientId }),
    });
  }
}

/** The media router a relay with these limits runs (also the media worker's replica, docs/relay.md "Media worker"). */
export function newMediaRouter(crypto: LeitungCrypto, limits: RelayLimits): MediaRouter {
  return new MediaRouter({
    crypto,
    maxPacketSize: limits.maxMediaPacketSize,
    packetsPerSide: limits.mediaPacketsPerSide,
    unconfirmedControlPerSession: limits.mediaUnconfirmedControlPerSession,
    bindTimeoutMs: limits.mediaBindTimeoutMs,
    idleTimeoutMs: limits.mediaIdleTimeoutMs,
    maxSessions: limits.maxMediaSessions,
  });
}
