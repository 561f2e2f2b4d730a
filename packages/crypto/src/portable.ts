/**
 * @packageDocumentation
 * @leitung/crypto for browsers and other non-Node runtimes (`@leitung/crypto/portable`, and the `browser`
 * export condition of `@leitung/crypto`): the same API with the portable backend (node-forge + @noble +
 * WebCrypto random and key generation) as the default. Imports nothing from `node:*`.
 */
import { portableBackend } from './backends/portable.js';
import { type CreateCryptoOptions, type LeitungCrypto, bindCrypto } from './create-crypto.js';

export { portableBackend } from './backends/portable.js';
export {
  type AesCipher,
  type CryptoBackend,
  type HashName,
  type HmacKey,
  type RsaBackend,
  type ScryptParameters,
  constantTimeEqual,
  type CreateCryptoOptions,
  type LeitungCrypto,
  CryptoError,
  CryptoErrorCode,
  CryptoReplayError,
  type ReplayReason,
  MESSAGE_IV_LENGTH,
  MESSAGE_OVERHEAD,
  MESSAGE_TAG_LENGTH,
  type MessageCipher,
  PACKET_MIN_LENGTH,
  PACKET_TAG_LENGTH,
  type PacketCipher,
  type PacketCipherOptions,
  decodePem,
  encodePem,
  type PemLabel,
  DEFAULT_REPLAY_WINDOW,
  MIN_REPLAY_WINDOW,
  ReplayWindow,
  type ReplayVerdict,
  PSS_SALT_LENGTH,
  RSA_CIPHERTEXT_LENGTH,
  RSA_OAEP_MAX_PLAINTEXT,
  RSA_SIGNATURE_LENGTH,
  type GenerateRsaKeyPairOptions,
  type KeygenPhase,
  type KeygenProgress,
  type RsaKeyPair,
  RSA_MODULUS_BITS,
  RsaPrivateKey,
  RsaPublicKey,
  DEFAULT_SCRYPT_PARAMETERS,
  type ScryptOptions,
  SEAL_OVERHEAD,
  SEAL_SECRET_LENGTH,
  SEAL_VERSION,
  X25519_KEY_LENGTH,
  type X25519KeyPair,
  X25519PrivateKey,
  zeroize,
} from './public-api.js';

/** The crypto API bound to a backend; the portable one unless `options.backend` says otherwise. */
export function createCrypto(options?: CreateCryptoOptions): LeitungCrypto {
  return bindCrypto(portableBackend, options);
}
