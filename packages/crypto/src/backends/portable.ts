/**
 * The portable backend: node-forge (RSA, AES) + @noble/hashes (SHA-2, SHA-3, HMAC, PBKDF2, scrypt) +
 * @noble/curves (X25519) + the platform CSPRNG (`crypto.getRandomValues`). Pure JavaScript apart from key
 * generation, which uses WebCrypto where present (browsers, Node) and stepped forge otherwise. No `node:*`
 * import, so it runs in a browser; it is also the independent implementation the native backend is
 * differentially tested against.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { scrypt, scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import forge from 'node-forge';
import type { AesCipher, CryptoBackend, HashName, HmacKey, RsaBackend } from '../backend.js';
import { platformRandomBytes as randomBytes } from '../random.js';
import { BigIntRsaPrivateKey, publicOp } from './bigint-rsa.js';
import { fromBinaryString, toBinaryString, toWords } from './forge-bytes.js';
import { generateWithForge } from './forge-keygen.js';

const PSS_SALT_LENGTH = 32;
function nobleHash(name: HashName) {
  return name === 'sha256' ? sha256 : sha3_256;
}

interface ForgeAesAlgorithm {
  _w?: number[];
}

interface ForgeBlockCipher extends forge.cipher.BlockCipher {
  algorithm: ForgeAesAlgorithm;
  finish: (pad?: () => boolean) => boolean;
}

/** CBC without padding: padding is the core's job (docs/crypto.md), and forge's own unpad is lax. */
const noPadding = (): boolean => true;

class ForgeAes implements AesCipher {
  readonly #encrypt: ForgeBlockCipher;
  readonly #decrypt: ForgeBlockCipher;

  constructor(key: Uint8Array) {
    const words = toWords(key) as unknown as string;
    this.#encrypt = forge.cipher.createCipher('AES-CBC', words) as ForgeBlockCipher;
    this.#decrypt = forge.cipher.createDecipher('AES-CBC', words) as ForgeBlockCipher;
  }

  #run(cipher: ForgeBlockCipher, iv: Uint8Array, data: Uint8Array): Uint8Array {
    cipher.start({ iv: toBinaryString(iv) });
    cipher.update(forge.util.createBuffer(toBinaryString(data)));
    cipher.finish(noPadding);
    return fromBinaryString(cipher.output.getBytes());
  }

  cbcEncrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return this.#run(this.#encrypt, iv, data);
  }

  cbcDecrypt(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return this.#run(this.#decrypt, iv, data);
  }

  destroy(): void {
    // The expanded key schedule is a plain number array inside forge's AES object.
    this.#encrypt.algorithm._w?.fill(0);
    this.#decrypt.algorithm._w?.fill(0);
  }
}

class NobleHmac implements HmacKey {
  readonly #keyed: ReturnType<typeof hmac.create>;

  constructor(name: HashName, key: Uint8Array) {
    this.#keyed = hmac.create(nobleHash(name), key);
  }

  mac(parts: readonly Uint8Array[]): Uint8Array {
    // Cloning the keyed state skips re-hashing the padded key for every message.
    const h = this.#keyed.clone();
    for (const p of parts) h.update(p);
    return h.digest();
  }

  destroy(): void {
    this.#keyed.destroy();
  }
}

type ForgePrivateKey = forge.pki.rsa.PrivateKey;
type ForgePublicKey = forge.pki.rsa.PublicKey;

function sha256Options(label: Uint8Array) {
  return {
    md: forge.md.sha256.create(),
    mgf1: { md: forge.md.sha256.create() },
    label: toBinaryString(label),
  };
}

function pssScheme(salt: Uint8Array | undefined) {
  return forge.pss.create({
    md: forge.md.sha256.create(),
    mgf: forge.mgf.mgf1.create(forge.md.sha256.create()),
    saltLength: PSS_SALT_LENGTH,
    ...(salt ? { prng: { getBytesSync: () => toBinaryString(salt) } } : {}),
  });
}

function sha256Digest(message: Uint8Array) {
  const md = forge.md.sha256.create();
  md.update(toBinaryString(message));
  return md;
}

function derToAsn1(der: Uint8Array): forge.asn1.Asn1 {
  return forge.asn1.fromDer(toBinaryString(der), true);
}

function asn1ToDer(asn1: forge.asn1.Asn1): Uint8Array {
  return fromBinaryString(forge.asn1.toDer(asn1).getBytes());
}

/** Overwrites the digits of a jsbn BigInteger (forge's number type stores them as indexed properties). */
function wipeBigInteger(value: unknown): void {
  const digits = value as { t?: number; s?: number; [index: number]: number };
  if (!digits || typeof digits.t !== 'number') return;
  for (let i = 0; i < digits.t; i++) digits[i] = 0;
  digits.t = 0;
  digits.s = 0;
}

const PRIVATE_FIELDS = ['d', 'p', 'q', 'dP', 'dQ', 'qInv'] as const;

/** Each forge key's BigInt form for private operations (bigint-rsa.ts), made on first use. */
const fastKeys = new WeakMap<ForgePrivateKey, BigIntRsaPrivateKey>();

function jsbnToBigInt(value: forge.jsbn.BigInteger): bigint {
  return BigInt(`0x${value.toString(16)}`);
}

/** The RSA private operation on the engine's BigInt, ~10× faster than forge's own (docs/crypto.md "Portable RSA"). */
function fastKey(key: ForgePrivateKey): BigIntRsaPrivateKey {
  let fast = fastKeys.get(key);
  if (fast === undefined) {
    fast = new BigIntRsaPrivateKey(
      {
        n: jsbnToBigInt(key.n),
        e: jsbnToBigInt(key.e),
        p: jsbnToBigInt(key.p),
        q: jsbnToBigInt(key.q),
        dP: jsbnToBigInt(key.dP),
        dQ: jsbnToBigInt(key.dQ),
        qInv: jsbnToBigInt(key.qInv),
      },
      randomBytes,
    );
    fastKeys.set(key, fast);
  }
  return fast;
}

/** A private key whose BigInt form and first blinding factor are ready before its first use. */
function prepared(key: ForgePrivateKey): ForgePrivateKey {
  fastKey(key).prepare();
  return key;
}

/** Each forge public key's modulus and exponent as BigInt, made on first use. */
const fastPublicKeys = new WeakMap<ForgePublicKey, { n: bigint; e: bigint; length: number }>();

function fastPublic(key: ForgePublicKey): { n: bigint; e: bigint; length: number } {
  let fast = fastPublicKeys.get(key);
  if (fast === undefined) {
    fast = { n: jsbnToBigInt(key.n), e: jsbnToBigInt(key.e), length: Math.ceil(key.n.bitLength() / 8) };
    fastPublicKeys.set(key, fast);
  }
  return fast;
}

type OaepOptions = ReturnType<typeof sha256Options> & { seed?: string };

interface ForgeOaep {
  encode_rsa_oaep(key: ForgePublicKey, message: string, options: OaepOptions): string;
  decode_rsa_oaep(key: ForgePrivateKey, em: string, options: OaepOptions): string;
}

interface ForgePss {
  encode(md: forge.md.MessageDigest, modulusBits: number): string;
  verify(digest: string, em: string, modulusBits: number): boolean;
}

const forgeOaep = (): ForgeOaep => (forge as unknown as { pkcs1: ForgeOaep }).pkcs1;

async function generate(): Promise<ForgePrivateKey> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    // WebCrypto runs generation natively and off the main thread; forge then takes the PKCS#8 bytes.
    const pair = await subtle.generateKey(
      {
        name: 'RSA-OAEP',
        modulusLength: 4096,
        publicExponent: Uint8Array.from([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['encrypt', 'decrypt'],
    );
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
    try {
      return prepared(forge.pki.privateKeyFromAsn1(derToAsn1(pkcs8)));
    } finally {
      pkcs8.fill(0);
    }
  }
  return prepared(await generateWithForge(4096, randomBytes));
}

const rsa: RsaBackend = {
  generate,
  importSpki: (der) => forge.pki.publicKeyFromAsn1(derToAsn1(der)),
  // Prepared at import (an unlock) and generation, off a login's or a call's critical path.
  importPkcs8: (der) => prepared(forge.pki.privateKeyFromAsn1(derToAsn1(der))),
  exportSpki: (handle) => asn1ToDer(forge.pki.publicKeyToAsn1(handle as ForgePublicKey)),
  exportPkcs8: (handle) =>
    asn1ToDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(handle as ForgePrivateKey))),
  publicFromPrivate: (handle) => {
    const key = handle as ForgePrivateKey;
    return forge.pki.setRsaPublicKey(key.n, key.e);
  },
  oaepEncrypt: (handle, plaintext, label, seed) => {
    const key = handle as ForgePublicKey;
    const { n, e, length } = fastPublic(key);
    const em = forgeOaep().encode_rsa_oaep(key, toBinaryString(plaintext), {
      ...sha256Options(label),
      seed: toBinaryString(seed),
    });
    return publicOp(n, e, fromBinaryString(em), length);
  },
  // forge's padding around the BigInt private operation: the same steps as forge's own decrypt and sign
  // (RFC 8017 §7.1.2, §8.1.1), whose results the differential tests compare byte for byte.
  oaepDecrypt: (handle, ciphertext, label) => {
    const key = handle as ForgePrivateKey;
    const em = fastKey(key).privateOp(ciphertext);
    return fromBinaryString(forgeOaep().decode_rsa_oaep(key, toBinaryString(em), sha256Options(label)));
  },
  pssSign: (handle, message, salt) => {
    const key = handle as ForgePrivateKey;
    const scheme = pssScheme(salt) as unknown as ForgePss;
    const em = fromBinaryString(scheme.encode(sha256Digest(message), key.n.bitLength()));
    const fast = fastKey(key);
    const block = new Uint8Array(fast.length);
    block.set(em, fast.length - em.length);
    return fast.privateOp(block);
  },
  pssVerify: (handle, message, signature) => {
    const key = handle as ForgePublicKey;
    try {
      const { n, e, length } = fastPublic(key);
      const em = publicOp(n, e, signature, length);
      const scheme = pssScheme(undefined) as unknown as ForgePss;
      return scheme.verify(sha256Digest(message).digest().getBytes(), toBinaryString(em), key.n.bitLength());
    } catch {
      // A signature of the wrong length or not below the modulus, or a malformed encoding: all "invalid".
      return false;
    }
  },
  destroy: (handle) => {
    fastKeys.get(handle as ForgePrivateKey)?.destroy();
    fastKeys.delete(handle as ForgePrivateKey);
    const key = handle as Partial<Record<(typeof PRIVATE_FIELDS)[number], unknown>>;
    for (const field of PRIVATE_FIELDS) wipeBigInteger(key[field]);
  },
};

/** The node-forge + `@noble/*` backend (pure JavaScript, browser-capable). */
export function portableBackend(): CryptoBackend {
  return {
    name: 'portable',
    randomBytes,
    hash: (name, data) => nobleHash(name)(data),
    hmacKey: (name, key) => new NobleHmac(name, key),
    aes: (key) => new ForgeAes(key),
    pbkdf2Sha256: (password, salt, iterations, length) =>
      pbkdf2(sha256, password, salt, { c: iterations, dkLen: length }),
    scrypt: (password, salt, params, length) => scryptAsync(password, salt, { ...params, dkLen: length }),
    scryptSync: (password, salt, params, length) => scrypt(password, salt, { ...params, dkLen: length }),
    rsa,
    x25519PublicKey: (privateKey) => x25519.getPublicKey(privateKey),
    x25519: (privateKey, peerPublicKey) => {
      try {
        return x25519.getSharedSecret(privateKey, peerPublicKey);
      } catch {
        // noble refuses low-order peer points, exactly the inputs whose shared secret is all zero.
        return undefined;
      }
    },
  };
}
