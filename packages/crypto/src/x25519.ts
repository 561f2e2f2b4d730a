/**
 * X25519 ephemeral key agreement (RFC 7748 §5, §6.1) for forward-secret call keys (docs/design.md §5 step 4).
 *
 * The private scalar is kept as 32 raw bytes in this object (not inside a native key handle) so that
 * `destroy()` can overwrite it at hang-up; each agreement hands a short-lived copy to the backend.
 * An all-zero shared secret — the result for the low-order points an attacker could send — is refused with
 * CRYPTO_ERR_ZERO_SHARED_SECRET, as RFC 7748 §6.1 allows and the protocol requires. Other non-canonical
 * public values (u ≥ 2^255 − 19, the top bit set, points on the twist) are processed as RFC 7748 says: the
 * top bit is masked and the result is a deterministic function of the input (docs/crypto.md §X25519).
 */
import type { CryptoBackend } from './backend.js';
import { requireBytes } from './bytes.js';
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';

/** Bytes of an X25519 private scalar, public value and shared secret (RFC 7748 §5). */
export const X25519_KEY_LENGTH = 32;

/** DER prefix of an X25519 PKCS#8 PrivateKeyInfo (RFC 8410 §7) around the raw 32-byte scalar. */
export const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

interface State {
  readonly backend: CryptoBackend;
  readonly scalar: Uint8Array;
  publicKey?: Uint8Array;
  destroyed: boolean;
}

const states = new WeakMap<X25519PrivateKey, State>();
const INTERNAL: unique symbol = Symbol('x25519-key');

/**
 * An ephemeral X25519 private scalar, kept as raw bytes so `destroy()` can overwrite it at hang-up for
 * forward secrecy (docs/crypto.md §8). Made by `generateX25519KeyPair` or `importX25519PrivateKey`.
 */
export class X25519PrivateKey {
  /** @internal Use `generateX25519KeyPair` or `importX25519PrivateKey`. */
  constructor(token: symbol, backend: CryptoBackend, scalar: Uint8Array) {
    if (token !== INTERNAL) throw invalidArgument('use generateX25519KeyPair to create keys');
    states.set(this, { backend, scalar, destroyed: false });
  }

  /** The 32-byte public value to send to the peer (computed on first use, kept after destroy). */
  get publicKey(): Uint8Array {
    const state = states.get(this)!;
    if (!state.publicKey) {
      if (state.destroyed) throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'X25519 key was destroyed');
      state.publicKey = state.backend.x25519PublicKey(state.scalar);
    }
    return Uint8Array.from(state.publicKey);
  }

  get destroyed(): boolean {
    return states.get(this)?.destroyed ?? true;
  }

  /** Overwrites the private scalar. Idempotent. */
  destroy(): void {
    const state = states.get(this);
    if (!state || state.destroyed) return;
    state.scalar.fill(0);
    state.destroyed = true;
  }
}

/** An ephemeral X25519 key pair: the 32-byte public value to send, the private key to destroy after use. */
export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: X25519PrivateKey;
}

/** Private key from 32 raw bytes (copied; the caller may wipe its own copy). */
export function importX25519PrivateKey(backend: CryptoBackend, raw: Uint8Array): X25519PrivateKey {
  const scalar = Uint8Array.from(requireBytes('privateKey', raw, X25519_KEY_LENGTH));
  return new X25519PrivateKey(INTERNAL, backend, scalar);
}

export function generateX25519KeyPair(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
): X25519KeyPair {
  const raw = randomBytes(X25519_KEY_LENGTH);
  try {
    const privateKey = importX25519PrivateKey(backend, raw);
    return { publicKey: privateKey.publicKey, privateKey };
  } finally {
    raw.fill(0);
  }
}

/**
 * The live scalar of `privateKey` (not a copy: wipe what you derive from it), after the checks every
 * agreement makes — the key is ours and not destroyed, the peer value is 32 bytes. For the asynchronous
 * agreement (backends/web-crypto-x25519.ts); not exported from the package.
 */
export function x25519Scalar(privateKey: X25519PrivateKey, peerPublicKey: Uint8Array): Uint8Array {
  const state = privateKey instanceof X25519PrivateKey ? states.get(privateKey) : undefined;
  if (!state) throw invalidArgument('expected an X25519PrivateKey');
  if (state.destroyed) throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'X25519 key was destroyed');
  requireBytes('peerPublicKey', peerPublicKey, X25519_KEY_LENGTH);
  return state.scalar;
}

export function x25519SharedSecret(
  backend: CryptoBackend,
  privateKey: X25519PrivateKey,
  peerPublicKey: Uint8Array,
): Uint8Array {
  return refuseZeroSecret(backend.x25519(x25519Scalar(privateKey, peerPublicKey), peerPublicKey));
}

/**
 * `shared`, unless it is absent (the implementation refused a low-order point) or all zero: then
 * CRYPTO_ERR_ZERO_SHARED_SECRET (RFC 7748 §6.1). Every X25519 path of the package ends here.
 */
export function refuseZeroSecret(shared: Uint8Array | undefined): Uint8Array {
  let nonZero = 0;
  for (const b of shared ?? []) nonZero |= b;
  if (!shared || nonZero === 0) {
    throw new CryptoError(
      CryptoErrorCode.ZeroSharedSecret,
      'X25519 shared secret is all zero (low-order peer key)',
    );
  }
  return shared;
}
