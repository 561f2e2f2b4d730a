/**
 * The native backend: node:crypto (OpenSSL 3). The fast path on Node — RSA private operations run at the
 * same speed as `openssl speed` (bench/crypto). This is the only module of the package that imports
 * `node:*`; the core and the portable backend never do, so the core stays browser-ready (docs/crypto.md).
 *
 * OpenSSL draws RSA-OAEP seeds and PSS salts from its own CSPRNG, so the seed/salt arguments are unused here.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPair,
  type KeyObject,
  pbkdf2Sync,
  privateDecrypt,
  publicEncrypt,
  randomFillSync,
  scrypt,
  scryptSync,
  sign,
  verify,
} from 'node:crypto';
import type {
  AesCipher,
  CryptoBackend,
  HashName,
  HmacKey,
  RsaBackend,
  ScryptParameters,
} from '../backend.js';
import { concatBytes, plainBytes } from '../bytes.js';
import { X25519_PKCS8_PREFIX } from '../x25519.js';

const OAEP = constants.RSA_PKCS1_OAEP_PADDING;
const PSS = constants.RSA_PKCS1_PSS_PADDING;
const PSS_SALT_LENGTH = 32;

// DER prefix of X25519 SPKI (RFC 8410 §7) around the raw 32 bytes; the PKCS#8 one is in x25519.ts.
const X25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
]);

function keyObject(handle: unknown): KeyObject {
  return handle as KeyObject;
}

function aesName(keyLength: number): string {
  return `aes-${keyLength * 8}-cbc`;
}

class NodeAes implements AesCipher {
  readonly #key: Uint8Array;
  readonly #algorithm: string;

  constructor(key: Uint8Array) {
    this.#key = Uint8Array.from(key);
    this.#algorithm = aesName(key.length);
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    const c = createCipheriv(this.#algorithm, this.#key, iv).setAutoPadding(false);
    return plainBytes(Buffer.concat([c.update(data), c.final()]));
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    const d = createDecipheriv(this.#algorithm, this.#key, iv).setAutoPadding(false);
    return plainBytes(Buffer.concat([d.update(data), d.final()]));
  }

  destroy(): void {
    this.#key.fill(0);
  }
}

class NodeHmac implements HmacKey {
  readonly #name: HashName;
  readonly #key: Uint8Array;

  constructor(name: HashName, key: Uint8Array) {
    this.#name = name;
    this.#key = Uint8Array.from(key);
  }

  mac(parts: readonly Uint8Array[]): Uint8Array {
    const h = createHmac(this.#name, this.#key);
    for (const p of parts) h.update(p);
    return plainBytes(h.digest());
  }

  destroy(): void {
    this.#key.fill(0);
  }
}

function scryptOptions(params: ScryptParameters) {
  // OpenSSL needs 128·r·(N + p + 2) bytes; node's default cap (32 MiB) is below the vault default.
  return {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 128 * params.r * (params.N + params.p + 2) + 1024 * 1024,
  };
}

function oaepOptions(handle: unknown, label: Uint8Array) {
  // RFC 8017 §7.1: the label L is part of the scheme; an empty label is the default, not "no label".
  return { key: keyObject(handle), padding: OAEP, oaepHash: 'sha256', oaepLabel: label };
}

function pssOptions(handle: unknown) {
  return { key: keyObject(handle), padding: PSS, saltLength: PSS_SALT_LENGTH };
}

const rsa: RsaBackend = {
  generate: () =>
    new Promise((resolve, reject) => {
      generateKeyPair(
        'rsa',
        { modulusLength: 4096, publicExponent: 65537 },
        (err, _publicKey, privateKey) => {
          if (err) reject(err);
          else resolve(privateKey);
        },
      );
    }),
  importSpki: (der) => createPublicKey({ key: asBuffer(der), format: 'der', type: 'spki' }),
  importPkcs8: (der) => createPrivateKey({ key: asBuffer(der), format: 'der', type: 'pkcs8' }),
  exportSpki: (handle) => plainBytes(keyObject(handle).export({ format: 'der', type: 'spki' })),
  exportPkcs8: (handle) => plainBytes(keyObject(handle).export({ format: 'der', type: 'pkcs8' })),
  publicFromPrivate: (handle) => createPublicKey(keyObject(handle)),
  oaepEncrypt: (handle, plaintext, label) => plainBytes(publicEncrypt(oaepOptions(handle, label), plaintext)),
  oaepDecrypt: (handle, ciphertext, label) =>
    plainBytes(privateDecrypt(oaepOptions(handle, label), ciphertext)),
  pssSign: (handle, message) => plainBytes(sign('sha256', message, pssOptions(handle))),
  pssVerify: (handle, message, signature) => verify('sha256', message, pssOptions(handle), signature),
  // A KeyObject cannot be wiped from JavaScript; OpenSSL clears the key when the object is collected.
  destroy: () => {},
};

/** A Buffer view of the same memory (no copy, so no stray copy of key bytes is left behind). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function x25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
  const der = concatBytes(X25519_PKCS8_PREFIX, privateKey);
  try {
    return createPrivateKey({ key: asBuffer(der), format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

function x25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  // JWK import is ~10× faster than SPKI DER in OpenSSL 3; the public value is no secret, so a string is fine.
  // (Private scalars go through DER in a wipeable buffer instead: a JWK would leave an immutable string.)
  const x = asBuffer(publicKey).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

/** The node:crypto backend (OpenSSL). */
export function nativeBackend(): CryptoBackend {
  return {
    name: 'node',
    randomBytes: (length) => randomFillSync(new Uint8Array(length)),
    hash: (name, data) => plainBytes(createHash(name).update(data).digest()),
    hmacKey: (name, key) => new NodeHmac(name, key),
    aes: (key) => new NodeAes(key),
    pbkdf2Sha256: (password, salt, iterations, length) =>
      plainBytes(pbkdf2Sync(password, salt, iterations, length, 'sha256')),
    scrypt: (password, salt, params, length) =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, length, scryptOptions(params), (err, key) => {
          if (err) reject(err);
          else resolve(plainBytes(key));
        });
      }),
    scryptSync: (password, salt, params, length) =>
      plainBytes(scryptSync(password, salt, length, scryptOptions(params))),
    rsa,
    x25519PublicKey: (privateKey) =>
      plainBytes(
        createPublicKey(x25519PrivateKeyObject(privateKey))
          .export({ format: 'der', type: 'spki' })
          .subarray(X25519_SPKI_PREFIX.length),
      ),
    x25519: (privateKey, peerPublicKey) => {
      const privateKeyObject = x25519PrivateKeyObject(privateKey);
      const publicKeyObject = x25519PublicKeyObject(peerPublicKey);
      try {
        return plainBytes(diffieHellman({ privateKey: privateKeyObject, publicKey: publicKeyObject }));
      } catch {
        // OpenSSL refuses to output the all-zero value of a low-order peer point (RFC 7748 §6.1).
        return undefined;
      }
    },
  };
}
