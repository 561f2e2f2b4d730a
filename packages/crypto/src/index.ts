/**
 * @packageDocumentation
 * @leitung/crypto for Node: every cryptographic operation of the Leitung protocol (RSA-4096 OAEP/PSS,
 * AES-256-CBC + HMAC-SHA256 message and packet ciphers, sealed boxes, SHA3-256, HKDF, scrypt, X25519,
 * fingerprints and safety numbers). `createCrypto()` uses the native node:crypto backend by default;
 * `portableBackend()` (node-forge + @noble) is the pure-JS alternative, also at `@leitung/crypto/portable`.
 */
import { nativeBackend } from './backends/node.js';
import { type CreateCryptoOptions, type LeitungCrypto, bindCrypto } from './create-crypto.js';

export { nativeBackend } from './backends/node.js';
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

/** The crypto API bound to a backend; node:crypto unless `options.backend` says otherwise. */
export function createCrypto(options?: CreateCryptoOptions): LeitungCrypto {
  return bindCrypto(nativeBackend, options);
}
