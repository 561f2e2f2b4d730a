/**
 * RSA-4096 through WebCrypto (docs/crypto.md "WebCrypto RSA"): key generation, RSA-OAEP (SHA-256,
 * MGF1-SHA-256, label) and RSA-PSS (SHA-256, MGF1-SHA-256, salt length 32) with the platform's own
 * implementation — a page's only fast RSA. WebCrypto is asynchronous, so this is not (yet) a
 * {@link RsaBackend}, whose operations are synchronous: it is the asynchronous building block a browser
 * backend uses, tested against the native backend and the Wycheproof files in Node (which has the same
 * WebCrypto API). It imports no `node:*` module.
 *
 * What differs from the synchronous backends: WebCrypto draws the OAEP seed and the PSS salt itself (no
 * injected randomness), and a key is bound to one algorithm, so each key is imported twice (OAEP and PSS).
 */
import { CryptoError, CryptoErrorCode } from '../errors.js';
import { platformSubtle, type SubtleLike } from './subtle.js';

/** A private key imported for WebCrypto: one handle per algorithm. */
export interface WebCryptoRsaPrivateKey {
  readonly kind: 'private';
  readonly oaep: unknown;
  readonly pss: unknown;
}

/** A public key imported for WebCrypto: one handle per algorithm. */
export interface WebCryptoRsaPublicKey {
  readonly kind: 'public';
  readonly oaep: unknown;
  readonly pss: unknown;
}

/** The asynchronous RSA operations over WebCrypto (docs/crypto.md "WebCrypto RSA"). */
export interface WebCryptoRsa {
  /** A fresh RSA-4096, e = 65537 key pair as DER (PKCS#8, SPKI); the platform generates it off the page's thread. */
  generate(): Promise<{ readonly pkcs8: Uint8Array; readonly spki: Uint8Array }>;
  /** Imports a PKCS#8 private key; `extractable: false` (default) keeps the key material inside WebCrypto. */
  importPrivate(pkcs8: Uint8Array, extractable?: boolean): Promise<WebCryptoRsaPrivateKey>;
  importPublic(spki: Uint8Array): Promise<WebCryptoRsaPublicKey>;
  oaepEncrypt(key: WebCryptoRsaPublicKey, plaintext: Uint8Array, label: Uint8Array): Promise<Uint8Array>;
  /** CRYPTO_ERR_DECRYPT for every failure, one message (no oracle: docs/lessons.md #5). */
  oaepDecrypt(key: WebCryptoRsaPrivateKey, ciphertext: Uint8Array, label: Uint8Array): Promise<Uint8Array>;
  pssSign(key: WebCryptoRsaPrivateKey, message: Uint8Array): Promise<Uint8Array>;
  /** False for anything but a valid signature with salt length exactly 32. */
  pssVerify(key: WebCryptoRsaPublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

const MODULUS_BITS = 4096;
const SIGNATURE_BYTES = MODULUS_BITS / 8;
const PUBLIC_EXPONENT = Uint8Array.of(1, 0, 1);
const HASH = 'SHA-256';
const OAEP = { name: 'RSA-OAEP', hash: HASH } as const;
const PSS = { name: 'RSA-PSS', hash: HASH } as const;
/** The protocol's PSS salt length (docs/crypto.md §3). */
const PSS_SALT_LENGTH = 32;

/** Key size and exponent as the imported key reports them; anything else is refused. */
function checkAlgorithm(key: unknown): void {
  const algorithm = (key as { algorithm?: { modulusLength?: number; publicExponent?: Uint8Array } })
    .algorithm;
  const exponent = algorithm?.publicExponent;
  const e = exponent === undefined ? 0 : exponent.reduce((value, byte) => value * 256 + byte, 0);
  if (algorithm?.modulusLength !== MODULUS_BITS || e !== 65537) {
    throw new CryptoError(CryptoErrorCode.KeyUnsupported, 'not an RSA-4096 key with e = 65537');
  }
}

/** A DER key WebCrypto could not parse: the package's key-format error. */
async function imported(run: () => Promise<unknown>): Promise<unknown> {
  let key: unknown;
  try {
    key = await run();
  } catch (error) {
    throw new CryptoError(CryptoErrorCode.KeyFormat, 'WebCrypto could not import the key', { cause: error });
  }
  checkAlgorithm(key);
  return key;
}

/** RSA over `subtle` (default `globalThis.crypto.subtle`). CRYPTO_ERR_INVALID_ARGUMENT when there is none. */
export function webCryptoRsa(subtle?: SubtleLike): WebCryptoRsa {
  const s = platformSubtle(subtle);
  return {
    async generate() {
      const pair = (await s.generateKey(
        { ...PSS, modulusLength: MODULUS_BITS, publicExponent: PUBLIC_EXPONENT },
        true,
        ['sign', 'verify'],
      )) as { privateKey: never; publicKey: never };
      const [pkcs8, spki] = await Promise.all([
        s.exportKey('pkcs8', pair.privateKey),
        s.exportKey('spki', pair.publicKey),
      ]);
      return { pkcs8: new Uint8Array(pkcs8), spki: new Uint8Array(spki) };
    },
    async importPrivate(pkcs8, extractable = false) {
      const [oaep, pss] = await Promise.all([
        imported(() => s.importKey('pkcs8', pkcs8, OAEP, extractable, ['decrypt'])),
        imported(() => s.importKey('pkcs8', pkcs8, PSS, extractable, ['sign'])),
      ]);
      return { kind: 'private', oaep, pss };
    },
    async importPublic(spki) {
      const [oaep, pss] = await Promise.all([
        imported(() => s.importKey('spki', spki, OAEP, true, ['encrypt'])),
        imported(() => s.importKey('spki', spki, PSS, true, ['verify'])),
      ]);
      return { kind: 'public', oaep, pss };
    },
    async oaepEncrypt(key, plaintext, label) {
      return new Uint8Array(await s.encrypt({ name: 'RSA-OAEP', label }, key.oaep as never, plaintext));
    },
    async oaepDecrypt(key, ciphertext, label) {
      try {
        return new Uint8Array(await s.decrypt({ name: 'RSA-OAEP', label }, key.oaep as never, ciphertext));
      } catch {
        // One code, one message, no cause: which check failed must not be observable (lessons.md #5).
        throw new CryptoError(CryptoErrorCode.Decrypt, 'decryption failed');
      }
    },
    async pssSign(key, message) {
      return new Uint8Array(
        await s.sign({ name: 'RSA-PSS', saltLength: PSS_SALT_LENGTH }, key.pss as never, message),
      );
    },
    async pssVerify(key, message, signature) {
      if (signature.length !== SIGNATURE_BYTES) return false;
      try {
        return await s.verify(
          { name: 'RSA-PSS', saltLength: PSS_SALT_LENGTH },
          key.pss as never,
          signature,
          message,
        );
      } catch {
        return false;
      }
    },
  };
}
