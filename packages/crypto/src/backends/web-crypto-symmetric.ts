/**
 * AES-CBC, HMAC-SHA256 and HKDF-SHA256 through WebCrypto (docs/crypto.md "WebCrypto symmetric
 * operations"): the asynchronous counterparts of the synchronous backends' symmetric primitives, giving the
 * same bytes and applying the same rules (docs/crypto.md §4). WebCrypto is asynchronous, so this is no
 * `CryptoBackend`: it is the building block of the asynchronous packet and message ciphers
 * (web-crypto-packet-cipher.ts, web-crypto-message-cipher.ts). It imports no `node:*` module.
 *
 * Where WebCrypto differs from the synchronous primitives, and how the difference is closed:
 * - AES-CBC always applies PKCS#7 (RFC 5652 §6.3) — exactly the padding the synchronous ciphers add with
 *   pkcs7.ts, and its decryption checks every padding byte as `unpad` does;
 * - HMAC `verify` compares full tags only, so `hmacVerify` signs and compares the verifier's chosen
 *   number of leading bytes in constant time, like the synchronous `hmacVerify`;
 * - HMAC refuses an empty key, which HMAC itself allows (see `hmacKeyBytes`).
 */
import { concatBytes, requireBytes } from '../bytes.js';
import { invalidArgument } from '../errors.js';
import {
  dataParts,
  HASH_LENGTH,
  requireHkdfLength,
  requireTagLength,
  truncatedTagMatches,
} from '../hashing.js';
import { AES_BLOCK } from '../pkcs7.js';
import { platformSubtle, type SubtleLike } from './subtle.js';

/** An AES-CBC key held by WebCrypto (never extractable). */
export interface WebCryptoAesKey {
  readonly kind: 'aes-cbc';
  readonly handle: unknown;
}

/** An HMAC-SHA256 key held by WebCrypto (never extractable). */
export interface WebCryptoHmacKey {
  readonly kind: 'hmac-sha256';
  readonly handle: unknown;
}

/**
 * The asynchronous symmetric primitives over WebCrypto (docs/crypto.md "WebCrypto symmetric operations"):
 * byte-identical to the synchronous ones of `createCrypto`.
 */
export interface WebCryptoSymmetric {
  /** An AES key from 16, 24 or 32 raw bytes (copied; the caller may wipe its own). */
  importAesKey(raw: Uint8Array): Promise<WebCryptoAesKey>;
  /** AES-CBC of PKCS#7(plaintext) under a 16-byte `iv`: what the synchronous ciphers compute. */
  aesCbcEncrypt(key: WebCryptoAesKey, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /**
   * The plaintext, or `undefined` when the ciphertext is no whole number of blocks or its padding is
   * malformed. The ciphers check their tag first, so a forger never reaches this (docs/crypto.md §5).
   */
  aesCbcDecrypt(
    key: WebCryptoAesKey,
    iv: Uint8Array,
    ciphertext: Uint8Array,
  ): Promise<Uint8Array | undefined>;
  /** An HMAC-SHA256 key from raw bytes of any length (copied). */
  importHmacKey(raw: Uint8Array): Promise<WebCryptoHmacKey>;
  /** HMAC-SHA256 over the concatenation of `data`'s parts: 32 bytes. */
  hmac(key: WebCryptoHmacKey, data: Uint8Array | readonly Uint8Array[]): Promise<Uint8Array>;
  /** Constant-time check of the first `tagLength` (16..32, default 32) bytes; a tag of another length is wrong. */
  hmacVerify(
    key: WebCryptoHmacKey,
    data: Uint8Array | readonly Uint8Array[],
    tag: Uint8Array,
    tagLength?: number,
  ): Promise<boolean>;
  /** HKDF-SHA256 (RFC 5869), `length` 1..8160 bytes; an empty salt means 32 zero bytes. */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /** HKDF-SHA256 straight into an AES-256 key: the 32 derived bytes never reach JavaScript memory. */
  hkdfAesKey(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<WebCryptoAesKey>;
  /** HKDF-SHA256 straight into a 32-byte HMAC-SHA256 key, likewise. */
  hkdfHmacKey(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<WebCryptoHmacKey>;
}

const AES_CBC = { name: 'AES-CBC' } as const;
const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256' } as const;
const HKDF = { name: 'HKDF' } as const;
const AES_USAGES = ['encrypt', 'decrypt'];
const HMAC_USAGES = ['sign'];
const DERIVED_KEY_BITS = 256;

/**
 * WebCrypto refuses a zero-length HMAC key, HMAC does not: RFC 2104 §2 pads a key shorter than the hash's
 * block with zeros, so the empty key and the key of one zero byte are the same HMAC key.
 */
function hmacKeyBytes(raw: Uint8Array): Uint8Array {
  return raw.length === 0 ? new Uint8Array(1) : raw;
}

/** RFC 5869 §2.2: an absent salt is HashLen zero bytes (docs/crypto.md §4), said explicitly to WebCrypto. */
function hkdfParameters(salt: Uint8Array, info: Uint8Array): object {
  return {
    ...HKDF,
    hash: 'SHA-256',
    salt: salt.length > 0 ? salt : new Uint8Array(HASH_LENGTH),
    info,
  };
}

function requireKey<K extends WebCryptoAesKey | WebCryptoHmacKey>(key: unknown, kind: K['kind']): K {
  if (typeof key !== 'object' || key === null || (key as { kind?: unknown }).kind !== kind) {
    throw invalidArgument(`expected a WebCrypto ${kind} key`);
  }
  return key as K;
}

function requireIv(iv: unknown): Uint8Array {
  return requireBytes('iv', iv, AES_BLOCK);
}

/** Symmetric primitives over `subtle` (default `globalThis.crypto.subtle`); CRYPTO_ERR_INVALID_ARGUMENT when there is none. */
export function webCryptoSymmetric(subtle?: SubtleLike): WebCryptoSymmetric {
  const s = platformSubtle(subtle);

  const hkdfInput = (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<unknown> => {
    requireBytes('ikm', ikm);
    requireBytes('salt', salt);
    requireBytes('info', info);
    return s.importKey('raw', ikm, HKDF, false, ['deriveBits', 'deriveKey']);
  };

  /** HKDF-SHA256 into a non-extractable 256-bit key of `algorithm`, for `usages`. */
  const hkdfKey = async (
    ikm: Uint8Array,
    salt: Uint8Array,
    info: Uint8Array,
    algorithm: object,
    usages: string[],
  ): Promise<unknown> => {
    const input = await hkdfInput(ikm, salt, info);
    const derived = { ...algorithm, length: DERIVED_KEY_BITS };
    return s.deriveKey(hkdfParameters(salt, info), input as never, derived, false, usages);
  };

  const hmac = async (key: WebCryptoHmacKey, data: Uint8Array | readonly Uint8Array[]) => {
    const handle = requireKey<WebCryptoHmacKey>(key, 'hmac-sha256').handle as never;
    const parts = dataParts(data);
    // WebCrypto takes one buffer: the parts are joined (a copy of public data, no key bytes).
    const joined = parts.length === 1 ? parts[0]! : concatBytes(...parts);
    return new Uint8Array(await s.sign(HMAC_SHA256, handle, joined));
  };

  return {
    async importAesKey(raw) {
      requireBytes('key', raw);
      if (raw.length !== 16 && raw.length !== 24 && raw.length !== 32) {
        throw invalidArgument('AES key must be 16, 24 or 32 bytes');
      }
      return { kind: 'aes-cbc', handle: await s.importKey('raw', raw, AES_CBC, false, AES_USAGES) };
    },
    async aesCbcEncrypt(key, iv, plaintext) {
      const handle = requireKey<WebCryptoAesKey>(key, 'aes-cbc').handle as never;
      requireIv(iv);
      requireBytes('plaintext', plaintext);
      return new Uint8Array(await s.encrypt({ ...AES_CBC, iv }, handle, plaintext));
    },
    async aesCbcDecrypt(key, iv, ciphertext) {
      const handle = requireKey<WebCryptoAesKey>(key, 'aes-cbc').handle as never;
      requireIv(iv);
      requireBytes('ciphertext', ciphertext);
      if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0) return undefined;
      try {
        return new Uint8Array(await s.decrypt({ ...AES_CBC, iv }, handle, ciphertext));
      } catch {
        // WebCrypto's one decryption failure for a whole number of blocks is malformed padding.
        return undefined;
      }
    },
    async importHmacKey(raw) {
      requireBytes('key', raw);
      const handle = await s.importKey('raw', hmacKeyBytes(raw), HMAC_SHA256, false, HMAC_USAGES);
      return { kind: 'hmac-sha256', handle };
    },
    hmac,
    async hmacVerify(key, data, tag, tagLength = HASH_LENGTH) {
      requireTagLength(tagLength);
      requireBytes('tag', tag);
      // Not WebCrypto's verify: it compares full tags only, and the verifier decides the length (§4).
      return truncatedTagMatches(await hmac(key, data), tag, tagLength);
    },
    async hkdf(ikm, salt, info, length) {
      requireHkdfLength(length);
      const input = await hkdfInput(ikm, salt, info);
      return new Uint8Array(await s.deriveBits(hkdfParameters(salt, info), input as never, length * 8));
    },
    async hkdfAesKey(ikm, salt, info) {
      return { kind: 'aes-cbc', handle: await hkdfKey(ikm, salt, info, AES_CBC, AES_USAGES) };
    },
    async hkdfHmacKey(ikm, salt, info) {
      return { kind: 'hmac-sha256', handle: await hkdfKey(ikm, salt, info, HMAC_SHA256, HMAC_USAGES) };
    },
  };
}
