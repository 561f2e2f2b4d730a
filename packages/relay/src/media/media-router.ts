/**
 * The media forwarder's sans-I/O core (docs/design.md §5 step 5, docs/session-protocol.md §4, docs/lessons.md #13).
 *
 * Per call one media session: a random u32 id unique on this relay and one random 32-byte token per side.
 * A side binds its UDP address with a BIND that proves its token (HMAC via @leitung/session) and carries a
 * strictly increasing counter and a clock within ±30 s, so a BIND captured and replayed from another
 * address is dropped. A valid BIND from an address that is not the side's confirmed one moves nothing: it
 * is answered with a BIND_CHALLENGE (no larger than the BIND) carrying a stateless relay nonce bound to
 * session, side, address and time window, and only a BIND_CONFIRM under the token that echoes the nonce
 * from that address confirms it (return routability, docs/session-protocol.md §4.2). DATA is forwarded
 * verbatim, only from the confirmed address of the side named by the direction bit, only to the other
 * side's confirmed address, within the side's packet-rate bucket. Everything else is dropped and counted by
 * reason. Control packets are charged to a side's bucket only once their tag verifies, and the ones from
 * unconfirmed addresses pass a per-session bucket before any cryptography, so junk naming a session id
 * cannot starve the side's DATA (§4.3).
 *
 * The DATA path is built to be cheap: integer header checks on the received bytes, one Map lookup, a
 * string/port compare, a token-bucket step, and it returns a decision object prepared when the binding
 * was made, so forwarding a packet allocates nothing here.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import {
  BIND_MAX_SKEW_MS,
  buildBindChallenge,
  buildControlPacket,
  clockSkewMs,
  verifyControlPacket,
} from '@leitung/session';
import {
  decodeMediaPacket,
  MEDIA_HEADER_SIZE,
  MEDIA_NONCE_SIZE,
  MEDIA_PROTOCOL_VERSION,
  MEDIA_TAG_SIZE,
  MediaPacketType,
} from '@leitung/wire';
import type { BucketLimit } from '../limits.js';
import { TokenBucket } from '../protection/token-bucket.js';
import { BindNonces } from './bind-nonces.js';

/** Why a datagram was dropped; each has its own counter. */
export type MediaDropReason =
  /** Longer than the maximum packet size. */
  | 'oversize'
  /** Not a media packet: short, wrong version, unassigned type, reserved flags, wrong length. */
  | 'malformed'
  /** A BIND_ACK or BIND_CHALLENGE (only the relay sends those). */
  | 'unexpected-type'
  /** No media session with this id. */
  | 'unknown-session'
  /** DATA from a side that has not bound yet. */
  | 'unbound'
  /** DATA or KEEPALIVE from an address other than the side's confirmed one. */
  | 'wrong-source'
  /** DATA whose destination side has not bound yet. */
  | 'peer-unbound'
  /** Over the side's packet-rate bucket. */
  | 'rate'
  /** BIND/BIND_CONFIRM from an unconfirmed address over the session's bucket for those (before the HMAC). */
  | 'unconfirmed-rate'
  /** BIND/KEEPALIVE/BIND_CONFIRM clock more than 30 s from the relay's. */
  | 'clock-skew'
  /** BIND/KEEPALIVE/BIND_CONFIRM counter not above the last accepted one (a replay). */
  | 'replayed-counter'
  /** BIND/KEEPALIVE/BIND_CONFIRM tag does not prove the side's token. */
  | 'bad-token'
  /** BIND_CONFIRM whose nonce is not the relay's for this session, side and source address (or expired). */
  | 'bad-nonce';

/** Every {@link MediaDropReason}, in a fixed order: the labels of the per-reason drop counters and metrics. */
export const MEDIA_DROP_REASONS: readonly MediaDropReason[] = [
  'oversize',
  'malformed',
  'unexpected-type',
  'unknown-session',
  'unbound',
  'wrong-source',
  'peer-unbound',
  'rate',
  'unconfirmed-rate',
  'clock-skew',
  'replayed-counter',
  'bad-token',
  'bad-nonce',
];

/** A UDP address and port, as the socket reports the sender of a datagram. */
export interface MediaEndpoint {
  readonly address: string;
  readonly port: number;
  /**
   * True for a connection the relay accepted — a WebSocket media leg (docs/protocol.md "WebSocket
   * transport"): TCP's handshake already proved that the peer receives what is sent to it, and nobody can
   * send in its name, so a valid BIND from it is acknowledged at once instead of challenged.
   */
  readonly connected?: boolean;
}

/**
 * What {@link MediaRouter.datagram} says to do with one datagram: `forward` it verbatim to the other side's
 * confirmed address, `reply` with bytes of the router's own (BIND_CHALLENGE, BIND_ACK), note a `refresh` (a
 * valid KEEPALIVE; nothing to send), or `drop` it for a counted reason.
 */
export type MediaDecision =
  | { readonly kind: 'forward'; readonly address: string; readonly port: number }
  | {
      readonly kind: 'reply';
      readonly bytes: Uint8Array;
      readonly address: string;
      readonly port: number;
      /**
       * 'challenged': a BIND_CHALLENGE to an unconfirmed address (nothing moved); 'bound' / 'rebound': a
       * BIND_CONFIRM confirmed the side's first / a new address; 'refreshed': a BIND_ACK to the
       * confirmed address.
       */
      readonly binding: MediaBindingChange;
    }
  | { readonly kind: 'refresh' }
  | { readonly kind: 'drop'; readonly reason: MediaDropReason };

/**
 * What a `reply` decision did to a side's binding: `challenged` (an unconfirmed address got a BIND_CHALLENGE;
 * nothing moved), `bound` / `rebound` (a BIND_CONFIRM confirmed the side's first or a new address), `refreshed`
 * (a BIND from the confirmed address was acknowledged).
 */
export type MediaBindingChange = 'challenged' | 'bound' | 'rebound' | 'refreshed';

/**
 * A session the relay's router granted or freed, as a replica needs it (the media worker, docs/relay.md
 * "Media worker"): `grant` carries the tokens, so it never leaves the process.
 */
export type MediaSessionChange =
  | {
      readonly kind: 'grant';
      readonly sessionId: number;
      readonly callKey: string;
      readonly callerToken: Uint8Array;
      readonly calleeToken: Uint8Array;
      readonly createdAt: number;
    }
  | { readonly kind: 'revoke'; readonly sessionId: number };

/**
 * What a replica router saw since its last report: counters to add, and per session with a packet accepted
 * since then `[sessionId, last activity, caller address, caller port, callee address, callee port]` (empty
 * address: not bound).
 */
export interface MediaReplicaReport {
  readonly forwardedPackets: number;
  readonly forwardedBytes: number;
  readonly drops: readonly number[];
  readonly binds: number;
  readonly rebinds: number;
  readonly challenges: number;
  readonly sessions: readonly (readonly [number, number, string, number, string, number])[];
}

/** Side index: 0 = caller (direction bit 0), 1 = callee. */
type Side = 0 | 1;

/**
 * Where DATA between two UDP sides is checked and forwarded outside the router: the relay's native media plane
 * (docs/relay.md "Native media plane"), a copy of the DATA path of {@link MediaRouter.datagram} on a thread of
 * its own. While one is attached the router tells it every session it opens, every address a side confirms
 * and every session it frees, and charges every packet it accepts to the plane's bucket for that side, so DATA
 * forwarded there and control packets verified here share one budget per side. The plane's counters and
 * activity come back through {@link MediaRouter.absorb}.
 */
export interface MediaDataPlane {
  opened(sessionId: number, now: number): void;
  /** A side's confirmed address; port 0 names a WebSocket media leg (docs/relay.md "WebSocket listener"). */
  bound(sessionId: number, side: 0 | 1, endpoint: MediaEndpoint): void;
  closed(sessionId: number): void;
  /** One packet from the side's bucket; false when it is empty (or the session is unknown there). */
  take(sessionId: number, side: 0 | 1, now: number): boolean;
}

type ForwardDecision = Extract<MediaDecision, { kind: 'forward' }>;

interface MediaSession {
  readonly id: number;
  readonly callKey: string;
  readonly tokens: readonly [Uint8Array, Uint8Array];
  /** Confirmed addresses (return routability proven); the only ones DATA comes from and goes to. */
  readonly endpoints: [MediaEndpoint | undefined, MediaEndpoint | undefined];
  /** forwards[s]: where packets from side s go (the other side's endpoint), once both are bound. */
  readonly forwards: [ForwardDecision | undefined, ForwardDecision | undefined];
  readonly counters: [number, number];
  /** Per side: packets whose sender is authenticated (DATA from the confirmed address, verified control). */
  readonly buckets: readonly [TokenBucket, TokenBucket];
  /** BIND/BIND_CONFIRM from unconfirmed addresses, charged before their HMAC is computed. */
  readonly unconfirmed: TokenBucket;
  readonly createdAt: number;
  /** [last accepted packet (ms)]: a Float64Array, so the per-packet store allocates nothing. */
  readonly activity: Float64Array;
}

/** What the core hands to each side in MEDIA_GRANT. */
export interface MediaGrantMaterial {
  readonly sessionId: number;
  readonly callerToken: Uint8Array;
  readonly calleeToken: Uint8Array;
  /** A session that no side binds by then is freed (ms). */
  readonly expiresAt: number;
}

/**
 * A media session {@link MediaRouter.expire} freed: no side bound it in time, or no packet came for too long.
 * The core ends its call.
 */
export interface ExpiredMediaSession {
  readonly sessionId: number;
  /** The `callKey` given to `allocate`. */
  readonly callKey: string;
  readonly reason: 'bind-timeout' | 'idle';
}

/**
 * What a {@link MediaRouter} enforces: the largest datagram, the packet-rate buckets per side and for
 * unconfirmed control packets, the bind and idle timeouts, and the most sessions at once (all from
 * `RelayLimits`).
 */
export interface MediaRouterOptions {
  readonly crypto: LeitungCrypto;
  readonly maxPacketSize: number;
  readonly packetsPerSide: BucketLimit;
  /** BIND/BIND_CONFIRM per session from addresses no side has confirmed (checked before the HMAC). */
  readonly unconfirmedControlPerSession: BucketLimit;
  readonly bindTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxSessions: number;
}

const DROP = Object.fromEntries(
  MEDIA_DROP_REASONS.map((reason) => [reason, Object.freeze({ kind: 'drop', reason })]),
) as { readonly [R in MediaDropReason]: Extract<MediaDecision, { kind: 'drop' }> };
const REFRESH: MediaDecision = Object.freeze({ kind: 'refresh' });
const CONTROL_PACKET_SIZE = MEDIA_HEADER_SIZE + MEDIA_TAG_SIZE;
const CONFIRM_PACKET_SIZE = MEDIA_HEADER_SIZE + MEDIA_NONCE_SIZE + MEDIA_TAG_SIZE;
const MIN_PACKET_SIZE = MEDIA_HEADER_SIZE + MEDIA_TAG_SIZE;

type ControlType = 'BIND' | 'KEEPALIVE' | 'BIND_CONFIRM';

/**
 * The relay's sans-I/O media forwarder (docs/session-protocol.md §4, docs/relay.md): one session per call with
 * a token per side; a side binds its UDP address by proving its token and answering a return-routability
 * challenge, and DATA is forwarded verbatim only between the two confirmed addresses, within each side's packet
 * rate. Each datagram gives one {@link MediaDecision}; everything else is dropped and counted by reason. The
 * relay never holds a media key, so it cannot read what it forwards.
 */
export class MediaRouter {
  readonly #crypto: LeitungCrypto;
  readonly #options: MediaRouterOptions;
  readonly #sessions = new Map<number, MediaSession>();
  readonly #nonces: BindNonces;
  /** [packets, bytes] forwarded since start (typed storage: no allocation per packet, no 2^30 limit). */
  readonly #totals = new Float64Array(2);
  /** BIND_CONFIRMs that created or moved a binding. */
  binds = 0;
  rebinds = 0;
  /** BIND_CHALLENGEs sent (valid BINDs from unconfirmed addresses). */
  challenges = 0;
  readonly drops: Record<MediaDropReason, number> = Object.fromEntries(
    MEDIA_DROP_REASONS.map((reason) => [reason, 0]),
  ) as Record<MediaDropReason, number>;
  #observer: ((change: MediaSessionChange) => void) | undefined;
  #plane: MediaDataPlane | undefined;
  /** What the last replica report had counted: [packets, bytes, binds, rebinds, challenges, ...drops]. */
  readonly #reported = new Float64Array(5 + MEDIA_DROP_REASONS.length);
  #reportedAt = Number.NEGATIVE_INFINITY;
  #rateSampleAt: number | undefined;
  #rateSamplePackets = 0;
  #packetsPerSecond = 0;

  constructor(options: MediaRouterOptions) {
    this.#crypto = options.crypto;
    this.#options = options;
    this.#nonces = new BindNonces(options.crypto);
  }

  /** DATA packets forwarded since start. */
  get forwardedPackets(): number {
    return this.#totals[0]!;
  }

  /** DATA bytes forwarded since start. */
  get forwardedBytes(): number {
    return this.#totals[1]!;
  }

  /** The largest datagram accepted (bytes); longer ones are dropped as `oversize`. */
  get maxPacketSize(): number {
    return this.#options.maxPacketSize;
  }

  /** Packets per second and burst each side may send (`RelayLimits.mediaPacketsPerSide`). */
  get packetsPerSide(): BucketLimit {
    return this.#options.packetsPerSide;
  }

  /** Media sessions in existence. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Recent forwarding rate (packets/s), updated by {@link MediaRouter.sampleRate}. */
  get packetsPerSecond(): number {
    return this.#packetsPerSecond;
  }

  hasSession(sessionId: number): boolean {
    return this.#sessions.has(sessionId);
  }

  /**
   * A new session for the call `callKey`: a random id not in use and a fresh token per side. Returns
   * undefined when the session cap is reached.
   */
  allocate(callKey: string, now: number): MediaGrantMaterial | undefined {
    if (this.#sessions.size >= this.#options.maxSessions) return undefined;
    let id: number;
    do {
      const r = this.#crypto.randomBytes(4);
      id = ((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0;
    } while (id === 0 || this.#sessions.has(id));
    const tokens = [this.#crypto.randomBytes(32), this.#crypto.randomBytes(32)] as const;
    this.#open(id, callKey, tokens, now, now);
    this.#observer?.({
      kind: 'grant',
      sessionId: id,
      callKey,
      callerToken: tokens[0].slice(),
      calleeToken: tokens[1].slice(),
      createdAt: now,
    });
    return {
      sessionId: id,
      callerToken: tokens[0].slice(),
      calleeToken: tokens[1].slice(),
      expiresAt: now + this.#options.bindTimeoutMs,
    };
  }

  /**
   * Calls `observer` with every session granted or freed from now on (undefined: stop), so a replica
   * router elsewhere (the media worker) can hold the same sessions.
   */
  observeSessions(observer: ((change: MediaSessionChange) => void) | undefined): void {
    this.#observer = observer;
  }

  /**
   * Attaches a data plane (undefined: detaches it; the router's own buckets count again). The plane learns the
   * sessions that exist now and their confirmed addresses; their buckets start full there.
   */
  attachDataPlane(plane: MediaDataPlane | undefined, now: number): void {
    this.#plane = plane;
    if (plane === undefined) return;
    for (const session of this.#sessions.values()) {
      plane.opened(session.id, now);
      session.endpoints.forEach((endpoint, side) => {
        if (endpoint !== undefined) plane.bound(session.id, side as Side, endpoint);
      });
    }
  }

  /** Replica side: a session granted by the relay's router, with its id and tokens. */
  adopt(grant: Extract<MediaSessionChange, { kind: 'grant' }>, now: number): void {
    const tokens = [Uint8Array.from(grant.callerToken), Uint8Array.from(grant.calleeToken)] as const;
    this.#open(grant.sessionId, grant.callKey, tokens, grant.createdAt, now);
  }

  /** Adds an unbound session with fresh per-side budgets (`allocate` and `adopt`). */
  #open(
    id: number,
    callKey: string,
    tokens: readonly [Uint8Array, Uint8Array],
    createdAt: number,
    now: number,
  ): void {
    const limit = this.#options.packetsPerSide;
    this.#sessions.set(id, {
      id,
      callKey,
      tokens,
      endpoints: [undefined, undefined],
      forwards: [undefined, undefined],
      counters: [-1, -1],
      buckets: [new TokenBucket(limit, now), new TokenBucket(limit, now)],
      unconfirmed: new TokenBucket(this.#options.unconfirmedControlPerSession, now),
      createdAt,
      activity: Float64Array.of(now),
    });
    this.#plane?.opened(id, now);
  }

  /** Replica side: what changed since the last report, or undefined when nothing did. */
  takeReport(now: number): MediaReplicaReport | undefined {
    const r = this.#reported;
    const current = [
      this.#totals[0]!,
      this.#totals[1]!,
      this.binds,
      this.rebinds,
      this.challenges,
      ...MEDIA_DROP_REASONS.map((reason) => this.drops[reason]),
    ];
    const sessions: [number, number, string, number, string, number][] = [];
    for (const session of this.#sessions.values()) {
      const at = session.activity[0]!;
      if (at < this.#reportedAt) continue;
      const [caller, callee] = session.endpoints;
      sessions.push([
        session.id,
        at,
        caller?.address ?? '',
        caller?.port ?? 0,
        callee?.address ?? '',
        callee?.port ?? 0,
      ]);
    }
    this.#reportedAt = now;
    if (sessions.length === 0 && current.every((value, i) => value === r[i])) return undefined;
    const delta = current.map((value, i) => value - r[i]!);
    r.set(current);
    return {
      forwardedPackets: delta[0]!,
      forwardedBytes: delta[1]!,
      binds: delta[2]!,
      rebinds: delta[3]!,
      challenges: delta[4]!,
      drops: delta.slice(5),
      sessions,
    };
  }

  /** Relay side: adds a replica's report (counters, activity, bound addresses) to this router's state. */
  absorb(report: MediaReplicaReport): void {
    this.#totals[0]! += report.forwardedPackets;
    this.#totals[1]! += report.forwardedBytes;
    this.binds += report.binds;
    this.rebinds += report.rebinds;
    this.challenges += report.challenges;
    MEDIA_DROP_REASONS.forEach((reason, i) => {
      this.drops[reason] += report.drops[i] ?? 0;
    });
    for (const [id, at, callerAddress, callerPort, calleeAddress, calleePort] of report.sessions) {
      const session = this.#sessions.get(id);
      if (session === undefined) continue;
      if (at > session.activity[0]!) session.activity[0] = at;
      if (callerAddress !== '') session.endpoints[0] = { address: callerAddress, port: callerPort };
      if (calleeAddress !== '') session.endpoints[1] = { address: calleeAddress, port: calleePort };
    }
  }

  /** Frees a session (CALL_END, disconnect); its tokens are erased. */
  release(sessionId: number): boolean {
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return false;
    this.#sessions.delete(sessionId);
    session.tokens[0].fill(0);
    session.tokens[1].fill(0);
    this.#plane?.closed(sessionId);
    this.#observer?.({ kind: 'revoke', sessionId });
    return true;
  }

  /** Handles one received datagram. Never throws on packet contents. */
  datagram(bytes: Uint8Array, from: MediaEndpoint, now: number): MediaDecision {
    const length = bytes.length;
    // docs/protocol.md §5 size and header rules, as integer checks on the received bytes.
    if (length > this.#options.maxPacketSize) return this.#drop('oversize');
    if (length < MIN_PACKET_SIZE) return this.#drop('malformed');
    const first = bytes[0]!;
    const flags = bytes[1]!;
    if (first >>> 4 !== MEDIA_PROTOCOL_VERSION || (flags & 0xfe) !== 0) return this.#drop('malformed');
    const type = first & 0x0f;
    const sessionId = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
    if (type === MediaPacketType.DATA) {
      const session = this.#sessions.get(sessionId);
      if (session === undefined) return this.#drop('unknown-session');
      const side = flags as Side;
      const bound = session.endpoints[side];
      if (bound === undefined) return this.#drop('unbound');
      if (bound.port !== from.port || bound.address !== from.address) return this.#drop('wrong-source');
      const forward = session.forwards[side];
      if (forward === undefined) return this.#drop('peer-unbound');
      if (!this.#take(session, side, now)) return this.#drop('rate');
      session.activity[0] = now;
      const totals = this.#totals;
      totals[0]! += 1;
      totals[1]! += length;
      return forward;
    }
    let control: ControlType;
    if (type === MediaPacketType.BIND || type === MediaPacketType.KEEPALIVE) {
      if (length !== CONTROL_PACKET_SIZE) return this.#drop('malformed');
      control = type === MediaPacketType.BIND ? 'BIND' : 'KEEPALIVE';
    } else if (type === MediaPacketType.BIND_CONFIRM) {
      if (length !== CONFIRM_PACKET_SIZE) return this.#drop('malformed');
      control = 'BIND_CONFIRM';
    } else if (type === MediaPacketType.BIND_ACK || type === MediaPacketType.BIND_CHALLENGE) {
      return this.#drop('unexpected-type');
    } else {
      return this.#drop('malformed');
    }
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return this.#drop('unknown-session');
    return this.#control(session, bytes, control, flags as Side, from, now);
  }

  /** Frees sessions never bound in time or idle too long; the core ends their calls. */
  expire(now: number): ExpiredMediaSession[] {
    const expired: ExpiredMediaSession[] = [];
    for (const session of this.#sessions.values()) {
      const bound = session.endpoints[0] !== undefined || session.endpoints[1] !== undefined;
      if (!bound && now - session.createdAt >= this.#options.bindTimeoutMs) {
        expired.push({ sessionId: session.id, callKey: session.callKey, reason: 'bind-timeout' });
      } else if (bound && now - session.activity[0]! >= this.#options.idleTimeoutMs) {
        expired.push({ sessionId: session.id, callKey: session.callKey, reason: 'idle' });
      }
    }
    for (const e of expired) this.release(e.sessionId);
    return expired;
  }

  /** Updates the packets/s figure reported in PONG (an exponentially weighted average, ~5 s). */
  sampleRate(now: number): void {
    if (this.#rateSampleAt === undefined) {
      this.#rateSampleAt = now;
      this.#rateSamplePackets = this.forwardedPackets;
      return;
    }
    const elapsed = now - this.#rateSampleAt;
    if (elapsed < 1000) return;
    const rate = ((this.forwardedPackets - this.#rateSamplePackets) * 1000) / elapsed;
    const weight = Math.min(1, elapsed / 5000);
    this.#packetsPerSecond += (rate - this.#packetsPerSecond) * weight;
    this.#rateSampleAt = now;
    this.#rateSamplePackets = this.forwardedPackets;
  }

  /**
   * BIND / KEEPALIVE / BIND_CONFIRM (docs/session-protocol.md §4.2, §4.3). Cheap checks first (clock,
   * counter, source); a packet from an address the side has not confirmed is charged to the session's
   * unconfirmed-control bucket before its HMAC; the side's own bucket is charged only once the tag proves
   * the token, so junk naming the session id never takes the side's DATA budget.
   */
  #control(
    session: MediaSession,
    bytes: Uint8Array,
    type: ControlType,
    side: Side,
    from: MediaEndpoint,
    now: number,
  ): MediaDecision {
    const counter = ((bytes[6]! << 24) | (bytes[7]! << 16) | (bytes[8]! << 8) | bytes[9]!) >>> 0;
    const timestamp = ((bytes[10]! << 24) | (bytes[11]! << 16) | (bytes[12]! << 8) | bytes[13]!) >>> 0;
    if (clockSkewMs(timestamp, now) > BIND_MAX_SKEW_MS) return this.#drop('clock-skew');
    if (counter <= session.counters[side]) return this.#drop('replayed-counter');
    const bound = session.endpoints[side];
    const confirmed = bound !== undefined && bound.port === from.port && bound.address === from.address;
    if (!confirmed) {
      if (type === 'KEEPALIVE') return this.#drop('wrong-source');
      if (!session.unconfirmed.take(now)) return this.#drop('unconfirmed-rate');
    }
    const token = session.tokens[side];
    const packet = decodeMediaPacket(bytes);
    if (!verifyControlPacket(this.#crypto, token, packet)) return this.#drop('bad-token');
    if (type === 'BIND_CONFIRM') {
      const nonce = packet.body.subarray(0, MEDIA_NONCE_SIZE);
      if (!this.#nonces.verify(nonce, session.id, side, from, now)) return this.#drop('bad-nonce');
    }
    if (!this.#take(session, side, now)) return this.#drop('rate');
    session.counters[side] = counter;
    if (type === 'KEEPALIVE') {
      session.activity[0] = now;
      return REFRESH;
    }
    if (type === 'BIND' && !confirmed && from.connected !== true) {
      // Return routability: the address gets a challenge as long as the BIND, and nothing else, until a
      // BIND_CONFIRM from it echoes the nonce. The confirmed address (if any) keeps its media meanwhile.
      // A connection's address needs no such proof (MediaEndpoint.connected): its BIND binds below.
      this.challenges++;
      const challenge = buildBindChallenge({
        sessionId: session.id,
        side: side === 0 ? 'caller' : 'callee',
        counter,
        nowMs: now,
        nonce: this.#nonces.issue(session.id, side, from, now),
      });
      return {
        kind: 'reply',
        bytes: challenge,
        address: from.address,
        port: from.port,
        binding: 'challenged',
      };
    }
    session.activity[0] = now;
    let binding: MediaBindingChange = 'refreshed';
    if (!confirmed) {
      binding = bound === undefined ? 'bound' : 'rebound';
      if (bound === undefined) this.binds++;
      else this.rebinds++;
      const endpoint = { address: from.address, port: from.port };
      session.endpoints[side] = endpoint;
      this.#rebuildForwards(session);
      this.#plane?.bound(session.id, side, endpoint);
    }
    const ack = buildControlPacket(this.#crypto, {
      kind: 'BIND_ACK',
      token,
      sessionId: session.id,
      side: side === 0 ? 'caller' : 'callee',
      counter,
      nowMs: now,
    });
    return { kind: 'reply', bytes: ack, address: from.address, port: from.port, binding };
  }

  /** One packet from the side's budget: the data plane's bucket while one is attached, the router's otherwise. */
  #take(session: MediaSession, side: Side, now: number): boolean {
    const plane = this.#plane;
    return plane === undefined ? session.buckets[side].take(now) : plane.take(session.id, side, now);
  }

  #rebuildForwards(session: MediaSession): void {
    const [caller, callee] = session.endpoints;
    session.forwards[0] =
      callee === undefined
        ? undefined
        : Object.freeze({ kind: 'forward', address: callee.address, port: callee.port });
    session.forwards[1] =
      caller === undefined
        ? undefined
        : Object.freeze({ kind: 'forward', address: caller.address, port: caller.port });
  }

  #drop(reason: MediaDropReason): MediaDecision {
    this.drops[reason]++;
    return DROP[reason];
  }
}
