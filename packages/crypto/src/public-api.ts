/**
 * Everything both entry points export that does not depend on the default backend. The entries
 * (index.ts for Node, portable.ts for browsers) add `createCrypto` with their own default backend.
 */
export type { AesCipher, CryptoBackend, HashName, HmacKey, RsaBackend, ScryptParameters } from './backend.js';
export type { SubtleLike } from './backends/subtle.js';
export {
  type WebCryptoRsa,
  type WebCryptoRsaPrivateKey,
  type WebCryptoRsaPublicKey,
  webCryptoRsa,
} from './backends/web-crypto-rsa.js';
export {
  type WebCryptoAesKey,
  type WebCryptoHmacKey,
  type WebCryptoSymmetric,
  webCryptoSymmetric,
} from './backends/web-crypto-symmetric.js';
export {
  type WebCryptoX25519,
  webCryptoX25519,
  type X25519Implementation,
} from './backends/web-crypto-x25519.js';
export { fromHex, toHex } from './bytes.js';
export { constantTimeEqual } from './constant-time.js';
export type { CreateCryptoOptions, LeitungCrypto } from './create-crypto.js';
export {
  CRYPTO_ERROR_CODES,
  CryptoError,
  CryptoErrorCode,
  CryptoReplayError,
  isCryptoError,
  type ReplayReason,
} from './errors.js';
export {
  MESSAGE_IV_LENGTH,
  MESSAGE_OVERHEAD,
  MESSAGE_TAG_LENGTH,
  type MessageCipher,
} from './message-cipher.js';
export { ML_KEM_768, type MlKemKeyPair, MlKemPrivateKey } from './ml-kem.js';
export {
  PACKET_MIN_LENGTH,
  PACKET_TAG_LENGTH,
  type PacketCipher,
  type PacketCipherOptions,
} from './packet-cipher.js';
export { decodePem, encodePem, type PemLabel } from './pem.js';
export {
  DEFAULT_REPLAY_WINDOW,
  MIN_REPLAY_WINDOW,
  type ReplayVerdict,
  ReplayWindow,
} from './replay-window.js';
export {
  PSS_SALT_LENGTH,
  RSA_CIPHERTEXT_LENGTH,
  RSA_OAEP_MAX_PLAINTEXT,
  RSA_SIGNATURE_LENGTH,
} from './rsa.js';
export type { GenerateRsaKeyPairOptions, KeygenPhase, KeygenProgress, RsaKeyPair } from './rsa-keygen.js';
export { RSA_MODULUS_BITS, RsaPrivateKey, RsaPublicKey, spkiOfPkcs8 } from './rsa-keys.js';
export { DEFAULT_SCRYPT_PARAMETERS, type ScryptOptions } from './scrypt.js';
export { SEAL_OVERHEAD, SEAL_SECRET_LENGTH, SEAL_VERSION } from './sealed-box.js';
export {
  type AsyncMessageCipher,
  type WebCryptoMessageCipherOptions,
  webCryptoMessageCipher,
} from './web-crypto-message-cipher.js';
export {
  type AsyncPacketCipher,
  type WebCryptoPacketCipherOptions,
  webCryptoPacketCipher,
} from './web-crypto-packet-cipher.js';
export { X25519_KEY_LENGTH, type X25519KeyPair, X25519PrivateKey } from './x25519.js';
export { zeroize } from './zeroize.js';
