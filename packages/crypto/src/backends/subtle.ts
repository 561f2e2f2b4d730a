/**
 * The platform's WebCrypto (`crypto.subtle`), as the WebCrypto building blocks use it (docs/crypto.md
 * "WebCrypto RSA", "WebCrypto symmetric operations"). Declared here rather than taken from the DOM library
 * so the package compiles without it; browsers and Node 20 have the same API at `globalThis.crypto.subtle`.
 */
import { CryptoError, CryptoErrorCode } from '../errors.js';

/** The part of WebCrypto's `SubtleCrypto` used here (`globalThis.crypto.subtle` in browsers and Node 20). */
export interface SubtleLike {
  generateKey(algorithm: object, extractable: boolean, usages: string[]): Promise<unknown>;
  importKey(
    format: 'pkcs8' | 'spki' | 'raw',
    data: Uint8Array,
    algorithm: object,
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
  exportKey(format: 'pkcs8' | 'spki', key: never): Promise<ArrayBuffer>;
  encrypt(algorithm: object, key: never, data: Uint8Array): Promise<ArrayBuffer>;
  decrypt(algorithm: object, key: never, data: Uint8Array): Promise<ArrayBuffer>;
  sign(algorithm: object, key: never, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: object, key: never, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  deriveBits(algorithm: object, key: never, length: number): Promise<ArrayBuffer>;
  deriveKey(
    algorithm: object,
    key: never,
    derivedKeyType: object,
    extractable: boolean,
    usages: string[],
  ): Promise<unknown>;
}

/** `subtle`, or the platform's; CRYPTO_ERR_INVALID_ARGUMENT when there is none. */
export function platformSubtle(subtle?: SubtleLike): SubtleLike {
  const s = subtle ?? (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (s === undefined) {
    throw new CryptoError(CryptoErrorCode.InvalidArgument, 'this platform has no WebCrypto (crypto.subtle)');
  }
  return s;
}
