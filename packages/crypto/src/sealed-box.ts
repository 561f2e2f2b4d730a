/**
 * Hybrid public-key encryption of any size (docs/design.md §5 `seal`/`open`), built from the seed's 48-byte
 * secret:
 *
 *   secret        = iv(16) ‖ key(32), fresh from the CSPRNG for every seal
 *   wrapped       = RSA-OAEP-SHA256(recipient, secret, label = "leitung/v1 seal")          (512 bytes)
 *   encKey‖macKey = HKDF-SHA256(ikm = secret, salt = "", info = "leitung/v1 seal-keys", 64)
 *   sealed        = 0x01 ‖ wrapped ‖ AES-256-CBC(encKey, iv, PKCS#7(m)) ‖ tag(32)
 *   tag           = HMAC-SHA256(macKey, u64be(len(A)) ‖ A ‖ iv ‖ ciphertext),  A = 0x01 ‖ wrapped ‖ associatedData
 *
 * The tag binds the version byte and the wrapped secret, so no part can be swapped. `open` fails with one
 * CRYPTO_ERR_DECRYPT for every cause. When the RSA step fails it continues with a random secret and fails at
 * the tag instead (implicit rejection, as TLS 1.2 does for RSA key exchange, RFC 5246 §7.4.7.1), so that
 * "bad OAEP" and "bad tag" take the same path and no Manger-style oracle is offered (docs/lessons.md #5).
 */
import type { CryptoBackend } from './backend.js';
import { concatBytes, requireBytes, utf8 } from './bytes.js';
import { EtmKeys, encryptThenMac, verifyThenDecrypt } from './encrypt-then-mac.js';
import { decryptFailed } from './errors.js';
import { hkdf } from './hashing.js';
import { AES_BLOCK } from './pkcs7.js';
import { oaepEncrypt } from './rsa.js';
import { privateHandle, RSA_MODULUS_BYTES, type RsaPrivateKey, type RsaPublicKey } from './rsa-keys.js';

/** Version byte that starts every sealed box; it is covered by the box's tag (docs/crypto.md §7). */
export const SEAL_VERSION = 1;
/**
 * Bytes of the fresh secret a sealed box wraps with RSA-OAEP: iv(16) ‖ key(32), from which HKDF derives the
 * box's encryption and MAC keys (docs/crypto.md §7).
 */
export const SEAL_SECRET_LENGTH = 48;
const SEAL_LABEL = utf8('leitung/v1 seal');
const SEAL_KEYS_INFO = utf8('leitung/v1 seal-keys');
const NO_SALT = new Uint8Array(0);
const TAG_LENGTH = 32;
/** Sealed length = 1 + 512 + plaintext rounded up to the next 16-byte block (≥ 1 padding byte) + 32. */
export const SEAL_OVERHEAD = 1 + RSA_MODULUS_BYTES + TAG_LENGTH;

const EMPTY = new Uint8Array(0);

function keysFromSecret(backend: CryptoBackend, secret: Uint8Array): EtmKeys {
  const okm = hkdf(backend, 'sha256', secret, NO_SALT, SEAL_KEYS_INFO, 64);
  try {
    return new EtmKeys(backend, okm.subarray(0, 32), okm.subarray(32));
  } finally {
    okm.fill(0);
  }
}

export function seal(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
  recipient: RsaPublicKey,
  plaintext: Uint8Array,
  associatedData: Uint8Array = EMPTY,
): Uint8Array {
  requireBytes('plaintext', plaintext);
  requireBytes('associatedData', associatedData);
  const secret = randomBytes(SEAL_SECRET_LENGTH);
  const keys = keysFromSecret(backend, secret);
  try {
    const header = concatBytes(
      Uint8Array.of(SEAL_VERSION),
      oaepEncrypt(backend, randomBytes, recipient, secret, SEAL_LABEL),
    );
    const body = encryptThenMac(keys, secret.subarray(0, 16), plaintext, concatBytes(header, associatedData));
    return concatBytes(header, body);
  } finally {
    secret.fill(0);
    keys.destroy();
  }
}

export function open(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
  key: RsaPrivateKey,
  sealed: Uint8Array,
  associatedData: Uint8Array = EMPTY,
): Uint8Array {
  requireBytes('sealed', sealed);
  requireBytes('associatedData', associatedData);
  const handle = privateHandle(key, backend);
  const wrapped = sealedBoxWrappedSecret(sealed);
  let secret: Uint8Array | undefined;
  if (wrapped !== undefined) {
    try {
      secret = backend.rsa.oaepDecrypt(handle, wrapped.ciphertext, wrapped.label);
    } catch {
      secret = undefined;
    }
  }
  return openUnwrapped(backend, randomBytes, sealed, secret, associatedData);
}

/**
 * The RSA half of `open` (docs/crypto.md §7 "Opening in two halves"): the wrapped secret of `sealed` and the
 * OAEP label it was wrapped under, for a key held elsewhere (WebCrypto, a worker) to decrypt; undefined when
 * `sealed` cannot be a sealed box (too short, unknown version). {@link openUnwrapped} finishes.
 */
export function sealedBoxWrappedSecret(
  sealed: Uint8Array,
): { readonly ciphertext: Uint8Array; readonly label: Uint8Array } | undefined {
  requireBytes('sealed', sealed);
  if (sealed.length < SEAL_OVERHEAD + AES_BLOCK || sealed[0] !== SEAL_VERSION) return undefined;
  return { ciphertext: sealed.slice(1, 1 + RSA_MODULUS_BYTES), label: SEAL_LABEL.slice() };
}

/**
 * The symmetric half of `open`: checks and decrypts `sealed` with the `secret` its wrapped secret decrypted
 * to, or `undefined` when that decryption failed — then a random secret is used and the tag fails, so a bad
 * OAEP and a bad tag take the same path and give the same CRYPTO_ERR_DECRYPT (implicit rejection). The
 * caller's `secret` is wiped.
 */
export function openUnwrapped(
  backend: CryptoBackend,
  randomBytes: (length: number) => Uint8Array,
  sealed: Uint8Array,
  secret: Uint8Array | undefined,
  associatedData: Uint8Array = EMPTY,
): Uint8Array {
  requireBytes('sealed', sealed);
  requireBytes('associatedData', associatedData);
  const wellFormed = sealed.length >= SEAL_OVERHEAD + AES_BLOCK && sealed[0] === SEAL_VERSION;
  const unwrapped = wellFormed && secret !== undefined && secret.length === SEAL_SECRET_LENGTH;
  const used = unwrapped ? secret : randomBytes(SEAL_SECRET_LENGTH);
  if (!unwrapped) secret?.fill(0);
  const keys = keysFromSecret(backend, used);
  try {
    if (!wellFormed) throw decryptFailed();
    const header = sealed.subarray(0, 1 + RSA_MODULUS_BYTES);
    const plaintext = verifyThenDecrypt(
      keys,
      used.subarray(0, 16),
      sealed.subarray(header.length),
      concatBytes(header, associatedData),
    );
    if (!unwrapped || !plaintext) throw decryptFailed();
    return plaintext;
  } finally {
    used.fill(0);
    keys.destroy();
  }
}
