/**
 * The relay's sans-I/O core (docs/design.md §1, §3–§6): connections, the registration handshake, the sealed
 * control channel, the key directory, the phonebook, key lookups, call routing and the protections around
 * them. Inputs are `connectionOpened`, `bytesReceived` / `frameReceived`, `connectionClosed` and `tick`,
 * each with the current time; each returns the {@link RelayOutput}s for the shell (send, close, schedule,
 * event). Clock and randomness are injected (the `now` arguments; the RNG inside `crypto`), so a whole
 * relay runs deterministically in one process in tests. The UDP side is the {@link MediaRouter} in
 * `media`, which the core allocates sessions in and the shell feeds datagrams to.
 *
 * Every rejection is a typed ERROR to that peer (sealed once the channel exists), an event and a counter,
 * and it only ever closes the offending connection.
 */

import { CryptoError, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import { openSealedRegister, RelayHandshake, type SealedChannel, SessionError } from '@leitung/session';
import {
  type Contact,
  type ControlMessage,
  type DirectoryEntry,
  decodeMessage,
  encodeMessage,
  FrameDecoder,
  FrameError,
  MESSAGE_SENDER,
  type PhonebookPage,
  WireError,
} from '@leitung/wire';
import type { KeyDirectory } from '../directory/key-directory.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import { fromHex, toHex } from '../hex.js';
import { type RelayLimits, resolveLimits } from '../limits.js';
import { MediaRouter } from '../media/media-router.js';
import { addressKey } from '../protection/address-key.js';
import { RegistrationBudget } from '../protection/registration-budget.js';
import { KeyedRateLimiter } from '../protection/token-bucket.js';
import type { ClusterCalls, ForwardedCallMessage } from '../signalling/cluster-calls.js';
import { LocalSignalling, type Signalling } from '../signalling/signalling.js';
import { type BlockPolicy, NOTHING_BLOCKED } from './block-policy.js';
import { type CallParty, type CallRefusal, CallRouter } from './call-router.js';
import { type Connection, type ConnectionPhase, clientIdOf } from './connection.js';
import type { CloseReason, ConnectionId, RelayEvent, RelayOutput } from './outputs.js';
import { PresenceTable } from './presence-table.js';

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
  /** Relay cluster: call state shared with the other relays (cross-relay calls and resumption). */
  readonly cluster?: ClusterCalls;
}

/** Plain counters the metrics read (cheap to keep; no library in the core). */
export interface RelayCoreStats {
  connectionsAccepted: number;
  framesReceived: number;
  handshakesCompleted: number;
  registrations: number;
  logins: number;
  callsRequested: number;
  /** Rejections by code (every ERROR the relay sent and every refused connection). */
  readonly refusals: Map<string, number>;
}

/** The relay's load figures (exact from {@link RelayCore.load}, coarse in PONG: docs/protocol.md §4.6). */
export interface RelayLoadFigures {
  readonly clients: number;
  readonly calls: number;
  readonly packetsPerSecond: number;
  readonly capacity: number;
}

interface IpCount {
  total: number;
  unauthenticated: number;
}

interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
  readonly requestId?: number | undefined;
}

type BucketName =
  | 'handshakesPerIp'
  | 'handshakesPerIdentity'
  | 'lookupsPerIp'
  | 'lookupsPerIdentity'
  | 'callsPerIp'
  | 'callsPerIdentity'
  | 'presenceWatchesPerIdentity';

const HOUSEKEEPING_INTERVAL_MS = 1000;
/** PONG's load granularity in percent (docs/protocol.md §4.6). */
export const LOAD_STEP_PERCENT = 5;
const SWEEP_INTERVAL_MS = 10_000;
/** Encoded bytes of a directory entry besides its key and rotation signature (ids, name, lengths, times). */
const ENTRY_OVERHEAD_BYTES = 160;
/** Room a CHALLENGE needs besides its directory: relay key, nonces, sealed challenge, head, proof. */
const CHALLENGE_ROOM_BYTES = 8 * 1024;

export class RelayCore {
  readonly limits: RelayLimits;
  readonly media: MediaRouter;
  readonly stats: RelayCoreStats = {
    connectionsAccepted: 0,
    framesReceived: 0,
    handshakesCompleted: 0,
    registrations: 0,
    logins: 0,
    callsRequested: 0,
    refusals: new Map(),
  };
  readonly #crypto: LeitungCrypto;
  readonly #privateKey: RsaPrivateKey;
  readonly #directory: KeyDirectory;
  readonly #signalling: Signalling;
  readonly #calls: CallRouter;
  readonly #connections = new Map<ConnectionId, Connection>();
  /** Connections before WELCOME, oldest first (Map keeps insertion order). */
  readonly #unauthenticated = new Map<ConnectionId, Connection>();
  readonly #established = new Map<string, Connection>();
  readonly #perIp = new Map<string, IpCount>();
  readonly #presence = new PresenceTable();
  readonly #buckets: Record<BucketName, KeyedRateLimiter>;
  readonly #budget: RegistrationBudget;
  #blocklist: BlockPolicy;
  #out: RelayOutput[] = [];
  #smallList: { size: number; entries: DirectoryEntry[] | undefined } | undefined;
  #lastSweep = 0;
  #shuttingDown = false;
  readonly #asyncAppend: boolean;

  constructor(options: RelayCoreOptions) {
    this.limits = resolveLimits(options.limits);
    this.#crypto = options.crypto;
    this.#privateKey = options.privateKey;
    this.#directory = options.directory;
    this.#signalling = options.signalling ?? new LocalSignalling();
    this.#blocklist = options.blocklist ?? NOTHING_BLOCKED;
    this.#asyncAppend = options.asyncAppend ?? false;
    const limits = this.limits;
    this.media = new MediaRouter({
      crypto: options.crypto,
      maxPacketSize: limits.maxMediaPacketSize,
      packetsPerSide: limits.mediaPacketsPerSide,
      unconfirmedControlPerSession: limits.mediaUnconfirmedControlPerSession,
      bindTimeoutMs: limits.mediaBindTimeoutMs,
      idleTimeoutMs: limits.mediaIdleTimeoutMs,
      maxSessions: limits.maxMediaSessions,
    });
    this.#calls = new CallRouter({
      media: this.media,
      signalling: this.#signalling,
      limits,
      emit: (event) => this.#emit(event),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    });
    const bucket = (key: BucketName) => new KeyedRateLimiter(limits[key], limits.maxBucketKeys);
    this.#buckets = {
      handshakesPerIp: bucket('handshakesPerIp'),
      handshakesPerIdentity: bucket('handshakesPerIdentity'),
      lookupsPerIp: bucket('lookupsPerIp'),
      lookupsPerIdentity: bucket('lookupsPerIdentity'),
      callsPerIp: bucket('callsPerIp'),
      callsPerIdentity: bucket('callsPerIdentity'),
      presenceWatchesPerIdentity: bucket('presenceWatchesPerIdentity'),
    };
    // Starts full: a bucket created at time 0 is at its burst for any later `now`.
    this.#budget = new RegistrationBudget(limits, 0);
  }

  /** Open control connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Connections that have not finished the handshake. */
  get unauthenticatedCount(): number {
    return this.#unauthenticated.size;
  }

  /** Clients with an established channel on this relay. */
  get clientCount(): number {
    return this.#established.size;
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
   * call count, only the media load as a percentage rounded down to a multiple of {@link LOAD_STEP_PERCENT}
   * (`packetsPerSecond` = that percentage, `capacity` = 100) — enough for relay selection's 80 % rule, too
   * coarse to watch one client come and go or one call start. The exact figures are for the operator's
   * metrics ({@link load}), never for the network.
   */
  publicLoad(): RelayLoadFigures {
    const exact = this.load();
    const percent = exact.capacity === 0 ? 100 : (exact.packetsPerSecond / exact.capacity) * 100;
    const bucket = Math.min(255, Math.floor(percent / LOAD_STEP_PERCENT) * LOAD_STEP_PERCENT);
    return { clients: 0, calls: 0, packetsPerSecond: bucket, capacity: 100 };
  }

  /** Exact load figures, for the operator (metrics); PONG carries {@link publicLoad}. */
  load(): RelayLoadFigures {
    return {
      clients: this.#established.size,
      calls: this.#calls.count,
      packetsPerSecond: Math.min(0xffffffff, Math.round(this.media.packetsPerSecond)),
      capacity: Math.min(0xffffffff, Math.round(this.limits.capacityPacketsPerSecond)),
    };
  }

  /** A TCP connection was accepted. Applies the blocklist and the connection caps. */
  connectionOpened(connId: ConnectionId, remoteIp: string, now: number): RelayOutput[] {
    return this.#run(() => {
      const ip = plainIp(remoteIp);
      const slots = addressKey(ip);
      const connection: Connection = {
        id: connId,
        remoteIp: ip,
        addressKey: slots,
        openedAt: now,
        decoder: new FrameDecoder({ maxFrameSize: this.limits.maxFrameSize }),
        lastFrameAt: now,
        partialSince: undefined,
        phase: { kind: 'awaiting-register' },
      };
      const count = this.#perIp.get(slots) ?? { total: 0, unauthenticated: 0 };
      const refusal = this.#shuttingDown
        ? fatal(RelayErrorCode.ShuttingDown, 'the relay is shutting down')
        : this.#blocklist.isAddressBlocked(ip)
          ? fatal(RelayErrorCode.Blocked, 'this address is blocked')
          : count.total >= this.limits.maxConnectionsPerIp ||
              count.unauthenticated >= this.limits.maxUnauthenticatedPerIp
            ? fatal(RelayErrorCode.TooManyConnections, 'too many connections from this address')
            : this.#unauthenticated.size >= this.limits.maxUnauthenticated && !this.#evictIdleHandshake()
              ? fatal(RelayErrorCode.TooManyConnections, 'too many handshakes in progress')
              : undefined;
      if (refusal !== undefined) {
        // Not registered in any table: the refusal is sent plain and the socket closed.
        this.#count(refusal.code);
        this.#emit({ type: 'request:refused', connId, code: refusal.code, remoteIp: ip });
        this.#out.push({ kind: 'send', connId, payload: errorPayload(refusal) });
        this.#out.push({ kind: 'close', connId, reason: refusal.code as CloseReason });
        return;
      }
      count.total++;
      count.unauthenticated++;
      this.#perIp.set(slots, count);
      this.#connections.set(connId, connection);
      this.#unauthenticated.set(connId, connection);
      this.stats.connectionsAccepted++;
      this.#emit({ type: 'connection:opened', connId, remoteIp: ip });
      this.#out.push({ kind: 'schedule', at: now + this.limits.handshakeTimeoutMs });
    });
  }

  /** Bytes arrived on a connection: framing (max size on the header, before buffering), then frames. */
  bytesReceived(connId: ConnectionId, chunk: Uint8Array, now: number): RelayOutput[] {
    return this.#run(() => {
      const connection = this.#connections.get(connId);
      if (connection === undefined) return;
      let frames: Uint8Array[];
      try {
        frames = connection.decoder.push(chunk);
      } catch (error) {
        const code = error instanceof FrameError ? error.code : RelayErrorCode.Internal;
        this.#refuse(connection, fatal(code, 'framing error'));
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
        this.#out.push({ kind: 'schedule', at: now + this.limits.partialFrameTimeoutMs });
      }
    });
  }

  /** One complete frame payload (for shells that do their own framing, and for tests). */
  frameReceived(connId: ConnectionId, payload: Uint8Array, now: number): RelayOutput[] {
    return this.#run(() => {
      const connection = this.#connections.get(connId);
      if (connection !== undefined) this.#frame(connection, payload, now);
    });
  }

  /** The peer closed the connection (or the socket failed). */
  connectionClosed(connId: ConnectionId, _now: number): RelayOutput[] {
    return this.#run(() => {
      const connection = this.#connections.get(connId);
      if (connection !== undefined) this.#forget(connection, 'peer-closed');
    });
  }

  /** Timers: handshake, partial-frame and idle timeouts; ring timeouts; media expiry; load figures. */
  tick(now: number): RelayOutput[] {
    return this.#run(() => {
      let next = now + HOUSEKEEPING_INTERVAL_MS;
      const limits = this.limits;
      for (const connection of [...this.#connections.values()]) {
        const phase = connection.phase;
        const deadlines: [number, RelayErrorCode][] = [];
        if (phase.kind === 'awaiting-register' || phase.kind === 'challenged' || phase.kind === 'appending') {
          deadlines.push([connection.openedAt + limits.handshakeTimeoutMs, RelayErrorCode.HandshakeTimeout]);
        } else if (phase.kind === 'established') {
          deadlines.push([connection.lastFrameAt + limits.idleTimeoutMs, RelayErrorCode.IdleTimeout]);
        }
        if (connection.partialSince !== undefined) {
          deadlines.push([
            connection.partialSince + limits.partialFrameTimeoutMs,
            RelayErrorCode.PartialFrameTimeout,
          ]);
        }
        const due = deadlines.find(([at]) => now >= at);
        if (due !== undefined) {
          this.#refuse(connection, fatal(due[1], 'timeout'));
          continue;
        }
        for (const [at] of deadlines) next = Math.min(next, at);
      }
      const ring = this.#calls.tick(now);
      if (ring !== undefined) next = Math.min(next, ring);
      for (const expired of this.media.expire(now)) {
        this.#emit({
          type: 'media:released',
          callId: expired.callKey,
          sessionId: expired.sessionId,
          reason: expired.reason,
        });
        this.#calls.mediaExpired(expired.callKey);
      }
      this.media.sampleRate(now);
      if (now - this.#lastSweep >= SWEEP_INTERVAL_MS) {
        this.#lastSweep = now;
        for (const limiter of Object.values(this.#buckets)) limiter.sweep(now);
      }
      this.#out.push({ kind: 'schedule', at: next });
    });
  }

  /** Replaces the blocklist (SIGHUP) and closes connections it now blocks. */
  setBlocklist(blocklist: BlockPolicy, _now: number): RelayOutput[] {
    return this.#run(() => {
      this.#blocklist = blocklist;
      for (const connection of [...this.#connections.values()]) {
        const clientId = clientIdOf(connection);
        if (
          blocklist.isAddressBlocked(connection.remoteIp) ||
          (clientId !== undefined && blocklist.isKeyBlocked(clientId))
        ) {
          this.#refuse(connection, fatal(RelayErrorCode.Blocked, 'blocked'));
        }
      }
    });
  }

  /** Orderly shutdown: every call ends with `relay-shutdown`, every connection is closed. */
  shutdown(_now: number): RelayOutput[] {
    return this.#run(() => {
      this.#shuttingDown = true;
      this.#calls.shutdown();
      for (const connection of [...this.#connections.values()]) {
        this.#refuse(connection, fatal(RelayErrorCode.ShuttingDown, 'the relay is shutting down'));
      }
    });
  }

  /**
   * The handshake table is full (docs/relay.md "Handshake slots"): a newcomer may only displace a connection
   * that has progressed no further than itself — one still waiting for its REGISTER — taken from the address
   * that holds the most handshake slots (the oldest of that address). A connection that has been sent
   * CHALLENGE is never evicted; it keeps its handshake timeout. False when nothing may be evicted.
   */
  #evictIdleHandshake(): boolean {
    let victim: Connection | undefined;
    let victimSlots = 0;
    for (const candidate of this.#unauthenticated.values()) {
      if (candidate.phase.kind !== 'awaiting-register') continue;
      const held = this.#perIp.get(candidate.addressKey)?.unauthenticated ?? 0;
      // Oldest first (insertion order): a later connection only wins with strictly more slots.
      if (held > victimSlots) {
        victim = candidate;
        victimSlots = held;
      }
    }
    if (victim === undefined) return false;
    this.#refuse(victim, fatal(RelayErrorCode.Evicted, 'too many handshakes in progress'));
    return true;
  }

  #run(fn: () => void): RelayOutput[] {
    fn();
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #emit(event: RelayEvent): void {
    this.#out.push({ kind: 'event', event });
  }

  #count(code: string): void {
    this.stats.refusals.set(code, (this.stats.refusals.get(code) ?? 0) + 1);
  }

  #frame(connection: Connection, payload: Uint8Array, now: number): void {
    this.stats.framesReceived++;
    connection.lastFrameAt = now;
    const phase = connection.phase;
    try {
      switch (phase.kind) {
        case 'awaiting-register':
          this.#awaitingRegister(connection, payload, now);
          return;
        case 'challenged':
          this.#challenged(connection, phase, payload, now);
          return;
        case 'established':
          this.#onSealedFrame(connection, phase, payload, now);
          return;
        case 'appending':
          // The client waits for WELCOME; nothing else is expected before it.
          this.#refuse(connection, fatal(RelayErrorCode.UnexpectedMessage, 'WELCOME not sent yet'));
          return;
        case 'closed':
          return;
      }
    } catch (error) {
      // A bug or a storage failure while handling one peer must not take the relay down.
      const code = error instanceof RelayError ? error.code : RelayErrorCode.Internal;
      if (connection.phase.kind !== 'closed') this.#refuse(connection, fatal(code, 'internal error'));
    }
  }

  // ---- handshake (docs/design.md §3, docs/session-protocol.md §1) ----

  #awaitingRegister(connection: Connection, payload: Uint8Array, now: number): void {
    const message = this.#decodePlain(connection, payload);
    if (message === undefined) return;
    switch (message.type) {
      case 'PING':
        // Clients probe relays they are not registered on (docs/design.md §6): PING is allowed unsealed here.
        if (!this.#buckets.lookupsPerIp.take(connection.remoteIp, now)) {
          this.#refuse(connection, {
            code: RelayErrorCode.RateLimited,
            message: 'too many requests',
            fatal: false,
          });
          return;
        }
        this.#out.push({
          kind: 'send',
          connId: connection.id,
          payload: encodeMessage({ type: 'PONG', nonce: message.nonce, load: this.publicLoad() }),
        });
        return;
      case 'REGISTER':
        this.#register(connection, payload, message.name, message.publicKey, message.knownTreeSize, now);
        return;
      case 'REGISTER_SEALED': {
        // Opening costs an RSA decryption: the per-address handshake bucket is charged first.
        if (!this.#buckets.handshakesPerIp.take(connection.remoteIp, now)) {
          this.#refuse(
            connection,
            fatal(RelayErrorCode.RateLimited, 'too many registrations from this address'),
          );
          return;
        }
        let opened: ReturnType<typeof openSealedRegister>;
        try {
          opened = openSealedRegister(this.#crypto, this.#privateKey, message.sealed);
        } catch (error) {
          if (!(error instanceof SessionError)) throw error;
          this.#refuse(
            connection,
            fatal(RelayErrorCode.RegisterInvalid, 'the sealed REGISTER does not open'),
          );
          return;
        }
        const { register, bytes } = opened;
        this.#register(
          connection,
          bytes,
          register.name,
          register.publicKey,
          register.knownTreeSize,
          now,
          true,
        );
        return;
      }
      default:
        this.#refuse(connection, fatal(RelayErrorCode.UnexpectedMessage, 'REGISTER expected'));
    }
  }

  #register(
    connection: Connection,
    payload: Uint8Array,
    name: string,
    publicKey: Uint8Array,
    knownTreeSize: number,
    now: number,
    ipCharged = false,
  ): void {
    if (!ipCharged && !this.#buckets.handshakesPerIp.take(connection.remoteIp, now)) {
      this.#refuse(connection, fatal(RelayErrorCode.RateLimited, 'too many registrations from this address'));
      return;
    }
    const clientId = toHex(this.#crypto.sha3_256(publicKey));
    if (this.#blocklist.isKeyBlocked(clientId)) {
      this.#refuse(connection, fatal(RelayErrorCode.Blocked, 'this key is blocked'));
      return;
    }
    if (!this.#buckets.handshakesPerIdentity.take(clientId, now)) {
      this.#refuse(connection, fatal(RelayErrorCode.RateLimited, 'too many registrations for this key'));
      return;
    }
    try {
      const plan = this.#directory.plan(name, publicKey);
      // Checked here without charging (no RSA work for an exhausted budget); charged at commit (§1).
      if (plan.kind === 'new') this.#checkBudget(connection.remoteIp, now, false);
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      this.#refuse(connection, fatal(error.code, error.message));
      return;
    }
    const handshake = new RelayHandshake({ crypto: this.#crypto, privateKey: this.#privateKey });
    let challenge: Uint8Array | undefined;
    try {
      handshake.onRegister(payload);
      const treeHead = this.#directory.treeHead();
      const size = treeHead.size;
      const consistencyProof =
        knownTreeSize > 0 && knownTreeSize < size
          ? this.#directory.consistencyProof(knownTreeSize, size)
          : [];
      const directory = size <= this.limits.directoryListMaxEntries ? this.#smallDirectory(size) : undefined;
      challenge = handshake.challenge({ treeHead, consistencyProof, directory });
      connection.phase = { kind: 'challenged', handshake, name, publicKey, clientId, challengeSize: size };
    } catch (error) {
      // A key the crypto layer refuses (not RSA-4096/65537, even modulus, small factor…) is a typed refusal,
      // never RELAY_ERR_INTERNAL (docs/session-protocol.md §1).
      if (
        !(error instanceof SessionError) &&
        !(error instanceof WireError) &&
        !(error instanceof CryptoError)
      )
        throw error;
      this.#refuse(
        connection,
        fatal(RelayErrorCode.RegisterInvalid, 'the key is not an acceptable RSA-4096 public key'),
      );
      return;
    }
    this.#out.push({ kind: 'send', connId: connection.id, payload: challenge });
  }

  /**
   * Registration budgets (docs/relay.md): RELAY_ERR_REGISTRATION_BUDGET with a retry hint when a new
   * binding from this network or the relay as a whole is over budget; `charge` takes the token.
   */
  #checkBudget(remoteIp: string, now: number, charge: boolean): void {
    const waitMs = this.#budget.waitMs(remoteIp, now);
    if (waitMs > 0 || (charge && !this.#budget.take(remoteIp, now))) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new RelayError(RelayErrorCode.RegistrationBudget, `too many new names; retry after ${seconds} s`);
    }
  }

  #challenged(
    connection: Connection,
    phase: Extract<ConnectionPhase, { kind: 'challenged' }>,
    payload: Uint8Array,
    now: number,
  ): void {
    let channel: ReturnType<RelayHandshake['onProve']>;
    try {
      channel = phase.handshake.onProve(payload);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      // One answer for every failure: no oracle on the OAEP decryption (docs/lessons.md #5).
      this.#refuse(connection, fatal(RelayErrorCode.ProofFailed, 'identity proof failed'));
      return;
    }
    let entry: DirectoryEntry;
    let created: boolean;
    try {
      if (this.#established.size >= this.limits.maxClients && !this.#established.has(phase.clientId)) {
        throw new RelayError(RelayErrorCode.TooManyConnections, 'the relay is full');
      }
      // Only now, with PROVE's key confirmation verified, is anything committed (docs/session-protocol.md §1).
      const plan = this.#directory.plan(phase.name, phase.publicKey);
      if (plan.kind === 'new') this.#checkBudget(connection.remoteIp, now, true);
      if (this.#asyncAppend) {
        if (plan.kind === 'new') {
          // Cluster: the shared log decides (atomically, across relays) whether this binding is appended.
          connection.phase = {
            kind: 'appending',
            channel,
            name: phase.name,
            publicKey: phase.publicKey,
            clientId: phase.clientId,
            challengeSize: phase.challengeSize,
          };
          this.#out.push({
            kind: 'append',
            connId: connection.id,
            name: plan.name,
            publicKey: phase.publicKey,
            time: now,
          });
          return;
        }
        ({ entry, created } = { entry: plan.entry, created: false });
      } else {
        ({ entry, created } = this.#directory.register(phase.name, phase.publicKey, now));
      }
    } catch (error) {
      channel.destroy();
      if (!(error instanceof RelayError)) throw error;
      this.#refuse(connection, fatal(error.code, error.message));
      return;
    }
    this.#welcome(
      connection,
      { channel, clientId: phase.clientId, challengeSize: phase.challengeSize },
      entry,
      created,
    );
  }

  /**
   * Relay cluster: the shell appended the binding of an `appending` connection to the shared log and the
   * local replica holds it now (`created`: false when the log already had this exact binding).
   */
  appendCompleted(connId: ConnectionId, created: boolean, _now: number): RelayOutput[] {
    return this.#run(() => {
      const connection = this.#connections.get(connId);
      const phase = connection?.phase;
      if (connection === undefined || phase?.kind !== 'appending') return;
      const entry = this.#directory.entryByClientId(this.#crypto.sha3_256(phase.publicKey));
      if (entry === undefined) {
        phase.channel.destroy();
        this.#refuse(connection, fatal(RelayErrorCode.Storage, 'the appended entry is missing'));
        return;
      }
      this.#welcome(connection, phase, entry, created);
    });
  }

  /** Relay cluster: the shared log refused the binding (RELAY_ERR_NAME_TAKEN, …) or could not be reached. */
  appendRefused(connId: ConnectionId, code: string, message: string, _now: number): RelayOutput[] {
    return this.#run(() => {
      const connection = this.#connections.get(connId);
      const phase = connection?.phase;
      if (connection === undefined || phase?.kind !== 'appending') return;
      phase.channel.destroy();
      this.#refuse(connection, fatal(code, message));
    });
  }

  /**
   * Relay cluster: a call message of a client held by another relay, forwarded to this relay because
   * this relay carries the call (docs/operations.md "Relay cluster"). `party` is the identity the other
   * relay authenticated; a refusal goes back to that client as a non-fatal ERROR.
   */
  forwardedCallMessage(party: CallParty, message: ForwardedCallMessage, now: number): RelayOutput[] {
    return this.#run(() => {
      let refusal: CallRefusal;
      switch (message.type) {
        case 'CALL_RESPONSE':
          refusal = this.#calls.respond(party, message, now);
          break;
        case 'CALL_END':
          refusal = this.#calls.end(party, message);
          break;
        case 'CALL_RESUME':
          refusal = this.#calls.resume(party, message, now, true);
          break;
      }
      if (refusal !== undefined) {
        this.#count(refusal.code);
        this.#signalling.deliver(party.clientId, {
          type: 'ERROR',
          code: refusal.code,
          message: refusal.message,
          fatal: false,
        });
      }
    });
  }

  /**
   * Relay cluster: a message another relay sent for a client of this relay, or for all except one. Presence
   * changes pass this relay's half of the mutual-watch rule (docs/protocol.md "Presence"); a broadcast
   * never carries presence.
   */
  clusterDelivery(
    target: { readonly clientId: string } | { readonly except: string | undefined },
    message: ControlMessage,
    _now: number,
  ): RelayOutput[] {
    return this.#run(() => {
      if ('clientId' in target) {
        const connection = this.#established.get(target.clientId);
        if (connection === undefined) return;
        if (message.type !== 'PHONEBOOK_DELTA') {
          this.#sendSealed(connection, message);
          return;
        }
        for (const change of message.changes) {
          if (change.kind === 'added')
            this.#sendSealed(connection, { type: 'PHONEBOOK_DELTA', changes: [change] });
          else this.#presenceHere(target.clientId, toHex(change.contact.clientId), change.kind === 'online');
        }
        return;
      }
      const forward =
        message.type === 'PHONEBOOK_DELTA'
          ? { ...message, changes: message.changes.filter((change) => change.kind === 'added') }
          : message;
      if (forward.type === 'PHONEBOOK_DELTA' && forward.changes.length === 0) return;
      for (const [clientId, connection] of this.#established) {
        if (clientId !== target.except) this.#sendSealed(connection, forward);
      }
    });
  }

  /** Relay cluster: the clients of a relay that died are offline; whoever saw them online is told. */
  remoteClientsOffline(clientIds: readonly string[], _now: number): RelayOutput[] {
    return this.#run(() => {
      for (const clientId of clientIds) {
        if (this.#signalling.isOnline(clientId)) continue;
        for (const recipient of this.#presence.toldAbout(clientId))
          this.#presenceHere(recipient, clientId, false);
      }
    });
  }

  #welcome(
    connection: Connection,
    phase: { readonly channel: SealedChannel; readonly clientId: string; readonly challengeSize: number },
    entry: DirectoryEntry,
    created: boolean,
  ): void {
    const channel = phase.channel;
    const previous = this.#established.get(phase.clientId);
    if (previous !== undefined) {
      // The same identity logged in again (e.g. after a network change): the newest connection wins.
      this.#refuse(previous, fatal(RelayErrorCode.Replaced, 'this identity connected again elsewhere'));
    }
    const clientIdBytes = entry.clientId;
    const deliver = (message: ControlMessage) => this.#sendSealed(connection, message);
    connection.phase = {
      kind: 'established',
      channel,
      clientId: phase.clientId,
      clientIdBytes,
      name: entry.name,
      deliver,
    };
    this.#unauthenticated.delete(connection.id);
    const count = this.#perIp.get(connection.addressKey);
    if (count !== undefined) count.unauthenticated--;
    this.#established.set(phase.clientId, connection);
    // A new connection watches nobody until its PRESENCE_WATCH (docs/protocol.md "Presence").
    this.#presence.join(phase.clientId);
    this.stats.handshakesCompleted++;
    if (created) this.stats.registrations++;
    else this.stats.logins++;

    const treeHead = this.#directory.treeHead();
    const size = treeHead.size;
    this.#sendSealed(connection, {
      type: 'WELCOME',
      clientId: clientIdBytes,
      entry,
      inclusionProof: this.#directory.inclusionProof(entry.index, size),
      treeHead,
      consistencyProof:
        phase.challengeSize > 0 && phase.challengeSize < size
          ? this.#directory.consistencyProof(phase.challengeSize, size)
          : [],
      // Owner monitoring: the client checks that its own name maps to this entry (docs/key-transparency.md).
      mapProof: this.#directory.mapProof(entry.name),
      phonebook: this.#phonebookPage(phase.clientId, 0, this.limits.phonebookPageSize),
    });
    this.#signalling.attach(phase.clientId, deliver);
    this.#emit({
      type: 'client:registered',
      clientId: phase.clientId,
      name: entry.name,
      index: entry.index,
      created,
    });
    if (created) this.#emit({ type: 'directory:appended', index: entry.index, size });
    this.#emit({ type: 'client:online', clientId: phase.clientId, name: entry.name });
    // A new directory entry is news for everyone (the directory is public); a login is not broadcast.
    if (created) {
      this.#signalling.broadcast(
        { type: 'PHONEBOOK_DELTA', changes: [{ kind: 'added', contact: this.#contact(entry, false) }] },
        phase.clientId,
      );
    }
  }

  // ---- established channel ----

  #onSealedFrame(
    connection: Connection,
    phase: Extract<ConnectionPhase, { kind: 'established' }>,
    payload: Uint8Array,
    now: number,
  ): void {
    let message: ControlMessage;
    try {
      message = phase.channel.open(payload);
    } catch (error) {
      if (error instanceof SessionError) {
        // Tampered, replayed, reordered or injected: nothing after it can be trusted (docs/design.md §3 step 5).
        this.#refuse(connection, fatal(RelayErrorCode.ChannelAuth, 'sealed frame failed authentication'));
        return;
      }
      if (error instanceof WireError) {
        // Authentic but undecodable. An unknown type keeps the channel in sync (docs/protocol.md §8).
        const unknown = error.code === 'WIRE_ERR_UNKNOWN_TYPE';
        this.#refuse(connection, { code: error.code, message: 'undecodable message', fatal: !unknown });
        return;
      }
      throw error;
    }
    if (MESSAGE_SENDER[message.type] === 'relay') {
      this.#refuse(connection, fatal('WIRE_ERR_WRONG_SENDER', `${message.type} is never sent by a client`));
      return;
    }
    const party: CallParty = {
      clientId: phase.clientId,
      clientIdBytes: phase.clientIdBytes,
      name: phase.name,
    };
    switch (message.type) {
      case 'PING':
        if (this.#lookupAllowed(connection, phase.clientId, now, undefined)) {
          this.#sendSealed(connection, { type: 'PONG', nonce: message.nonce, load: this.publicLoad() });
        }
        return;
      case 'PHONEBOOK_REQUEST':
        if (this.#lookupAllowed(connection, phase.clientId, now, message.requestId)) {
          this.#sendSealed(connection, {
            type: 'PHONEBOOK_PAGE',
            requestId: message.requestId,
            page: this.#phonebookPage(
              phase.clientId,
              message.offset,
              Math.min(message.limit, this.limits.phonebookPageSize),
            ),
          });
        }
        return;
      case 'PRESENCE_WATCH':
        if (!this.#buckets.presenceWatchesPerIdentity.take(phase.clientId, now)) {
          this.#refuse(connection, {
            code: RelayErrorCode.RateLimited,
            message: 'too many watch changes',
            fatal: false,
          });
          return;
        }
        this.#watch(phase.clientId, message.clientIds);
        return;
      case 'GET_PUBLIC_KEY':
        if (this.#lookupAllowed(connection, phase.clientId, now, message.requestId)) {
          this.#publicKey(connection, message.requestId, message.target);
        }
        return;
      case 'GET_CONSISTENCY':
        if (this.#lookupAllowed(connection, phase.clientId, now, message.requestId)) {
          this.#consistency(connection, message.requestId, message.fromSize, message.toSize);
        }
        return;
      case 'ROTATE_KEY':
        this.#rotateKey(connection, phase, message, now);
        return;
      case 'CALL_REQUEST': {
        const allowed =
          this.#buckets.callsPerIp.take(connection.remoteIp, now) &&
          this.#buckets.callsPerIdentity.take(phase.clientId, now);
        if (!allowed) {
          this.#refuse(connection, {
            code: RelayErrorCode.RateLimited,
            message: 'too many calls',
            fatal: false,
          });
          return;
        }
        this.stats.callsRequested++;
        this.#callRefusal(connection, this.#calls.request(party, message, now));
        return;
      }
      case 'CALL_RESPONSE':
        this.#callRefusal(connection, this.#calls.respond(party, message, now));
        return;
      case 'CALL_END':
        this.#callRefusal(connection, this.#calls.end(party, message));
        return;
      case 'CALL_RESUME':
        this.#callRefusal(connection, this.#calls.resume(party, message, now, false));
        return;
      case 'ERROR':
        // A client's ERROR is informational; a fatal one means it is about to close.
        if (message.fatal) this.#forget(connection, 'peer-closed');
        return;
      case 'REGISTER':
      case 'REGISTER_SEALED':
      case 'PROVE':
        this.#refuse(connection, fatal(RelayErrorCode.UnexpectedMessage, 'already registered'));
        return;
      case 'CHALLENGE':
      case 'WELCOME':
      case 'PHONEBOOK_PAGE':
      case 'PHONEBOOK_DELTA':
      case 'PUBLIC_KEY':
      case 'CONSISTENCY':
      case 'INCOMING_CALL':
      case 'MEDIA_GRANT':
      case 'PONG':
        this.#refuse(connection, fatal('WIRE_ERR_WRONG_SENDER', `${message.type} is never sent by a client`));
        return;
      default:
        assertNever(message);
    }
  }

  /**
   * Key rotation (docs/key-transparency.md, "Key rotation"): the session's binding is replaced by the new
   * key. Charged to the registration budgets like a new name (it grows the log). The answer is the new
   * entry's PUBLIC_KEY and everyone is told (`rotated`). The session stays open so the client can check the
   * answer (it may need GET_CONSISTENCY for the grown head); its key is no longer current — it cannot log
   * in again, rotate again or be looked up by id — and the client reconnects with the new key.
   */
  #rotateKey(
    connection: Connection,
    phase: Extract<ConnectionPhase, { kind: 'established' }>,
    message: Extract<ControlMessage, { type: 'ROTATE_KEY' }>,
    now: number,
  ): void {
    const refuse = (code: RelayErrorCode, text: string) =>
      this.#refuse(connection, { code, message: text, fatal: false, requestId: message.requestId });
    if (this.#asyncAppend) {
      // The shared log of a cluster has no rotation step yet (docs/security.md "Open").
      refuse(RelayErrorCode.Unsupported, 'key rotation is not available on a relay cluster');
      return;
    }
    let entry: DirectoryEntry;
    try {
      this.#checkBudget(connection.remoteIp, now, false);
      entry = this.#directory.rotate(phase.clientIdBytes, message, now);
      this.#budget.take(connection.remoteIp, now);
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      refuse(error.code, error.message);
      return;
    }
    const treeHead = this.#directory.treeHead();
    this.#sendSealed(connection, {
      type: 'PUBLIC_KEY',
      requestId: message.requestId,
      entry,
      inclusionProof: this.#directory.inclusionProof(entry.index, treeHead.size),
      treeHead,
      mapProof: this.#directory.mapProof(entry.name),
    });
    this.#emit({ type: 'directory:appended', index: entry.index, size: treeHead.size });
    this.#emit({
      type: 'client:key-rotated',
      previousClientId: phase.clientId,
      clientId: toHex(entry.clientId),
      name: entry.name,
      index: entry.index,
    });
    this.#signalling.broadcast(
      { type: 'PHONEBOOK_DELTA', changes: [{ kind: 'rotated', contact: this.#contact(entry, false) }] },
      phase.clientId,
    );
  }

  #lookupAllowed(
    connection: Connection,
    clientId: string,
    now: number,
    requestId: number | undefined,
  ): boolean {
    if (
      this.#buckets.lookupsPerIp.take(connection.remoteIp, now) &&
      this.#buckets.lookupsPerIdentity.take(clientId, now)
    ) {
      return true;
    }
    this.#refuse(connection, {
      code: RelayErrorCode.RateLimited,
      message: 'too many requests',
      fatal: false,
      requestId,
    });
    return false;
  }

  #publicKey(
    connection: Connection,
    requestId: number,
    target: Extract<ControlMessage, { type: 'GET_PUBLIC_KEY' }>['target'],
  ): void {
    const entry =
      target.by === 'name'
        ? this.#directory.entryByName(target.name)
        : this.#directory.entryByClientId(target.clientId);
    if (entry === undefined || !this.#isCurrent(entry)) {
      // A replaced key's entry would come with a map proof naming its successor: say so instead.
      const refusal =
        entry === undefined
          ? { code: RelayErrorCode.NotFound, message: 'no such entry' }
          : {
              code: RelayErrorCode.KeyRotated,
              message: 'this key was replaced by a key rotation; look the name up',
            };
      this.#refuse(connection, { ...refusal, fatal: false, requestId });
      return;
    }
    const treeHead = this.#directory.treeHead();
    this.#sendSealed(connection, {
      type: 'PUBLIC_KEY',
      requestId,
      entry,
      inclusionProof: this.#directory.inclusionProof(entry.index, treeHead.size),
      treeHead,
      mapProof: this.#directory.mapProof(entry.name),
    });
  }

  #consistency(
    connection: Connection,
    requestId: number,
    fromSize: number,
    toSize: number | undefined,
  ): void {
    const current = this.#directory.size();
    const to = toSize ?? current;
    const treeHead = to <= current ? this.#directory.treeHeadAt(to) : undefined;
    if (fromSize < 1 || fromSize > to || treeHead === undefined) {
      this.#refuse(connection, {
        code: RelayErrorCode.BadRequest,
        message: 'no consistency proof between those sizes',
        fatal: false,
        requestId,
      });
      return;
    }
    this.#sendSealed(connection, {
      type: 'CONSISTENCY',
      requestId,
      fromSize,
      treeHead,
      proof: this.#directory.consistencyProof(fromSize, to),
    });
  }

  #callRefusal(connection: Connection, refusal: CallRefusal): void {
    if (refusal !== undefined) this.#refuse(connection, { ...refusal, fatal: false });
  }

  // ---- phonebook (docs/design.md §3 step 6): ids, names and presence only, never an address ----

  /** True when `entry` is its name's current binding (not replaced by a key rotation). */
  #isCurrent(entry: DirectoryEntry): boolean {
    const current = this.#directory.entryByName(entry.name);
    return current !== undefined && current.index === entry.index;
  }

  /** A window of the current bindings: a key replaced by a rotation is no phonebook line. */
  #phonebookPage(recipient: string, offset: number, limit: number): PhonebookPage {
    const total = this.#directory.contactCount();
    const entries = offset < total ? this.#directory.contacts(offset, Math.min(limit, 256)) : [];
    return {
      offset: Math.min(offset, 0xffffffff),
      total,
      contacts: entries.map((entry) => {
        const clientId = toHex(entry.clientId);
        // Online only where the mutual-watch rule says so (docs/protocol.md "Presence"); own line: true.
        return this.#contact(entry, clientId === recipient || this.#presence.sees(recipient, clientId));
      }),
    };
  }

  #contact(entry: DirectoryEntry, online: boolean): Contact {
    return { clientId: entry.clientId, name: entry.name, online };
  }

  // ---- presence (docs/protocol.md "Presence"): only between clients that watch each other ----

  /** A PRESENCE_WATCH: the new set replaces the old; whoever the change concerns is told. */
  #watch(clientId: string, ids: readonly Uint8Array[]): void {
    const { added, removed } = this.#presence.setWatching(
      clientId,
      ids.map((id) => toHex(id)),
    );
    for (const subject of removed) {
      // Neither side sees the other any more.
      this.#presenceHere(clientId, subject, false);
      this.#presenceFor(subject, clientId, false);
    }
    // clientId watches each added contact: its half of the rule holds; the contact's relay checks the other.
    // The `offline` first resets what the contact was told about an earlier connection of clientId that
    // another relay of a cluster has not noticed closing yet (a no-op otherwise), so the `online` is news
    // there and is answered with the contact's own presence.
    for (const subject of added) {
      this.#presenceFor(subject, clientId, false);
      this.#presenceFor(subject, clientId, true);
    }
  }

  /**
   * Tells `recipient` that `subject` is online or offline. The caller guarantees the subject's half of the
   * rule (`subject` watches `recipient`) for `online`; the relay that holds `recipient` checks the other.
   */
  #presenceFor(recipient: string, subject: string, online: boolean): void {
    if (this.#established.has(recipient)) {
      this.#presenceHere(recipient, subject, online);
      return;
    }
    if (!this.#signalling.isOnline(recipient)) return;
    const entry = this.#directory.entryByClientId(fromHex(subject));
    if (entry === undefined) return;
    // Relay cluster: the recipient's relay applies its half in clusterDelivery.
    this.#signalling.deliver(recipient, {
      type: 'PHONEBOOK_DELTA',
      changes: [{ kind: online ? 'online' : 'offline', contact: this.#contact(entry, online) }],
    });
  }

  /** `recipient` is connected here: its half of the rule, then the change (and the mutual answer). */
  #presenceHere(recipient: string, subject: string, online: boolean): void {
    const connection = this.#established.get(recipient);
    if (connection === undefined) return;
    const told = online
      ? this.#presence.tellOnline(recipient, subject)
      : this.#presence.tellOffline(recipient, subject);
    if (!told) return;
    const entry = this.#directory.entryByClientId(fromHex(subject));
    if (entry === undefined) return;
    this.#sendSealed(connection, {
      type: 'PHONEBOOK_DELTA',
      changes: [{ kind: online ? 'online' : 'offline', contact: this.#contact(entry, online) }],
    });
    // Mutual: the recipient watches the subject, so the subject may see the recipient (if it watches back).
    if (online) this.#presenceFor(subject, recipient, true);
  }

  /**
   * Every entry of a small directory, cached per size (CHALLENGE lets the client check it whole); none when
   * its entries (rotations carry a signature too) would not leave room in a CHALLENGE frame.
   */
  #smallDirectory(size: number): DirectoryEntry[] | undefined {
    if (this.#smallList?.size !== size) {
      const entries = this.#directory.entries(0, size);
      let bytes = 0;
      for (const e of entries)
        bytes += ENTRY_OVERHEAD_BYTES + e.publicKey.length + (e.rotation?.signature.length ?? 0);
      this.#smallList = {
        size,
        entries: bytes <= this.limits.maxFrameSize - CHALLENGE_ROOM_BYTES ? entries : undefined,
      };
    }
    return this.#smallList.entries;
  }

  // ---- sending, refusing, closing ----

  #decodePlain(connection: Connection, payload: Uint8Array): ControlMessage | undefined {
    try {
      return decodeMessage(payload, { from: 'client' });
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      this.#refuse(connection, fatal(error.code, 'undecodable message'));
      return undefined;
    }
  }

  #sendSealed(connection: Connection, message: ControlMessage): void {
    if (connection.phase.kind !== 'established') return;
    let payload: Uint8Array;
    try {
      payload = connection.phase.channel.seal(message);
    } catch (error) {
      // A channel that failed authentication refuses to seal: the connection is being closed anyway.
      if (error instanceof SessionError) return;
      throw error;
    }
    this.#out.push({ kind: 'send', connId: connection.id, payload });
  }

  /**
   * Rejects something a peer did: typed ERROR (sealed once the channel exists), event, counter; a fatal
   * refusal closes that connection only.
   */
  #refuse(connection: Connection, refusal: Refusal): void {
    this.#count(refusal.code);
    const clientId = clientIdOf(connection);
    this.#emit({
      type: 'request:refused',
      connId: connection.id,
      code: refusal.code,
      remoteIp: connection.remoteIp,
      ...(clientId === undefined ? {} : { clientId }),
    });
    const message: ControlMessage = {
      type: 'ERROR',
      ...(refusal.requestId === undefined ? {} : { requestId: refusal.requestId }),
      code: refusal.code,
      message: refusal.message.slice(0, 200),
      fatal: refusal.fatal,
    };
    if (connection.phase.kind === 'established') this.#sendSealed(connection, message);
    else this.#out.push({ kind: 'send', connId: connection.id, payload: encodeMessage(message) });
    if (refusal.fatal) this.#forget(connection, refusal.code as CloseReason);
  }

  /** Removes every trace of a connection; presence, calls and media of its client end with it. */
  #forget(connection: Connection, reason: CloseReason): void {
    const phase = connection.phase;
    if (phase.kind === 'closed') return;
    connection.phase = { kind: 'closed' };
    this.#connections.delete(connection.id);
    const wasUnauthenticated = this.#unauthenticated.delete(connection.id);
    const count = this.#perIp.get(connection.addressKey);
    if (count !== undefined) {
      count.total--;
      if (wasUnauthenticated) count.unauthenticated--;
      if (count.total <= 0) this.#perIp.delete(connection.addressKey);
    }
    const clientId =
      phase.kind === 'established' || phase.kind === 'challenged' || phase.kind === 'appending'
        ? phase.clientId
        : undefined;
    if (phase.kind === 'established' && this.#established.get(phase.clientId) === connection) {
      this.#established.delete(phase.clientId);
      this.#signalling.detach(phase.clientId, phase.deliver);
      this.#calls.clientGone(phase.clientId);
      this.#emit({ type: 'client:offline', clientId: phase.clientId, name: phase.name });
      const watched = this.#presence.leave(phase.clientId);
      if (!this.#signalling.isOnline(phase.clientId)) {
        // Only those who were told it was online hear that it is gone (docs/protocol.md "Presence").
        for (const recipient of watched) this.#presenceFor(recipient, phase.clientId, false);
      }
    }
    if (phase.kind === 'established' || phase.kind === 'appending') phase.channel.destroy();
    this.#out.push({ kind: 'close', connId: connection.id, reason });
    this.#emit({
      type: 'connection:closed',
      connId: connection.id,
      reason,
      ...(clientId === undefined ? {} : { clientId }),
    });
  }
}

function fatal(code: string, message: string): Refusal {
  return { code, message, fatal: true };
}

function errorPayload(refusal: Refusal): Uint8Array {
  return encodeMessage({ type: 'ERROR', code: refusal.code, message: refusal.message, fatal: refusal.fatal });
}

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`, as dual-stack sockets report IPv4 peers) as plain IPv4. */
function plainIp(ip: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip) ? ip.slice(7) : ip;
}

function assertNever(value: never): never {
  throw new RelayError(RelayErrorCode.Internal, `unhandled message ${(value as { type?: string }).type}`);
}
