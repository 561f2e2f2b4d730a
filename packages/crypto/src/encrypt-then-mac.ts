/**
 * AES-256-CBC + HMAC-SHA256 in encrypt-then-MAC order (Bellare–Namprempre 2000; the composition of
 * RFC 7366 / draft-mcgrew-aead-aes-cbc-hmac-sha2): the tag covers everything the receiver uses, and is
 * checked — in constant time — before a single byte is decrypted, so padding errors are unreachable for
 * a forger (no Vaudenay padding oracle).
 *
 *   tag = HMAC-SHA256(macKey, u64be(len(ad)) ‖ ad ‖ iv ‖ ciphertext)        (full 32 bytes)
 *
 * The length prefix makes (ad, iv ‖ ciphertext) unambiguous for any associated data.
 */
import type { AesCipher, CryptoBackend, HmacKey } from './backend.js';
import { concatBytes, requireBytes, u64be } from './bytes.js';
import { constantTimeEqual } from './constant-time.js';
import { invalidArgument } from './errors.js';
import { isPaddedCiphertextLength, pad, unpad } from './pkcs7.js';

export const ETM_KEY_LENGTH = 32;
export const ETM_TAG_LENGTH = 32;

/** A pair of independent keys: AES-256 for confidentiality, HMAC-SHA256 for integrity. */
export class EtmKeys {
  readonly aes: AesCipher;
  readonly mac: HmacKey;

  constructor(backend: CryptoBackend, encKey: Uint8Array, macKey: Uint8Array) {
    requireEtmKeys(encKey, macKey);
    this.aes = backend.aes(encKey);
    this.mac = backend.hmacKey('sha256', macKey);
  }

  destroy(): void {
    this.aes.destroy();
    this.mac.destroy();
  }
}

/** Two 32-byte keys that differ; CRYPTO_ERR_INVALID_ARGUMENT otherwise. */
export function requireEtmKeys(encKey: Uint8Array, macKey: Uint8Array): void {
  requireBytes('encKey', encKey, ETM_KEY_LENGTH);
  requireBytes('macKey', macKey, ETM_KEY_LENGTH);
  if (constantTimeEqual(encKey, macKey)) throw invalidArgument('encKey and macKey must be different keys');
}

/** What the tag covers, in order: u64be(len(ad)) ‖ ad ‖ iv ‖ ciphertext. */
export function etmTagInput(ad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array[] {
  return [u64be(ad.length), ad, iv, ciphertext];
}

function tagOf(keys: EtmKeys, ad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return keys.mac.mac(etmTagInput(ad, iv, ciphertext));
}

/** ciphertext ‖ tag(32) for `plaintext` under `iv`. */
export function encryptThenMac(
  keys: EtmKeys,
  iv: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  const padded = pad(plaintext);
  const ciphertext = keys.aes.cbcEncrypt(iv, padded);
  padded.fill(0);
  return concatBytes(ciphertext, tagOf(keys, ad, iv, ciphertext));
}

/** Plaintext of `body` = ciphertext ‖ tag, or undefined for any failure (length, tag, padding). */
export function verifyThenDecrypt(
  keys: EtmKeys,
  iv: Uint8Array,
  body: Uint8Array,
  ad: Uint8Array,
): Uint8Array | undefined {
  const ciphertextLength = body.length - ETM_TAG_LENGTH;
  if (!isPaddedCiphertextLength(ciphertextLength)) return undefined;
  const ciphertext = body.subarray(0, ciphertextLength);
  if (!constantTimeEqual(tagOf(keys, ad, iv, ciphertext), body.subarray(ciphertextLength))) return undefined;
  const padded = keys.aes.cbcDecrypt(iv, ciphertext);
  const plaintext = unpad(padded);
  if (!plaintext) padded.fill(0);
  return plaintext;
}
