/**
 * Typed errors of the session layer. Every check the handshake, channel and call code makes has its own
 * stable `code`, so a client can tell the user exactly which protection fired: any failed check stops with a
 * typed error naming what failed (docs/errors.md "@leitung/session").
 */
export const SessionErrorCode = {
  /** The relay's key does not match the pinned fingerprint (docs/design.md §2, docs/lessons.md #2). */
  RelayKeyMismatch: 'SESSION_ERR_RELAY_KEY_MISMATCH',
  /** A signed tree head's signature does not verify under the relay key. */
  TreeHeadSignature: 'SESSION_ERR_TREE_HEAD_SIGNATURE',
  /** A tree head is not consistent with the last accepted one (rewritten history or split view). */
  TreeInconsistent: 'SESSION_ERR_TREE_INCONSISTENT',
  /** The full key list sent with a small directory does not match the signed tree head. */
  DirectoryMismatch: 'SESSION_ERR_DIRECTORY_MISMATCH',
  /** A name-map proof does not verify against the signed head's `mapRoot` (docs/key-transparency.md). */
  MapProof: 'SESSION_ERR_MAP_PROOF',
  /**
   * The signed name map binds the entry's name to another entry, or to none: the entry is a second
   * binding of a taken name (or its first binding is hidden), and its key is refused.
   */
  NameBinding: 'SESSION_ERR_NAME_BINDING',
  /** Owner monitoring: at login the signed name map binds this client's own name to another entry, or none. */
  NameHijacked: 'SESSION_ERR_NAME_HIJACKED',
  /** A small directory sent whole holds two entries whose names fold to one name. */
  DuplicateName: 'SESSION_ERR_DUPLICATE_NAME',
  /**
   * A key-rotation entry is not a valid rotation of the binding it replaces: wrong previous key, changed
   * name, or the old key's signature does not verify (docs/key-transparency.md, "Key rotation").
   */
  KeyRotation: 'SESSION_ERR_KEY_ROTATION',
  /** An entry's inclusion proof does not verify against the signed tree head. */
  Inclusion: 'SESSION_ERR_INCLUSION',
  /** A directory entry is inconsistent in itself (clientId is not the hash of its key, wrong name…). */
  EntryMismatch: 'SESSION_ERR_ENTRY_MISMATCH',
  /** WELCOME does not describe this client (wrong id, name or key). */
  WelcomeMismatch: 'SESSION_ERR_WELCOME_MISMATCH',
  /** The relay refused the registration with an ERROR message; `relayCode` says why. */
  Refused: 'SESSION_ERR_REFUSED',
  /** A message arrived that the handshake does not expect in its current state. */
  UnexpectedMessage: 'SESSION_ERR_UNEXPECTED_MESSAGE',
  /**
   * The sealed challenge names another relay key or another REGISTER than this client's: a relay relaying
   * another relay's challenge, or a rewritten REGISTER (docs/session-protocol.md §1). Nothing was answered.
   */
  ChallengeBinding: 'SESSION_ERR_CHALLENGE_BINDING',
  /**
   * Relay side: the PROVE answer is wrong (challenge or key confirmation). One code for every cause: no
   * decryption oracle (docs/lessons.md #5).
   */
  ProofFailed: 'SESSION_ERR_PROOF_FAILED',
  /** The sealed-channel sealed frame failed authentication (tampered, replayed, reordered, injected). */
  ChannelAuth: 'SESSION_ERR_CHANNEL_AUTH',
  /** The channel was destroyed. */
  ChannelClosed: 'SESSION_ERR_CHANNEL_CLOSED',
  /** Call data could not be opened or parsed (wrong recipient, tampered, malformed). */
  CallDataInvalid: 'SESSION_ERR_CALL_DATA_INVALID',
  /** The caller's signature over the call data does not verify under the caller's directory key. */
  CallSignature: 'SESSION_ERR_CALL_SIGNATURE',
  /** The caller named in the call data is not the caller the relay authenticated (docs/lessons.md #7). */
  CallerMismatch: 'SESSION_ERR_CALLER_MISMATCH',
  /** The call data is addressed to someone else. */
  CalleeMismatch: 'SESSION_ERR_CALLEE_MISMATCH',
  /** The call data is too old or from the future (±30 s). */
  CallStale: 'SESSION_ERR_CALL_STALE',
  /** A call id seen before: a replayed call offer. */
  CallReplay: 'SESSION_ERR_CALL_REPLAY',
  /**
   * A call offer or answer without its post-quantum share (version 1 call data, or a CALL_RESPONSE accept
   * without `kem`): refused, never downgraded to classical keys (docs/session-protocol.md §3).
   */
  PqRequired: 'SESSION_ERR_PQ_REQUIRED',
  /** The callee's key confirmation is wrong: the accept did not come from the holder of the secret. */
  Confirm: 'SESSION_ERR_CONFIRM',
  /** A media packet failed authentication or is not for this session/direction. */
  MediaAuth: 'SESSION_ERR_MEDIA_AUTH',
  /** An authentic media packet that was already received or is older than the replay window. */
  MediaReplay: 'SESSION_ERR_MEDIA_REPLAY',
  /** Keys or secrets were already erased (call ended). */
  Destroyed: 'SESSION_ERR_DESTROYED',
  /**
   * The holder of the identity key (WebCrypto, a hardware token, a worker) failed to sign: the offer or
   * rotation was not made (docs/session-protocol.md "Identity key operations"). `cause` says why.
   */
  KeyOperation: 'SESSION_ERR_KEY_OPERATION',
  /** A caller of this API passed a value that is out of range. */
  InvalidArgument: 'SESSION_ERR_INVALID_ARGUMENT',
} as const;

/** Every code this package raises. */
export type SessionErrorCode = (typeof SessionErrorCode)[keyof typeof SessionErrorCode];

/** Every code this package raises, as a list (docs/errors.md "@leitung/session" describes each one). */
export const SESSION_ERROR_CODES: readonly SessionErrorCode[] = Object.values(SessionErrorCode);

/** The one error class of @leitung/session; branch on `code`. */
export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** For SESSION_ERR_REFUSED: the relay's error code (e.g. RELAY_ERR_NAME_TAKEN). */
  readonly relayCode: string | undefined;
  /** For the name-map codes: the directory name concerned. */
  readonly directoryName: string | undefined;

  constructor(
    code: SessionErrorCode,
    message: string,
    options?: { cause?: unknown; relayCode?: string; directoryName?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.relayCode = options?.relayCode;
    this.directoryName = options?.directoryName;
  }
}

/** True when `err` is a {@link SessionError}, optionally with the given code. */
export function isSessionError(err: unknown, code?: SessionErrorCode): err is SessionError {
  return err instanceof SessionError && (code === undefined || err.code === code);
}
