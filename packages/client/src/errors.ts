/**
 * Typed errors of @leitung/client. Callers branch on `code`, never on the message (docs/errors.md). Checks
 * that @leitung/session makes (relay key pin, tree-head signature and consistency, inclusion proofs, call
 * data) keep their own SESSION_ERR_… codes: the client passes those errors on unchanged, so "which check
 * failed" is always named by exactly one code. Messages never carry key material.
 */
export const ClientErrorCode = {
  /** A caller of this API passed a value that is out of range or of the wrong type. */
  InvalidArgument: 'CLIENT_ERR_INVALID_ARGUMENT',
  /** The operation is not possible in the current connection or call state. */
  InvalidState: 'CLIENT_ERR_INVALID_STATE',
  /** No registered connection to a relay. */
  NotConnected: 'CLIENT_ERR_NOT_CONNECTED',
  /** The connection closed while a request or the handshake was in progress. */
  ConnectionClosed: 'CLIENT_ERR_CONNECTION_CLOSED',
  /** A request, the handshake or the connection attempt took too long. */
  Timeout: 'CLIENT_ERR_TIMEOUT',
  /** The caller's AbortSignal fired. */
  Aborted: 'CLIENT_ERR_ABORTED',
  /** The relay answered a request with an ERROR message; `relayCode` holds its code. */
  RelayError: 'CLIENT_ERR_RELAY_ERROR',
  /** The relay sent something the protocol does not allow here (wrong sender, unmatched answer). */
  Protocol: 'CLIENT_ERR_PROTOCOL',
  /** A directory entry is not what was asked for, or its id is not the hash of its key (key substitution). */
  EntryMismatch: 'CLIENT_ERR_ENTRY_MISMATCH',
  /** A directory entry's name fails the name policy (control, bidi or escape characters, …). */
  NamePolicy: 'CLIENT_ERR_NAME_POLICY',
  /** A contact's verified key differs from the pinned one; calls to it are blocked until accepted. */
  ContactKeyChanged: 'CLIENT_ERR_CONTACT_KEY_CHANGED',
  /** No such contact (not in the phonebook, or not found by the relay). */
  UnknownContact: 'CLIENT_ERR_UNKNOWN_CONTACT',
  /** This client is already in a call (one call at a time). */
  Busy: 'CLIENT_ERR_BUSY',
  /** The callee rejected the call. */
  CallRejected: 'CLIENT_ERR_CALL_REJECTED',
  /** The callee is in another call. */
  PeerBusy: 'CLIENT_ERR_PEER_BUSY',
  /** Nobody answered before the ring timeout. */
  CallTimeout: 'CLIENT_ERR_CALL_TIMEOUT',
  /** The call ended before it was answered (offline callee, hang-up, relay shutdown, error). */
  CallEnded: 'CLIENT_ERR_CALL_ENDED',
  /** No relay of the relay list could be reached or registered with. */
  NoRelay: 'CLIENT_ERR_NO_RELAY',
  /**
   * The call's relay connection was lost and no relay took the call over (CALL_RESUME) within the resume
   * timeout: the call ended (docs/client.md "Call state").
   */
  CallLost: 'CLIENT_ERR_CALL_LOST',
  /** The media channel got no BIND_ACK from the relay after every retry. */
  MediaBindFailed: 'CLIENT_ERR_MEDIA_BIND_FAILED',
  /** The vault's passphrase is wrong (nothing was changed on disk). */
  VaultWrongPassphrase: 'CLIENT_ERR_VAULT_WRONG_PASSPHRASE',
  /** A new passphrase (vault creation, passphrase change, identity export) is too weak. */
  WeakPassphrase: 'CLIENT_ERR_WEAK_PASSPHRASE',
  /** The vault's scrypt parameters lie below the floor (N = 2^15, r = 8, p = 1): refused before any work. */
  VaultKdfWeak: 'CLIENT_ERR_VAULT_KDF_WEAK',
  /** The vault file is damaged or not a vault (bad header, failed authentication of the contents). */
  VaultCorrupt: 'CLIENT_ERR_VAULT_CORRUPT',
  /** The vault file is readable or writable by group or others, or owned by another user. */
  VaultPermissions: 'CLIENT_ERR_VAULT_PERMISSIONS',
  /** `create` found a vault file already there. */
  VaultExists: 'CLIENT_ERR_VAULT_EXISTS',
  /** `open` found no vault file. */
  VaultNotFound: 'CLIENT_ERR_VAULT_NOT_FOUND',
  /** The vault was closed (its keys erased). */
  VaultClosed: 'CLIENT_ERR_VAULT_CLOSED',
  /**
   * The browser's storage (IndexedDB) is missing or refused or aborted a vault's transaction (quota,
   * storage blocked): the stored vault is as it was before (docs/client.md "In a browser").
   */
  VaultStorage: 'CLIENT_ERR_VAULT_STORAGE',
  /** The vault holds no identity key. */
  NoIdentity: 'CLIENT_ERR_NO_IDENTITY',
  /** An exported identity could not be imported (wrong passphrase, not an RSA-4096 key). */
  IdentityImport: 'CLIENT_ERR_IDENTITY_IMPORT',
  /** Strict security policy: the vault is not unlocked while a debugger is attached. */
  DebuggerAttached: 'CLIENT_ERR_DEBUGGER_ATTACHED',
  /** A relay-list entry names a pinned relay address with another key fingerprint (security alarm). */
  RelayPinConflict: 'CLIENT_ERR_RELAY_PIN_CONFLICT',
  /** A relay-list entry is not pinned in the vault and pinning was not asked for explicitly. */
  RelayNotPinned: 'CLIENT_ERR_RELAY_NOT_PINNED',
  /** No client name: none given, none in the vault, no client_name.txt. */
  NoName: 'CLIENT_ERR_NO_NAME',
} as const;

/** Every code this package raises. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Every code this package raises, as a list (docs/errors.md "@leitung/client" describes each one). */
export const CLIENT_ERROR_CODES: readonly ClientErrorCode[] = Object.values(ClientErrorCode);

/** The one error class of @leitung/client; branch on `code`. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;
  /** For CLIENT_ERR_RELAY_ERROR: the relay's error code (e.g. RELAY_ERR_NOT_FOUND). */
  readonly relayCode: string | undefined;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; relayCode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.relayCode = options?.relayCode;
  }
}

/** True when `err` is a {@link ClientError}, optionally with the given code. */
export function isClientError(err: unknown, code?: ClientErrorCode): err is ClientError {
  return err instanceof ClientError && (code === undefined || err.code === code);
}

/** The stable code of any Leitung error (ClientError, SessionError, CryptoError, WireError, MerkleError). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
