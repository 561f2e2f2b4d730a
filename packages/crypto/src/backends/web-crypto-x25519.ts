/**
 * X25519 agreement (RFC 7748) through WebCrypto where the platform has the 'X25519' algorithm, and through
 * @noble/curves — the portable backend's implementation — where it does not (docs/crypto.md "WebCrypto
 * symmetric operations", §8). Which one is used is decided once per object, by a known-answer agreement
 * (RFC 7748 §6.1) through WebCrypto: a platform without X25519 fails the import, a faulty one the answer.
 *
 * Keys are the package's `X25519PrivateKey`s, whose scalar stays wipeable bytes (§8): each agreement
 * hands WebCrypto a short-lived PKCS#8 copy that is wiped when the agreement ends, as the native backend
 * does with OpenSSL. The all-zero shared secret is refused by the same function as on the synchronous
 * path, so both give CRYPTO_ERR_ZERO_SHARED_SECRET for the same peer values. It imports no `node:*` module.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { concatBytes, fromHex, toHex } from '../bytes.js';
import {
  refuseZeroSecret,
  X25519_KEY_LENGTH,
  X25519_PKCS8_PREFIX,
  type X25519PrivateKey,
  x25519Scalar,
} from '../x25519.js';
import type { SubtleLike } from './subtle.js';

/** Which implementation a {@link WebCryptoX25519} agrees with: the platform's WebCrypto or @noble/curves. */
export type X25519Implementation = 'webcrypto' | 'noble';

/** Asynchronous X25519 agreement, WebCrypto where available (docs/crypto.md "WebCrypto symmetric operations"). */
export interface WebCryptoX25519 {
  /** The implementation agreements use, detected on first use and then fixed. */
  implementation(): Promise<X25519Implementation>;
  /**
   * X25519(privateKey, peerPublicKey): the 32-byte shared secret, exactly as the synchronous `x25519`
   * gives it — the same argument checks and CRYPTO_ERR_ZERO_SHARED_SECRET for a low-order peer value.
   */
  sharedSecret(privateKey: X25519PrivateKey, peerPublicKey: Uint8Array): Promise<Uint8Array>;
}

const X25519 = { name: 'X25519' } as const;

// RFC 7748 §6.1: Alice's private key, Bob's public key and their shared secret.
const KNOWN_SCALAR = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const KNOWN_PEER = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const KNOWN_SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

/** @noble/curves refuses low-order peer values — exactly those whose shared secret is all zero. */
function nobleAgree(scalar: Uint8Array, peer: Uint8Array): Uint8Array | undefined {
  try {
    return x25519.getSharedSecret(scalar, peer);
  } catch {
    return undefined;
  }
}

/**
 * X25519 through WebCrypto; `undefined` when deriveBits fails, which for two imported keys the WebCrypto
 * specification allows for one reason only: an all-zero result. A peer value WebCrypto does not import
 * goes to `refused` (with a copy of the scalar): agreements give it to noble, because RFC 7748 §5 defines
 * every 32-byte string and both paths must accept the same inputs (neither Node nor Chromium refuses one
 * of Wycheproof's); detection counts it as no X25519.
 */
async function webCryptoAgree(
  s: SubtleLike,
  scalar: Uint8Array,
  peer: Uint8Array,
  refused: (scalar: Uint8Array) => Uint8Array | undefined,
): Promise<Uint8Array | undefined> {
  // Copied before the first await, so a destroy() meanwhile cannot change the scalar under us; wiped after.
  const pkcs8 = concatBytes(X25519_PKCS8_PREFIX, scalar);
  try {
    let publicKey: unknown;
    try {
      publicKey = await s.importKey('raw', peer, X25519, true, []);
    } catch {
      return refused(pkcs8.subarray(X25519_PKCS8_PREFIX.length));
    }
    const privateKey = await s.importKey('pkcs8', pkcs8, X25519, false, ['deriveBits']);
    try {
      const algorithm = { ...X25519, public: publicKey };
      return new Uint8Array(await s.deriveBits(algorithm, privateKey as never, X25519_KEY_LENGTH * 8));
    } catch {
      return undefined;
    }
  } finally {
    pkcs8.fill(0);
  }
}

/** 'webcrypto' when `s` imports X25519 keys and gets RFC 7748's answer, else 'noble'. */
async function detect(s: SubtleLike | undefined): Promise<X25519Implementation> {
  if (s === undefined) return 'noble';
  try {
    const shared = await webCryptoAgree(s, fromHex(KNOWN_SCALAR), fromHex(KNOWN_PEER), () => undefined);
    return shared !== undefined && toHex(shared) === KNOWN_SHARED ? 'webcrypto' : 'noble';
  } catch {
    return 'noble';
  }
}

/** X25519 over `subtle` (default `globalThis.crypto.subtle`); @noble/curves where there is no WebCrypto X25519. */
export function webCryptoX25519(subtle?: SubtleLike): WebCryptoX25519 {
  const s = subtle ?? (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  let detected: Promise<X25519Implementation> | undefined;
  const implementation = (): Promise<X25519Implementation> => {
    detected ??= detect(s);
    return detected;
  };
  return {
    implementation,
    async sharedSecret(privateKey, peerPublicKey) {
      x25519Scalar(privateKey, peerPublicKey); // the synchronous agreement's checks, before any waiting
      const viaWebCrypto = (await implementation()) === 'webcrypto';
      // Taken after the await: the key may have been destroyed meanwhile (then CRYPTO_ERR_KEY_DESTROYED).
      const scalar = x25519Scalar(privateKey, peerPublicKey);
      const noble = (copy: Uint8Array) => nobleAgree(copy, peerPublicKey);
      return refuseZeroSecret(
        viaWebCrypto ? await webCryptoAgree(s!, scalar, peerPublicKey, noble) : noble(scalar),
      );
    },
  };
}
