/**
 * Every limit the relay enforces (docs/design.md §3, §6; docs/lessons.md #20), with its default. docs/relay.md lists
 * them. A limit is a number a deployment may tune; the protection it implements is never optional.
 */
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MEDIA_PACKET_SIZE, FIELD_LIMITS } from '@leitung/wire';
import { RelayError, RelayErrorCode } from './errors.js';

/** A token bucket: `burst` tokens at most, refilled at `perSecond`. */
export interface BucketLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * Every limit the relay enforces (docs/relay.md "Limits and their defaults"): frame sizes, timeouts, connection
 * caps, token buckets per address and identity, call and media limits. A deployment tunes the numbers
 * (`startRelay({ limits })`); the protections themselves are never optional.
 */
export interface RelayLimits {
  /** Largest control frame payload accepted (checked on the 4-byte header, before buffering). */
  readonly maxFrameSize: number;
  /** A frame that stays incomplete this long closes its connection (ms). */
  readonly partialFrameTimeoutMs: number;
  /** REGISTER → WELCOME must finish within this time from connect (ms). */
  readonly handshakeTimeoutMs: number;
  /** An established connection silent this long is closed (ms); clients PING well within it. */
  readonly idleTimeoutMs: number;
  /** Open connections per remote IP address. */
  readonly maxConnectionsPerIp: number;
  /** Connections that have not finished the handshake, from one IP address. */
  readonly maxUnauthenticatedPerIp: number;
  /** Connections that have not finished the handshake, in total; when full the oldest is dropped. */
  readonly maxUnauthenticated: number;
  /** Established clients in total. */
  readonly maxClients: number;
  /** REGISTER attempts per IP address. */
  readonly handshakesPerIp: BucketLimit;
  /** REGISTER attempts per identity (client key). */
  readonly handshakesPerIdentity: BucketLimit;
  /** NEW name bindings per source network (IPv4 address, IPv6 /64); logins are free (docs/relay.md). */
  readonly newNamesPerAddress: BucketLimit;
  /** NEW name bindings of the whole relay, from every address together. */
  readonly newNamesGlobal: BucketLimit;
  /** Lookups (GET_PUBLIC_KEY, GET_CONSISTENCY, PHONEBOOK_REQUEST, PING) per IP address. */
  readonly lookupsPerIp: BucketLimit;
  /** Lookups per identity. */
  readonly lookupsPerIdentity: BucketLimit;
  /** CALL_REQUESTs per IP address. */
  readonly callsPerIp: BucketLimit;
  /** CALL_REQUESTs per identity. */
  readonly callsPerIdentity: BucketLimit;
  /** PRESENCE_WATCH messages per identity (docs/protocol.md "Presence"). */
  readonly presenceWatchesPerIdentity: BucketLimit;
  /** Keys remembered per bucket family; idle buckets are forgotten first. */
  readonly maxBucketKeys: number;
  /** An unanswered INCOMING_CALL ends with CALL_END timeout after this long (ms). */
  readonly ringTimeoutMs: number;
  /**
   * Unanswered calls (ring timeout, rejected, cancelled while ringing) from one caller to one callee within
   * `unansweredCallWindowMs` before further calls of that pair are refused (docs/relay.md "Repeated calls").
   */
  readonly unansweredCallsPerPair: number;
  /** The window in which unanswered calls of a pair are counted (ms). */
  readonly unansweredCallWindowMs: number;
  /** How long a pair's calls are refused with RELAY_ERR_CALL_SUPPRESSED once it reached the count (ms). */
  readonly callSuppressionMs: number;
  /** Calls ringing at once, relay-wide; beyond it CALL_REQUEST is refused (RELAY_ERR_RATE_LIMITED). */
  readonly maxRingingCalls: number;
  /** A granted media session that no side has bound is freed after this long (ms). */
  readonly mediaBindTimeoutMs: number;
  /** A media session with no packet for this long is freed and its call ended (ms). */
  readonly mediaIdleTimeoutMs: number;
  /** Largest media datagram accepted; larger ones are dropped before any lookup. */
  readonly maxMediaPacketSize: number;
  /** Packets per second and side a media session may send (DATA, and control packets whose tag verifies). */
  readonly mediaPacketsPerSide: BucketLimit;
  /**
   * BIND/BIND_CONFIRM per second and media session from addresses no side has confirmed, charged before
   * their HMAC (docs/session-protocol.md §4.3): junk naming a session id ends here, never in a side's bucket.
   */
  readonly mediaUnconfirmedControlPerSession: BucketLimit;
  /** Media sessions at most (also the calls in progress at most). */
  readonly maxMediaSessions: number;
  /** Contacts in WELCOME's first phonebook page and the most any PHONEBOOK_PAGE carries. */
  readonly phonebookPageSize: number;
  /** Directories up to this size send every entry in CHALLENGE (seed's flat root; protocol cap 64). */
  readonly directoryListMaxEntries: number;
  /** Media packets per second the relay is provisioned for (PONG `capacity`). */
  readonly capacityPacketsPerSecond: number;
}

/**
 * The value of every {@link RelayLimits} field a deployment does not set; docs/relay.md lists them with their
 * reasons.
 */
export const DEFAULT_LIMITS: RelayLimits = Object.freeze({
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  partialFrameTimeoutMs: 10_000,
  handshakeTimeoutMs: 15_000,
  idleTimeoutMs: 120_000,
  maxConnectionsPerIp: 32,
  maxUnauthenticatedPerIp: 8,
  maxUnauthenticated: 512,
  maxClients: 100_000,
  handshakesPerIp: { perSecond: 5, burst: 20 },
  handshakesPerIdentity: { perSecond: 1, burst: 5 },
  newNamesPerAddress: { perSecond: 5 / 3600, burst: 10 },
  newNamesGlobal: { perSecond: 0.25, burst: 100 },
  lookupsPerIp: { perSecond: 50, burst: 200 },
  lookupsPerIdentity: { perSecond: 20, burst: 100 },
  callsPerIp: { perSecond: 5, burst: 20 },
  callsPerIdentity: { perSecond: 1, burst: 5 },
  presenceWatchesPerIdentity: { perSecond: 1, burst: 10 },
  maxBucketKeys: 100_000,
  ringTimeoutMs: 30_000,
  unansweredCallsPerPair: 3,
  unansweredCallWindowMs: 600_000,
  callSuppressionMs: 600_000,
  maxRingingCalls: 10_000,
  mediaBindTimeoutMs: 30_000,
  mediaIdleTimeoutMs: 60_000,
  maxMediaPacketSize: DEFAULT_MAX_MEDIA_PACKET_SIZE,
  mediaPacketsPerSide: { perSecond: 250, burst: 100 },
  mediaUnconfirmedControlPerSession: { perSecond: 50, burst: 20 },
  maxMediaSessions: 50_000,
  phonebookPageSize: 100,
  directoryListMaxEntries: 32,
  capacityPacketsPerSecond: 50_000,
});

const BUCKETS = [
  'handshakesPerIp',
  'handshakesPerIdentity',
  'newNamesPerAddress',
  'newNamesGlobal',
  'lookupsPerIp',
  'lookupsPerIdentity',
  'callsPerIp',
  'callsPerIdentity',
  'presenceWatchesPerIdentity',
  'mediaPacketsPerSide',
  'mediaUnconfirmedControlPerSession',
] as const;

/** Defaults overridden by `overrides`, each value checked; RELAY_ERR_INVALID_OPTION otherwise. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}): RelayLimits {
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if ((BUCKETS as readonly string[]).includes(key)) {
      const bucket = value as BucketLimit;
      if (
        !(bucket?.perSecond > 0) ||
        !(bucket.burst >= 1) ||
        !Number.isFinite(bucket.perSecond + bucket.burst)
      ) {
        throw new RelayError(RelayErrorCode.InvalidOption, `limit ${key} needs perSecond > 0 and burst ≥ 1`);
      }
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RelayError(RelayErrorCode.InvalidOption, `limit ${key} must be a positive number`);
    }
  }
  if (limits.phonebookPageSize > 256) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'phonebookPageSize is at most 256 (protocol limit)');
  }
  if (limits.directoryListMaxEntries > FIELD_LIMITS.directoryMaxEntries) {
    throw new RelayError(
      RelayErrorCode.InvalidOption,
      `directoryListMaxEntries is at most ${FIELD_LIMITS.directoryMaxEntries} (protocol limit)`,
    );
  }
  return Object.freeze(limits);
}
