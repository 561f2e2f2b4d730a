/**
 * Typed errors of @leitung/crypto. Callers branch on `code`, never on the message (docs/errors.md).
 * Messages never contain key material, plaintext or the reason a decryption failed: every failure of one
 * decryption path carries the same code and message so that no padding or OAEP oracle can be built from
 * them (docs/lessons.md #5, RFC 8017 §7.1.2 note, Vaudenay 2002).
 */
export const CryptoErrorCode = {
  /** An argument has the wrong type, length or range (key size, HKDF length, scrypt parameters, …). */
  InvalidArgument: 'CRYPTO_ERR_INVALID_ARGUMENT',
  /** Key bytes or PEM text cannot be parsed (not DER, wrong PEM label, trailing bytes, non-canonical). */
  KeyFormat: 'CRYPTO_ERR_KEY_FORMAT',
  /** A well-formed key that policy refuses: not RSA, not 4096 bits, e ≠ 65537, unsupported PBES2 scheme. */
  KeyUnsupported: 'CRYPTO_ERR_KEY_UNSUPPORTED',
  /** An encrypted private key could not be decrypted: wrong passphrase or corrupted file. */
  KeyDecrypt: 'CRYPTO_ERR_KEY_DECRYPT',
  /** A key object was used after `destroy()`. */
  KeyDestroyed: 'CRYPTO_ERR_KEY_DESTROYED',
  /** RSA-OAEP decryption or sealed-box `open` failed, whatever the cause (one code: no oracle). */
  Decrypt: 'CRYPTO_ERR_DECRYPT',
  /** Message or packet cipher: wrong tag, wrong length or bad padding (one code: no padding oracle). */
  Auth: 'CRYPTO_ERR_AUTH',
  /** Packet cipher: an authentic packet whose sequence number was already seen or is too old. */
  Replay: 'CRYPTO_ERR_REPLAY',
  /** Packet cipher: `seal` called with a sequence number not above the last one (would reuse an IV). */
  SequenceReuse: 'CRYPTO_ERR_SEQUENCE_REUSE',
  /** X25519 produced the all-zero shared secret (peer sent a low-order point, RFC 7748 §6.1). */
  ZeroSharedSecret: 'CRYPTO_ERR_ZERO_SHARED_SECRET',
  /** RSA key generation failed in the backend. */
  Keygen: 'CRYPTO_ERR_KEYGEN',
  /** The backend cannot do this operation on this platform (e.g. no secure random source). */
  Unsupported: 'CRYPTO_ERR_UNSUPPORTED',
} as const;

/** Every code this package raises. */
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/** Every code this package raises, as a list (docs/errors.md "@leitung/crypto" describes each one). */
export const CRYPTO_ERROR_CODES: readonly CryptoErrorCode[] = Object.values(CryptoErrorCode);

/** The one error class of this package; `code` is stable, the message is for humans. */
export class CryptoError extends Error {
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is a {@link CryptoError} (any subclass), optionally with the given code. */
export function isCryptoError(err: unknown, code?: CryptoErrorCode): err is CryptoError {
  return err instanceof CryptoError && (code === undefined || err.code === code);
}

/** Why a packet was refused by the replay window (RFC 3711 §3.3.2). */
export type ReplayReason = 'duplicate' | 'too-old';

/** `CRYPTO_ERR_REPLAY`, raised only for packets that passed authentication. */
export class CryptoReplayError extends CryptoError {
  readonly reason: ReplayReason;

  constructor(reason: ReplayReason) {
    super(
      CryptoErrorCode.Replay,
      reason === 'duplicate'
        ? 'packet sequence number already received'
        : 'packet older than the replay window',
    );
    this.reason = reason;
  }
}

/** The single failure of RSA-OAEP decryption and of `open`: no detail, by design. */
export function decryptFailed(): CryptoError {
  return new CryptoError(CryptoErrorCode.Decrypt, 'decryption failed');
}

/** The single failure of the message and packet ciphers: no detail, by design. */
export function authFailed(): CryptoError {
  return new CryptoError(CryptoErrorCode.Auth, 'authentication failed');
}

export function invalidArgument(message: string): CryptoError {
  return new CryptoError(CryptoErrorCode.InvalidArgument, message);
}
