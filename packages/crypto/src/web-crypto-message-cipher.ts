/**
 * The control-frame cipher of message-cipher.ts (docs/crypto.md §5) on WebCrypto, asynchronous:
 * `iv ‖ AES-256-CBC(encKey, iv, PKCS#7(plaintext)) ‖ HMAC-SHA256(macKey, u64be(len(ad)) ‖ ad ‖ iv ‖ ct)`,
 * byte for byte what the synchronous cipher gives for the same keys and IV, and every failure to open
 * CRYPTO_ERR_AUTH, the tag checked in constant time before anything is decrypted. Inputs are copied before
 * the first await, so a caller reusing its buffers cannot make the bytes decrypted differ from the bytes
 * authenticated.
 */

import type { SubtleLike } from './backends/subtle.js';
import {
  type WebCryptoAesKey,
  type WebCryptoHmacKey,
  type WebCryptoSymmetric,
  webCryptoSymmetric,
} from './backends/web-crypto-symmetric.js';
import { requireBytes } from './bytes.js';
import { constantTimeEqual } from './constant-time.js';
import { ETM_TAG_LENGTH, etmTagInput, requireEtmKeys } from './encrypt-then-mac.js';
import { authFailed, CryptoError, CryptoErrorCode } from './errors.js';
import { MESSAGE_IV_LENGTH, MESSAGE_OVERHEAD } from './message-cipher.js';
import { isPaddedCiphertextLength } from './pkcs7.js';
import { checkedRandom, platformRandomBytes } from './random.js';

/** Options of `webCryptoMessageCipher`: the WebCrypto to use and the source of IVs. */
export interface WebCryptoMessageCipherOptions {
  /** Default `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleLike;
  /** Source of the 16-byte IVs (default `crypto.getRandomValues`); injectable for deterministic tests. */
  readonly randomBytes?: (length: number) => Uint8Array;
}

/**
 * The message cipher (docs/crypto.md §5) with promises: interoperates byte for byte with `MessageCipher`.
 * Made by `webCryptoMessageCipher`.
 */
export interface AsyncMessageCipher {
  /** iv ‖ ciphertext ‖ tag, with a fresh random IV. */
  seal(plaintext: Uint8Array, associatedData?: Uint8Array): Promise<Uint8Array>;
  /** The plaintext, or CRYPTO_ERR_AUTH for any tampering, truncation, bad padding or wrong associated data. */
  open(sealed: Uint8Array, associatedData?: Uint8Array): Promise<Uint8Array>;
  /** Drops the WebCrypto keys (they cannot be overwritten from JavaScript); later calls: CRYPTO_ERR_KEY_DESTROYED. */
  destroy(): void;
}

interface MessageKeys {
  readonly enc: WebCryptoAesKey;
  readonly mac: WebCryptoHmacKey;
}

const EMPTY = new Uint8Array(0);

class WebCryptoAesCbcHmacMessageCipher implements AsyncMessageCipher {
  readonly #symmetric: WebCryptoSymmetric;
  readonly #randomBytes: (length: number) => Uint8Array;
  #keys: MessageKeys | undefined;

  constructor(symmetric: WebCryptoSymmetric, keys: MessageKeys, randomBytes: (length: number) => Uint8Array) {
    this.#symmetric = symmetric;
    this.#keys = keys;
    this.#randomBytes = randomBytes;
  }

  #live(): MessageKeys {
    if (this.#keys === undefined) {
      throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'message cipher was destroyed');
    }
    return this.#keys;
  }

  async seal(plaintext: Uint8Array, associatedData: Uint8Array = EMPTY): Promise<Uint8Array> {
    const keys = this.#live();
    requireBytes('plaintext', plaintext);
    requireBytes('associatedData', associatedData);
    const ad = associatedData.slice();
    const iv = this.#randomBytes(MESSAGE_IV_LENGTH);
    // WebCrypto's AES-CBC copies the plaintext when called, before this function first waits.
    const ciphertext = await this.#symmetric.aesCbcEncrypt(keys.enc, iv, plaintext);
    const tag = await this.#symmetric.hmac(keys.mac, etmTagInput(ad, iv, ciphertext));
    const sealed = new Uint8Array(MESSAGE_IV_LENGTH + ciphertext.length + ETM_TAG_LENGTH);
    sealed.set(iv);
    sealed.set(ciphertext, MESSAGE_IV_LENGTH);
    sealed.set(tag, MESSAGE_IV_LENGTH + ciphertext.length);
    return sealed;
  }

  async open(sealed: Uint8Array, associatedData: Uint8Array = EMPTY): Promise<Uint8Array> {
    const keys = this.#live();
    requireBytes('sealed', sealed);
    requireBytes('associatedData', associatedData);
    const ciphertextLength = sealed.length - MESSAGE_OVERHEAD;
    if (!isPaddedCiphertextLength(ciphertextLength)) throw authFailed();
    const copy = sealed.slice();
    const iv = copy.subarray(0, MESSAGE_IV_LENGTH);
    const ciphertext = copy.subarray(MESSAGE_IV_LENGTH, MESSAGE_IV_LENGTH + ciphertextLength);
    const tag = await this.#symmetric.hmac(keys.mac, etmTagInput(associatedData, iv, ciphertext));
    if (!constantTimeEqual(tag, copy.subarray(MESSAGE_IV_LENGTH + ciphertextLength))) throw authFailed();
    const plaintext = await this.#symmetric.aesCbcDecrypt(keys.enc, iv, ciphertext);
    if (plaintext === undefined) throw authFailed();
    return plaintext;
  }

  destroy(): void {
    this.#keys = undefined;
  }
}

/** The asynchronous message cipher for two different 32-byte keys (copied into non-extractable WebCrypto keys). */
export async function webCryptoMessageCipher(
  encKey: Uint8Array,
  macKey: Uint8Array,
  options: WebCryptoMessageCipherOptions = {},
): Promise<AsyncMessageCipher> {
  requireEtmKeys(encKey, macKey);
  const symmetric = webCryptoSymmetric(options.subtle);
  const randomBytes = checkedRandom(options.randomBytes ?? platformRandomBytes);
  const [enc, mac] = await Promise.all([symmetric.importAesKey(encKey), symmetric.importHmacKey(macKey)]);
  return new WebCryptoAesCbcHmacMessageCipher(symmetric, { enc, mac }, randomBytes);
}
