/**
 * The contract a crypto backend fulfils. Backends are thin adapters over one implementation each
 * (node:crypto, or node-forge + @noble/*); every policy — key-size checks, padding, tag layout, error
 * codes — lives in the backend-independent core so that both backends behave identically and can be
 * tested against each other (differential tests, docs/crypto.md).
 *
 * Handles are opaque to the core. Byte outputs are plain Uint8Arrays owned by the caller.
 */

export type HashName = 'sha256' | 'sha3-256';

/** An AES key schedule. CBC without padding: `data` must be a whole number of 16-byte blocks. */
export interface AesCipher {
  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** Wipes what the backend can wipe of the key and its schedule. */
  destroy(): void;
}

/** A keyed HMAC; `mac` over the concatenation of `parts` (no copy into one buffer needed). */
export interface HmacKey {
  mac(parts: readonly Uint8Array[]): Uint8Array;
  destroy(): void;
}

export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * RSA-4096 operations. Every method may throw anything on bad input; the core maps throws to typed errors
 * and never shows the backend's message to callers of decryption.
 */
export interface RsaBackend {
  /** A fresh RSA-4096, e = 65537 private key. Runs off the calling thread or yields to the event loop. */
  generate(): Promise<unknown>;
  importSpki(der: Uint8Array): unknown;
  importPkcs8(der: Uint8Array): unknown;
  exportSpki(handle: unknown): Uint8Array;
  exportPkcs8(handle: unknown): Uint8Array;
  publicFromPrivate(handle: unknown): unknown;
  /** RSAES-OAEP, SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1). `seed` (32 bytes) is used where supported. */
  oaepEncrypt(handle: unknown, plaintext: Uint8Array, label: Uint8Array, seed: Uint8Array): Uint8Array;
  oaepDecrypt(handle: unknown, ciphertext: Uint8Array, label: Uint8Array): Uint8Array;
  /** RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length 32 (RFC 8017 §8.1). `salt` is used where supported. */
  pssSign(handle: unknown, message: Uint8Array, salt: Uint8Array): Uint8Array;
  /** Must check the salt length is exactly 32 (Wycheproof rsa_pss_4096_sha256_mgf1_32). */
  pssVerify(handle: unknown, message: Uint8Array, signature: Uint8Array): boolean;
  destroy(handle: unknown): void;
}

export interface CryptoBackend {
  /** `node` or `portable`; also names the backend in benchmarks. */
  readonly name: string;
  randomBytes(length: number): Uint8Array;
  hash(name: HashName, data: Uint8Array): Uint8Array;
  hmacKey(name: HashName, key: Uint8Array): HmacKey;
  /** AES with a 16-, 24- or 32-byte key. */
  aes(key: Uint8Array): AesCipher;
  pbkdf2Sha256(password: Uint8Array, salt: Uint8Array, iterations: number, length: number): Uint8Array;
  scrypt(
    password: Uint8Array,
    salt: Uint8Array,
    params: ScryptParameters,
    length: number,
  ): Promise<Uint8Array>;
  scryptSync(password: Uint8Array, salt: Uint8Array, params: ScryptParameters, length: number): Uint8Array;
  readonly rsa: RsaBackend;
  /** X25519 public key of a 32-byte private scalar (RFC 7748 §6.1, clamping done inside). */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** X25519(k, u); `undefined` when the result is all zero / the peer point has low order. */
  x25519(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array | undefined;
}
