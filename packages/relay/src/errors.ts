/**
 * Typed errors of the relay. Every rejection the relay makes is one of these codes: sent to the peer in an
 * ERROR message (docs/protocol.md §4.7) where a control channel exists, counted in the metrics, and raised
 * as a {@link RelayError} from the local API (storage, options, key file). Codes are stable; tests and
 * clients branch on them, never on the message text. Messages never carry key material.
 */
export const RelayErrorCode = {
  /** The requested name is bound to another key (first come, first bound; docs/design.md §2). */
  NameTaken: 'RELAY_ERR_NAME_TAKEN',
  /** The requested name breaks the name policy (NFC, length, allowed characters). */
  NameInvalid: 'RELAY_ERR_NAME_INVALID',
  /**
   * The requested name looks like one bound to another key: they share a Unicode UTS #39 skeleton ("Аlice" with a
   * Cyrillic А next to "alice"; docs/key-transparency.md, "Names"). The message names the existing name.
   */
  NameConfusable: 'RELAY_ERR_NAME_CONFUSABLE',
  /** The key is already bound to another name (one name per key). */
  KeyRegistered: 'RELAY_ERR_KEY_REGISTERED',
  /** The PROVE answer is wrong. One code for every cause: no decryption oracle (docs/lessons.md #5). */
  ProofFailed: 'RELAY_ERR_PROOF_FAILED',
  /**
   * The key's binding was replaced by a key rotation (docs/key-transparency.md, "Key rotation"): it can no
   * longer log in, rotate or be looked up by id; its name now has another key.
   */
  KeyRotated: 'RELAY_ERR_KEY_ROTATED',
  /** A ROTATE_KEY whose old-key signature or new-key possession proof does not verify, or an unusable key. */
  RotationInvalid: 'RELAY_ERR_ROTATION_INVALID',
  /** A request this relay does not offer in its configuration (e.g. key rotation on a relay cluster). */
  Unsupported: 'RELAY_ERR_UNSUPPORTED',
  /** The REGISTER is not acceptable (bad key, not an RSA-4096 SPKI). */
  RegisterInvalid: 'RELAY_ERR_REGISTER_INVALID',
  /** A message arrived that the connection's state does not allow (e.g. anything but REGISTER first). */
  UnexpectedMessage: 'RELAY_ERR_UNEXPECTED_MESSAGE',
  /** A sealed frame failed authentication (tampered, replayed, reordered, injected): connection closed. */
  ChannelAuth: 'RELAY_ERR_CHANNEL_AUTH',
  /** The handshake did not finish in time. */
  HandshakeTimeout: 'RELAY_ERR_HANDSHAKE_TIMEOUT',
  /** A frame stayed incomplete for too long. */
  PartialFrameTimeout: 'RELAY_ERR_PARTIAL_FRAME_TIMEOUT',
  /** The connection was silent for longer than the idle timeout. */
  IdleTimeout: 'RELAY_ERR_IDLE_TIMEOUT',
  /** Too many connections from this IP address. */
  TooManyConnections: 'RELAY_ERR_TOO_MANY_CONNECTIONS',
  /** The unauthenticated connection was dropped to make room (cap on handshakes in progress). */
  Evicted: 'RELAY_ERR_EVICTED',
  /**
   * A NEW name binding is over the registration budget of the source network (IPv4 address, IPv6 /64) or
   * of the relay; the message says when to retry. Logins of existing bindings are never refused for it.
   */
  RegistrationBudget: 'RELAY_ERR_REGISTRATION_BUDGET',
  /** A token bucket is empty (per IP or per identity: handshakes, lookups, call requests). */
  RateLimited: 'RELAY_ERR_RATE_LIMITED',
  /**
   * A WebSocket upgrade whose `Origin` is not in the relay's allow-list (docs/relay.md "WebSocket
   * listener"): refused with HTTP 403 before any protocol byte.
   */
  OriginRefused: 'RELAY_ERR_ORIGIN_REFUSED',
  /** The IP address or key fingerprint is on the blocklist. */
  Blocked: 'RELAY_ERR_BLOCKED',
  /** The same identity registered again on a new connection; the old one is closed. */
  Replaced: 'RELAY_ERR_REPLACED',
  /** GET_PUBLIC_KEY for a name or id that is not in the directory. */
  NotFound: 'RELAY_ERR_NOT_FOUND',
  /** A request whose values are out of range (sizes beyond the tree, a call to oneself, …). */
  BadRequest: 'RELAY_ERR_BAD_REQUEST',
  /** CALL_RESPONSE / CALL_END for a call this client is not a party of (or that does not exist). */
  UnknownCall: 'RELAY_ERR_UNKNOWN_CALL',
  /** CALL_REQUEST while this client already has a call (one call at a time), or a call id in use. */
  CallActive: 'RELAY_ERR_CALL_ACTIVE',
  /**
   * CALL_REQUEST to a callee this caller already rang `unansweredCallsPerPair` times without an answer
   * within the window: the callee is not rung until the back-off ends (docs/relay.md "Repeated calls").
   */
  CallSuppressed: 'RELAY_ERR_CALL_SUPPRESSED',
  /** The relay is shutting down. */
  ShuttingDown: 'RELAY_ERR_SHUTTING_DOWN',
  /**
   * The crypto workers' queue of handshake decryptions is full (docs/relay.md "Crypto workers"): the
   * handshake is refused instead of queueing without bound. Retry later.
   */
  CryptoBusy: 'RELAY_ERR_CRYPTO_BUSY',
  /**
   * The crypto worker running this handshake's decryption died (docs/relay.md "Crypto workers"): the
   * handshake is refused, the worker is replaced and later handshakes proceed. Retry.
   */
  CryptoWorkerLost: 'RELAY_ERR_CRYPTO_WORKER_LOST',
  /** Storage failed (SQLite error, corrupt data); the operation changed nothing. */
  Storage: 'RELAY_ERR_STORAGE',
  /**
   * Relay cluster: an entry of the shared log in Redis failed a check (not canonical, name policy, not
   * signed by a configured member relay, signed for another position, name or key already bound);
   * replication of the log stops there (docs/operations.md "Relay cluster", "Trust model").
   */
  ClusterEntryInvalid: 'RELAY_ERR_CLUSTER_ENTRY_INVALID',
  /** The relay key file is unreadable, not a private key, or readable by others. */
  KeyFile: 'RELAY_ERR_KEY_FILE',
  /** The data directory cannot be created, read or written (the reason in words, e.g. permission denied). */
  DataDir: 'RELAY_ERR_DATA_DIR',
  /** A listening port cannot be bound: in use by another program, privileged, or not an address of this machine. */
  PortUnavailable: 'RELAY_ERR_PORT_UNAVAILABLE',
  /** The blocklist file has a line that is neither an IP address, a subnet nor a key fingerprint. */
  BlocklistInvalid: 'RELAY_ERR_BLOCKLIST_INVALID',
  /** A local caller passed an invalid option. */
  InvalidOption: 'RELAY_ERR_INVALID_OPTION',
  /** An unexpected internal failure while handling one peer; only that peer is affected. */
  Internal: 'RELAY_ERR_INTERNAL',
} as const;

/** Every code this package raises. */
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

/** Every code this package raises, as a list (docs/errors.md "@leitung/relay" describes each one). */
export const RELAY_ERROR_CODES: readonly RelayErrorCode[] = Object.values(RelayErrorCode);

/** The one error class of @leitung/relay; branch on `code`. */
export class RelayError extends Error {
  readonly code: RelayErrorCode;

  constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is a {@link RelayError}, optionally with the given code. */
export function isRelayError(err: unknown, code?: RelayErrorCode): err is RelayError {
  return err instanceof RelayError && (code === undefined || err.code === code);
}
