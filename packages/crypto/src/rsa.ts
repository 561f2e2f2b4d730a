/**
 * RSA-4096 operations: RSAES-OAEP with SHA-256 / MGF1-SHA-256 (RFC 8017 §7.1) and RSASSA-PSS with SHA-256 /
 * MGF1-SHA-256 and a 32-byte salt (RFC 8017 §8.1). There is no PKCS#1 v1.5 encryption in this package
 * (docs/lessons.md #5): OAEP is the only RSA encryption, and every OAEP decryption failure — wrong length,
 * ciphertext not below the modulus, bad padding, wrong label, wrong key — is the same CRYPTO_ERR_DECRYPT
 * with the same message, so the error itself is no Manger/Bleichenbacher oracle.
 */
import type { CryptoBackend } from './backend.js';
import { requireBytes } from './bytes.js';
import { decryptFailed, invalidArgument } from './errors.js';
import { HASH_LENGTH } from './hashing.js';
import {
  privateHandle,
  publicHandle,
  RSA_MODULUS_BYTES,
  type RsaPrivateKey,
  type RsaPublicKey,
} from './rsa-keys.js';
import type { VerifiedSignatures } from './verified-signatures.js';

/** Longest OAEP plaintext for a 4096-bit key: k − 2·hLen − 2 (RFC 8017 §7.1.1). */
export const RSA_OAEP_MAX_PLAINTEXT = RSA_MODULUS_BYTES - 2 * HASH_LENGTH - 2;
/** Bytes of every RSA-OAEP ciphertext: the 4096-bit modulus length, 512 (docs/crypto.md §3). */
export const RSA_CIPHERTEXT_LENGTH = RSA_MODULUS_BYTES;
/** Bytes of every RSA-PSS signature: the 4096-bit modulus length, 512 (docs/crypto.md §3). */
export const RSA_SIGNATURE_LENGTH = RSA_MODULUS_BYTES;
/** RSA-PSS salt length in bytes (= SHA-256 output); `verify` accepts exactly this (docs/crypto.md §3). */
export const PSS_SALT_LENGTH = 32;

const EMPTY = new Uint8Array(0);

export function oaepEncrypt(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
  key: RsaPublicKey,
  plaintext: Uint8Array,
  label: Uint8Array = EMPTY,
): Uint8Array {
  requireBytes('plaintext', plaintext);
  requireBytes('label', label);
  if (plaintext.length > RSA_OAEP_MAX_PLAINTEXT) {
    throw invalidArgument(`RSA-OAEP plaintext is at most ${RSA_OAEP_MAX_PLAINTEXT} bytes`);
  }
  const handle = publicHandle(key, backend);
  const seed = randomBytes(HASH_LENGTH);
  try {
    return backend.rsa.oaepEncrypt(handle, plaintext, label, seed);
  } finally {
    seed.fill(0);
  }
}

export function oaepDecrypt(
  backend: CryptoBackend,
  key: RsaPrivateKey,
  ciphertext: Uint8Array,
  label: Uint8Array = EMPTY,
): Uint8Array {
  requireBytes('ciphertext', ciphertext);
  requireBytes('label', label);
  const handle = privateHandle(key, backend);
  // RFC 8017 §7.1.2 step 1: a ciphertext that is not exactly k bytes is refused before any RSA work.
  if (ciphertext.length !== RSA_CIPHERTEXT_LENGTH) throw decryptFailed();
  try {
    return backend.rsa.oaepDecrypt(handle, ciphertext, label);
  } catch {
    throw decryptFailed();
  }
}

export function pssSign(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
  key: RsaPrivateKey,
  message: Uint8Array,
): Uint8Array {
  requireBytes('message', message);
  const handle = privateHandle(key, backend);
  const salt = randomBytes(PSS_SALT_LENGTH);
  return backend.rsa.pssSign(handle, message, salt);
}

/**
 * True only for a PSS-SHA256 signature with exactly a 32-byte salt; never throws for a bad signature. With
 * `verified`, a triple that verified before is not checked again (verified-signatures.ts) and a new success
 * is kept.
 */
export function pssVerify(
  backend: CryptoBackend,
  key: RsaPublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  verified?: VerifiedSignatures,
): boolean {
  requireBytes('message', message);
  requireBytes('signature', signature);
  const handle = publicHandle(key, backend);
  if (signature.length !== RSA_SIGNATURE_LENGTH) return false;
  if (verified?.has(key, message, signature)) return true;
  let valid: boolean;
  try {
    valid = backend.rsa.pssVerify(handle, message, signature) === true;
  } catch {
    return false;
  }
  if (valid) verified?.add(key, message, signature);
  return valid;
}
