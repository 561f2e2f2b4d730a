/**
 * The package API as one object bound to a backend: `createCrypto({ backend })`. Sans-I/O cores receive
 * such an object (and through it their randomness), so tests can run every operation on both backends and
 * inject a deterministic random source. All methods are synchronous except RSA key generation, scrypt and
 * the scrypt-based encrypted-key import/export, which also have `…Sync` forms where that is cheap.
 */
import type { CryptoBackend, HashName } from './backend.js';
import {
  decryptPkcs8,
  decryptPkcs8Sync,
  finishEncryption,
  PKCS8_KEY_LENGTH,
  planEncryption,
} from './encrypted-pkcs8.js';
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';
import { safetyNumber } from './fingerprint.js';
import { hash, hkdf, hmac, hmacVerify } from './hashing.js';
import { createMessageCipher, type MessageCipher } from './message-cipher.js';
import {
  generateMlKemKeyPair,
  type MlKemKeyPair,
  type MlKemPrivateKey,
  mlKemDecapsulate,
  mlKemEncapsulate,
} from './ml-kem.js';
import { createPacketCipher, type PacketCipher, type PacketCipherOptions } from './packet-cipher.js';
import { PublicKeyCache } from './public-key-cache.js';
import { checkedRandom } from './random.js';
import { oaepDecrypt, oaepEncrypt, pssSign, pssVerify } from './rsa.js';
import { type GenerateRsaKeyPairOptions, generateRsaKeyPair, type RsaKeyPair } from './rsa-keygen.js';
import {
  importPrivateKey,
  importPublicKey,
  privateKeyFromPkcs8,
  RsaPrivateKey,
  RsaPublicKey,
} from './rsa-keys.js';
import { type ScryptOptions, type ScryptParameters, scryptAsync, scryptSync } from './scrypt.js';
import { open, openUnwrapped, seal, sealedBoxWrappedSecret } from './sealed-box.js';
import { VerifiedSignatures } from './verified-signatures.js';
import {
  generateX25519KeyPair,
  importX25519PrivateKey,
  type X25519KeyPair,
  type X25519PrivateKey,
  x25519SharedSecret,
} from './x25519.js';

/**
 * Options of `createCrypto`: the backend, and an injectable random source and clock, so sans-I/O cores and
 * tests receive their crypto (and its randomness) by injection (docs/crypto.md §1).
 */
export interface CreateCryptoOptions {
  /** The implementation; the entry point's default (native on Node, portable in browsers). */
  readonly backend?: CryptoBackend;
  /**
   * Source of IVs, secrets, salts, OAEP seeds, PSS salts and X25519 keys (default: the backend's CSPRNG).
   * Meant for deterministic tests. The native backend ignores it for OAEP seeds and PSS salts (OpenSSL
   * draws those itself) and RSA key generation always uses the platform generator.
   */
  readonly randomBytes?: (length: number) => Uint8Array;
  /** Clock for key-generation progress (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * The package API bound to one backend, returned by `createCrypto`: hashes, HMAC, HKDF, scrypt, RSA-4096
 * keys, OAEP, PSS, sealed boxes, message and packet ciphers, ML-KEM-768, X25519, fingerprints
 * (docs/crypto.md).
 */
export interface LeitungCrypto {
  readonly backend: CryptoBackend;

  /** `length` bytes from the CSPRNG (or the injected source). */
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  sha3_256(data: Uint8Array): Uint8Array;
  /** SHA3-256 under the seed's name (`quantum_safe_hash`). */
  quantumSafeHash(data: Uint8Array): Uint8Array;
  hash(name: HashName, data: Uint8Array): Uint8Array;
  hmac(name: HashName, key: Uint8Array, data: Uint8Array | readonly Uint8Array[]): Uint8Array;
  /** Constant-time HMAC check; `tagLength` (16..32, default 32) is how many leading bytes must match. */
  hmacVerify(
    name: HashName,
    key: Uint8Array,
    data: Uint8Array | readonly Uint8Array[],
    tag: Uint8Array,
    tagLength?: number,
  ): boolean;
  /** RFC 5869; `length` 1..8160 bytes. An empty salt means HashLen zero bytes. */
  hkdf(name: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** RFC 7914; defaults N = 2^15, r = 8, p = 1, length 32. Strings are NFC-normalised UTF-8. */
  scrypt(passphrase: string | Uint8Array, salt: Uint8Array, options?: ScryptOptions): Promise<Uint8Array>;
  scryptSync(passphrase: string | Uint8Array, salt: Uint8Array, options?: ScryptOptions): Uint8Array;

  generateRsaKeyPair(options?: GenerateRsaKeyPairOptions): Promise<RsaKeyPair>;
  /** SPKI DER bytes or "PUBLIC KEY" PEM; RSA-4096, e = 65537 only. */
  importRsaPublicKey(input: string | Uint8Array): RsaPublicKey;
  /** Unencrypted PKCS#8 DER bytes or "PRIVATE KEY" PEM; RSA-4096, e = 65537 only. */
  importRsaPrivateKey(input: string | Uint8Array): RsaPrivateKey;
  /** "ENCRYPTED PRIVATE KEY" PEM or DER (PBES2: scrypt or PBKDF2-HMAC-SHA256, AES-256-CBC). */
  importEncryptedRsaPrivateKey(
    input: string | Uint8Array,
    passphrase: string | Uint8Array,
  ): Promise<RsaPrivateKey>;
  importEncryptedRsaPrivateKeySync(
    input: string | Uint8Array,
    passphrase: string | Uint8Array,
  ): RsaPrivateKey;
  /** "ENCRYPTED PRIVATE KEY" PEM: PBES2 with scrypt (default N = 2^15, r = 8, p = 1) and AES-256-CBC. */
  exportEncryptedRsaPrivateKey(
    key: RsaPrivateKey,
    passphrase: string | Uint8Array,
    scrypt?: Partial<ScryptParameters>,
  ): Promise<string>;
  exportEncryptedRsaPrivateKeySync(
    key: RsaPrivateKey,
    passphrase: string | Uint8Array,
    scrypt?: Partial<ScryptParameters>,
  ): string;

  /** RSA-OAEP-SHA256 (MGF1-SHA256); plaintext ≤ 446 bytes; output 512 bytes. */
  rsaEncrypt(key: RsaPublicKey, plaintext: Uint8Array, label?: Uint8Array): Uint8Array;
  /** Any failure: CRYPTO_ERR_DECRYPT. */
  rsaDecrypt(key: RsaPrivateKey, ciphertext: Uint8Array, label?: Uint8Array): Uint8Array;
  /** RSA-PSS-SHA256, MGF1-SHA256, 32-byte salt; 512-byte signature. */
  sign(key: RsaPrivateKey, message: Uint8Array): Uint8Array;
  verify(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean;

  /** Hybrid encryption to `recipient`, any size (docs/crypto.md §Sealed box). */
  seal(recipient: RsaPublicKey, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  /** Any failure: CRYPTO_ERR_DECRYPT. */
  open(key: RsaPrivateKey, sealed: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  /**
   * `open` in two halves, for a private key held elsewhere (WebCrypto, a worker; docs/crypto.md §7
   * "Opening in two halves"): the wrapped secret and its OAEP label, to decrypt there (undefined when
   * `sealed` is malformed)…
   */
  sealedBoxWrappedSecret(
    sealed: Uint8Array,
  ): { readonly ciphertext: Uint8Array; readonly label: Uint8Array } | undefined;
  /**
   * …and the rest with what it decrypted to, or `undefined` when that failed: same CRYPTO_ERR_DECRYPT on
   * the same path as a bad tag (implicit rejection). Wipes `secret`.
   */
  openUnwrapped(sealed: Uint8Array, secret: Uint8Array | undefined, associatedData?: Uint8Array): Uint8Array;

  /** Control-frame cipher with two independent 32-byte keys. */
  createMessageCipher(encKey: Uint8Array, macKey: Uint8Array): MessageCipher;
  /** Media packet cipher from 32 or 64 bytes of key material, with its replay window. */
  createPacketCipher(keyMaterial: Uint8Array, options?: PacketCipherOptions): PacketCipher;

  /** ML-KEM-768 (FIPS 203) key pair; `seed` (64 bytes) for known-answer tests only. */
  generateMlKemKeyPair(seed?: Uint8Array): MlKemKeyPair;
  /** Encapsulates to a 1 184-byte key; CRYPTO_ERR_KEY_FORMAT for a key that fails FIPS 203's check. */
  mlKemEncapsulate(publicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  /** The 32-byte secret of a 1 088-byte ciphertext (implicit rejection: a wrong one gives another secret). */
  mlKemDecapsulate(privateKey: MlKemPrivateKey, cipherText: Uint8Array): Uint8Array;

  generateX25519KeyPair(): X25519KeyPair;
  importX25519PrivateKey(raw: Uint8Array): X25519PrivateKey;
  /** RFC 7748 X25519; CRYPTO_ERR_ZERO_SHARED_SECRET for low-order peer keys. */
  x25519(privateKey: X25519PrivateKey, peerPublicKey: Uint8Array): Uint8Array;

  /** SHA3-256 of the SPKI DER, hex (docs/design.md §2 clientId). Accepts a key, SPKI DER or PEM. */
  fingerprint(key: RsaPublicKey | string | Uint8Array): string;
  /** 60 digits in groups of 5 from two fingerprints, independent of their order. */
  safetyNumber(fingerprintA: string, fingerprintB: string): string;
}

function keyDecryptFailed(error: unknown): never {
  // A wrong passphrase can, rarely, still yield valid padding: the garbage then fails as PKCS#8.
  if (error instanceof CryptoError && error.code === CryptoErrorCode.KeyFormat) {
    throw new CryptoError(CryptoErrorCode.KeyDecrypt, 'wrong passphrase or corrupted encrypted key');
  }
  throw error;
}

/** The API bound to `options.backend`, with `defaultBackend` when none is given. */
export function bindCrypto(
  defaultBackend: () => CryptoBackend,
  options: CreateCryptoOptions = {},
): LeitungCrypto {
  const backend = options.backend ?? defaultBackend();
  const random = checkedRandom(options.randomBytes ?? ((n) => backend.randomBytes(n)));
  const now = options.now ?? (() => performance.now());

  const fromPkcs8 = (der: Uint8Array): RsaPrivateKey => {
    try {
      return privateKeyFromPkcs8(backend, der);
    } catch (error) {
      return keyDecryptFailed(error);
    } finally {
      der.fill(0);
    }
  };

  // Keys that come back (a relay's returning clients, a client's contacts) are checked once (docs/crypto.md
  // "Public key cache").
  const publicKeys = new PublicKeyCache();
  // The same signed tree head comes back in CHALLENGE, WELCOME and every lookup until the directory grows
  // (docs/crypto.md "Verified signatures").
  const verifiedSignatures = new VerifiedSignatures();

  const exportPkcs8 = (key: RsaPrivateKey): Uint8Array => {
    if (!(key instanceof RsaPrivateKey)) throw invalidArgument('expected an RsaPrivateKey');
    return key.toPkcs8Der();
  };

  return {
    backend,
    randomBytes: random,
    sha256: (data) => hash(backend, 'sha256', data),
    sha3_256: (data) => hash(backend, 'sha3-256', data),
    quantumSafeHash: (data) => hash(backend, 'sha3-256', data),
    hash: (name, data) => hash(backend, name, data),
    hmac: (name, key, data) => hmac(backend, name, key, data),
    hmacVerify: (name, key, data, tag, tagLength = 32) =>
      hmacVerify(backend, name, key, data, tag, tagLength),
    hkdf: (name, ikm, salt, info, length) => hkdf(backend, name, ikm, salt, info, length),
    scrypt: (passphrase, salt, options) => scryptAsync(backend, passphrase, salt, options),
    scryptSync: (passphrase, salt, options) => scryptSync(backend, passphrase, salt, options),

    generateRsaKeyPair: (options) => generateRsaKeyPair(backend, now, options),
    importRsaPublicKey: (input) => importPublicKey(backend, input, publicKeys),
    importRsaPrivateKey: (input) => importPrivateKey(backend, input),
    importEncryptedRsaPrivateKey: async (input, passphrase) =>
      fromPkcs8(await decryptPkcs8(backend, input, passphrase)),
    importEncryptedRsaPrivateKeySync: (input, passphrase) =>
      fromPkcs8(decryptPkcs8Sync(backend, input, passphrase)),
    exportEncryptedRsaPrivateKey: async (key, passphrase, params) => {
      const plan = planEncryption(random, passphrase, params);
      const pkcs8 = exportPkcs8(key);
      try {
        const derived = await backend.scrypt(plan.password, plan.salt, plan.params, PKCS8_KEY_LENGTH);
        return finishEncryption(backend, plan, derived, pkcs8);
      } finally {
        pkcs8.fill(0);
      }
    },
    exportEncryptedRsaPrivateKeySync: (key, passphrase, params) => {
      const plan = planEncryption(random, passphrase, params);
      const pkcs8 = exportPkcs8(key);
      try {
        const derived = backend.scryptSync(plan.password, plan.salt, plan.params, PKCS8_KEY_LENGTH);
        return finishEncryption(backend, plan, derived, pkcs8);
      } finally {
        pkcs8.fill(0);
      }
    },

    rsaEncrypt: (key, plaintext, label) => oaepEncrypt(backend, random, key, plaintext, label),
    rsaDecrypt: (key, ciphertext, label) => oaepDecrypt(backend, key, ciphertext, label),
    sign: (key, message) => pssSign(backend, random, key, message),
    verify: (key, message, signature) => pssVerify(backend, key, message, signature, verifiedSignatures),

    seal: (recipient, plaintext, associatedData) =>
      seal(backend, random, recipient, plaintext, associatedData),
    open: (key, sealed, associatedData) => open(backend, random, key, sealed, associatedData),
    sealedBoxWrappedSecret,
    openUnwrapped: (sealed, secret, associatedData) =>
      openUnwrapped(backend, random, sealed, secret, associatedData),

    createMessageCipher: (encKey, macKey) => createMessageCipher(backend, random, encKey, macKey),
    createPacketCipher: (keyMaterial, options) => createPacketCipher(backend, keyMaterial, options),

    generateMlKemKeyPair: (seed) => generateMlKemKeyPair(random, seed),
    mlKemEncapsulate: (publicKey) => mlKemEncapsulate(random, publicKey),
    mlKemDecapsulate: (privateKey, cipherText) => mlKemDecapsulate(privateKey, cipherText),

    generateX25519KeyPair: () => generateX25519KeyPair(backend, random),
    importX25519PrivateKey: (raw) => importX25519PrivateKey(backend, raw),
    x25519: (privateKey, peerPublicKey) => x25519SharedSecret(backend, privateKey, peerPublicKey),

    fingerprint: (key) =>
      (key instanceof RsaPublicKey ? key : importPublicKey(backend, key, publicKeys)).fingerprint(),
    safetyNumber: (fingerprintA, fingerprintB) => safetyNumber(backend, fingerprintA, fingerprintB),
  };
}
