/**
 * The message cipher for control frames (docs/design.md §3 step 5; docs/session-protocol.md §2):
 *
 *   sealed = iv(16, random) ‖ AES-256-CBC(encKey, iv, PKCS#7(plaintext)) ‖ tag(32)
 *
 * with the tag of encrypt-then-mac.ts over the associated data (the channel passes its implicit sequence
 * number there, so a replayed, reordered or dropped frame fails authentication). Every failure to open is
 * CRYPTO_ERR_AUTH.
 */
import type { CryptoBackend } from './backend.js';
import { concatBytes, requireBytes } from './bytes.js';
import { EtmKeys, encryptThenMac, verifyThenDecrypt } from './encrypt-then-mac.js';
import { authFailed, CryptoError, CryptoErrorCode } from './errors.js';
import { AES_BLOCK } from './pkcs7.js';

/** Bytes of the random CBC IV that starts every sealed control frame (docs/crypto.md §5). */
export const MESSAGE_IV_LENGTH = 16;
/** Bytes of the full HMAC-SHA256 tag that ends every sealed control frame (docs/crypto.md §5). */
export const MESSAGE_TAG_LENGTH = 32;
/** Sealed length = plaintext length rounded up to the next block (always ≥ 1 padding byte) + this. */
export const MESSAGE_OVERHEAD = MESSAGE_IV_LENGTH + MESSAGE_TAG_LENGTH;

const EMPTY = new Uint8Array(0);

/**
 * AES-256-CBC + HMAC-SHA256 (encrypt-then-MAC) for control frames: `iv ‖ ct ‖ tag`, fresh random IV, tag over
 * the associated data too (docs/crypto.md §5). Made by `LeitungCrypto.createMessageCipher`.
 */
export interface MessageCipher {
  /** iv ‖ ciphertext ‖ tag, with a fresh random IV. */
  seal(plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  /** The plaintext, or CRYPTO_ERR_AUTH for any tampering, truncation or wrong associated data. */
  open(sealed: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  /** Wipes the keys; later calls throw CRYPTO_ERR_KEY_DESTROYED. */
  destroy(): void;
}

class AesCbcHmacMessageCipher implements MessageCipher {
  readonly #keys: EtmKeys;
  readonly #randomBytes: (length: number) => Uint8Array;
  #destroyed = false;

  constructor(
    backend: CryptoBackend,
    randomBytes: (length: number) => Uint8Array,
    encKey: Uint8Array,
    macKey: Uint8Array,
  ) {
    this.#keys = new EtmKeys(backend, encKey, macKey);
    this.#randomBytes = randomBytes;
  }

  #live(): EtmKeys {
    if (this.#destroyed) throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'message cipher was destroyed');
    return this.#keys;
  }

  seal(plaintext: Uint8Array, associatedData: Uint8Array = EMPTY): Uint8Array {
    const keys = this.#live();
    requireBytes('plaintext', plaintext);
    requireBytes('associatedData', associatedData);
    const iv = this.#randomBytes(MESSAGE_IV_LENGTH);
    return concatBytes(iv, encryptThenMac(keys, iv, plaintext, associatedData));
  }

  open(sealed: Uint8Array, associatedData: Uint8Array = EMPTY): Uint8Array {
    const keys = this.#live();
    requireBytes('sealed', sealed);
    requireBytes('associatedData', associatedData);
    if (sealed.length < MESSAGE_OVERHEAD + AES_BLOCK) throw authFailed();
    const plaintext = verifyThenDecrypt(
      keys,
      sealed.subarray(0, MESSAGE_IV_LENGTH),
      sealed.subarray(MESSAGE_IV_LENGTH),
      associatedData,
    );
    if (!plaintext) throw authFailed();
    return plaintext;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#keys.destroy();
  }
}

export function createMessageCipher(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
  encKey: Uint8Array,
  macKey: Uint8Array,
): MessageCipher {
  return new AesCbcHmacMessageCipher(backend, randomBytes, encKey, macKey);
}
