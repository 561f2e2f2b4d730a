/**
 * @packageDocumentation
 * @leitung/crypto for browsers and other non-Node runtimes (`@leitung/crypto/portable`, and the `browser`
 * export condition of `@leitung/crypto`): the same API with the portable backend (node-forge + `@noble/*` +
 * WebCrypto random and key generation) as the default. Imports nothing from `node:*`.
 */
import { portableBackend } from './backends/portable.js';
import { bindCrypto, type CreateCryptoOptions, type LeitungCrypto } from './create-crypto.js';

export { portableBackend } from './backends/portable.js';
export {
  type AesCipher,
  type AsyncMessageCipher,
  type AsyncPacketCipher,
  CRYPTO_ERROR_CODES,
  type CreateCryptoOptions,
  type CryptoBackend,
  CryptoError,
  CryptoErrorCode,
  CryptoReplayError,
  constantTimeEqual,
  DEFAULT_REPLAY_WINDOW,
  DEFAULT_SCRYPT_PARAMETERS,
  decodePem,
  encodePem,
  fromHex,
  type GenerateRsaKeyPairOptions,
  type HashName,
  type HmacKey,
  isCryptoError,
  type KeygenPhase,
  type KeygenProgress,
  type LeitungCrypto,
  MESSAGE_IV_LENGTH,
  MESSAGE_OVERHEAD,
  MESSAGE_TAG_LENGTH,
  type MessageCipher,
  MIN_REPLAY_WINDOW,
  PACKET_MIN_LENGTH,
  PACKET_TAG_LENGTH,
  type PacketCipher,
  type PacketCipherOptions,
  type PemLabel,
  PSS_SALT_LENGTH,
  type ReplayReason,
  type ReplayVerdict,
  ReplayWindow,
  RSA_CIPHERTEXT_LENGTH,
  RSA_MODULUS_BITS,
  RSA_OAEP_MAX_PLAINTEXT,
  RSA_SIGNATURE_LENGTH,
  type RsaBackend,
  type RsaKeyPair,
  RsaPrivateKey,
  RsaPublicKey,
  type ScryptOptions,
  type ScryptParameters,
  SEAL_OVERHEAD,
  SEAL_SECRET_LENGTH,
  SEAL_VERSION,
  type SubtleLike,
  spkiOfPkcs8,
  toHex,
  type WebCryptoAesKey,
  type WebCryptoHmacKey,
  type WebCryptoMessageCipherOptions,
  type WebCryptoPacketCipherOptions,
  type WebCryptoRsa,
  type WebCryptoRsaPrivateKey,
  type WebCryptoRsaPublicKey,
  type WebCryptoSymmetric,
  type WebCryptoX25519,
  webCryptoMessageCipher,
  webCryptoPacketCipher,
  webCryptoRsa,
  webCryptoSymmetric,
  webCryptoX25519,
  X25519_KEY_LENGTH,
  type X25519Implementation,
  type X25519KeyPair,
  X25519PrivateKey,
  zeroize,
} from './public-api.js';

/** The crypto API bound to a backend; the portable one unless `options.backend` says otherwise. */
export function createCrypto(options?: CreateCryptoOptions): LeitungCrypto {
  return bindCrypto(portableBackend, options);
}
