/**
 * Encrypted PKCS#8 (RFC 5958 §3 EncryptedPrivateKeyInfo) for storing identity keys (docs/design.md §7 vault).
 *
 * Written as PBES2 (RFC 8018 §6.2) with the scrypt KDF (RFC 7914 §7, default N = 2^15, r = 8, p = 1) and
 * AES-256-CBC. Node's own export would use PBKDF2 with 2048 iterations, which is far weaker per guess.
 * Read: PBES2 with scrypt or with PBKDF2-HMAC-SHA256, and AES-256-CBC — which covers files written here and
 * by OpenSSL 3 / node:crypto (`cipher: 'aes-256-cbc'`). OpenSSL reads ours when 128·N·r ≤ 32 MiB
 * (e.g. N = 2^14, r = 8), because that is its built-in scrypt memory cap.
 */
import type { CryptoBackend, ScryptParameters } from './backend.js';
import { requireBytes } from './bytes.js';
import {
  type DerNode,
  encodeObjectIdentifier,
  encodeOctetString,
  encodeSequence,
  encodeSmallInteger,
  objectIdentifier,
  octetString,
  parseDer,
  sequence,
  smallInteger,
} from './der.js';
import { CryptoError, CryptoErrorCode } from './errors.js';
import { decodePem, encodePem } from './pem.js';
import { pad, unpad } from './pkcs7.js';
import { passphraseBytes, scryptParameters } from './scrypt.js';

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
const SCRYPT = '1.3.6.1.4.1.11591.4.11';
const HMAC_SHA256 = '1.2.840.113549.2.9';
const AES256_CBC = '2.16.840.1.101.3.4.1.42';
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const IV_LENGTH = 16;
/** Bound on PBKDF2 work a file from elsewhere may ask for. */
const MAX_PBKDF2_ITERATIONS = 10_000_000;

type Kdf =
  | { readonly kind: 'scrypt'; readonly salt: Uint8Array; readonly params: ScryptParameters }
  | { readonly kind: 'pbkdf2'; readonly salt: Uint8Array; readonly iterations: number };

interface Parsed {
  readonly kdf: Kdf;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
}

function unsupported(message: string): CryptoError {
  return new CryptoError(CryptoErrorCode.KeyUnsupported, message);
}

function checkKeyLength(node: DerNode | undefined): void {
  if (node !== undefined && smallInteger(node) !== KEY_LENGTH)
    throw unsupported('PBES2 key length must be 32');
}

function parseKdf(node: DerNode | undefined): Kdf {
  const [oid, paramsNode] = sequence(node);
  const kdfOid = objectIdentifier(oid);
  const params = sequence(paramsNode);
  if (kdfOid === SCRYPT) {
    // scrypt-params ::= SEQUENCE { salt, costParameter, blockSize, parallelizationParameter, keyLength OPTIONAL }
    if (params.length < 4 || params.length > 5) throw unsupported('bad scrypt parameters');
    checkKeyLength(params[4]);
    let scryptParams: ScryptParameters;
    try {
      scryptParams = scryptParameters({
        N: smallInteger(params[1]),
        r: smallInteger(params[2]),
        p: smallInteger(params[3]),
      });
    } catch {
      throw unsupported('scrypt parameters out of range');
    }
    return { kind: 'scrypt', salt: octetString(params[0]), params: scryptParams };
  }
  if (kdfOid === PBKDF2) {
    // PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
    const [salt, iterations, ...optional] = params;
    let prf: string | undefined;
    for (const field of optional) {
      if (field.tag === 0x02) checkKeyLength(field);
      else prf = objectIdentifier(sequence(field)[0]);
    }
    if (prf !== HMAC_SHA256) throw unsupported('PBKDF2 PRF must be hmacWithSHA256');
    const count = smallInteger(iterations);
    if (count < 1 || count > MAX_PBKDF2_ITERATIONS) throw unsupported('PBKDF2 iteration count out of range');
    return { kind: 'pbkdf2', salt: octetString(salt), iterations: count };
  }
  throw unsupported('PBES2 key derivation must be scrypt or PBKDF2');
}

function parse(der: Uint8Array): Parsed {
  const [algorithm, encrypted] = sequence(parseDer(der));
  const [schemeOid, schemeParams] = sequence(algorithm);
  if (objectIdentifier(schemeOid) !== PBES2) throw unsupported('only PBES2-encrypted keys are supported');
  const [kdfNode, encNode] = sequence(schemeParams);
  const [encOid, ivNode] = sequence(encNode);
  if (objectIdentifier(encOid) !== AES256_CBC) throw unsupported('PBES2 cipher must be AES-256-CBC');
  const iv = octetString(ivNode);
  if (iv.length !== IV_LENGTH)
    throw new CryptoError(CryptoErrorCode.KeyFormat, 'AES-CBC IV must be 16 bytes');
  return { kdf: parseKdf(kdfNode), iv, ciphertext: octetString(encrypted) };
}

function toDer(input: string | Uint8Array): Uint8Array {
  if (typeof input === 'string') return decodePem(input, 'ENCRYPTED PRIVATE KEY');
  return requireBytes('encrypted key', input);
}

function decryptWith(backend: CryptoBackend, parsed: Parsed, key: Uint8Array): Uint8Array {
  const aes = backend.aes(key);
  key.fill(0);
  try {
    if (parsed.ciphertext.length === 0 || parsed.ciphertext.length % 16 !== 0) throw wrongPassphrase();
    const padded = aes.cbcDecrypt(parsed.iv, parsed.ciphertext);
    const plain = unpad(padded);
    if (!plain) {
      padded.fill(0);
      throw wrongPassphrase();
    }
    return plain;
  } finally {
    aes.destroy();
  }
}

function wrongPassphrase(): CryptoError {
  return new CryptoError(CryptoErrorCode.KeyDecrypt, 'wrong passphrase or corrupted encrypted key');
}

/** PKCS#8 DER inside an EncryptedPrivateKeyInfo (PEM or DER); the caller zeroizes the result. */
export async function decryptPkcs8(
  backend: CryptoBackend,
  input: string | Uint8Array,
  passphrase: string | Uint8Array,
): Promise<Uint8Array> {
  const parsed = parse(toDer(input));
  const password = passphraseBytes(passphrase);
  const key =
    parsed.kdf.kind === 'scrypt'
      ? await backend.scrypt(password, parsed.kdf.salt, parsed.kdf.params, KEY_LENGTH)
      : backend.pbkdf2Sha256(password, parsed.kdf.salt, parsed.kdf.iterations, KEY_LENGTH);
  return decryptWith(backend, parsed, key);
}

export function decryptPkcs8Sync(
  backend: CryptoBackend,
  input: string | Uint8Array,
  passphrase: string | Uint8Array,
): Uint8Array {
  const parsed = parse(toDer(input));
  const password = passphraseBytes(passphrase);
  const key =
    parsed.kdf.kind === 'scrypt'
      ? backend.scryptSync(password, parsed.kdf.salt, parsed.kdf.params, KEY_LENGTH)
      : backend.pbkdf2Sha256(password, parsed.kdf.salt, parsed.kdf.iterations, KEY_LENGTH);
  return decryptWith(backend, parsed, key);
}

interface EncryptionPlan {
  readonly salt: Uint8Array;
  readonly iv: Uint8Array;
  readonly params: ScryptParameters;
  readonly password: Uint8Array;
}

export function planEncryption(
  randomBytes: (length: number) => Uint8Array,
  passphrase: string | Uint8Array,
  params: Partial<ScryptParameters> | undefined,
): EncryptionPlan {
  return {
    salt: randomBytes(SALT_LENGTH),
    iv: randomBytes(IV_LENGTH),
    params: scryptParameters(params),
    password: passphraseBytes(passphrase),
  };
}

/** EncryptedPrivateKeyInfo PEM of `pkcs8` under `key` = scrypt(passphrase) from `plan`. */
export function finishEncryption(
  backend: CryptoBackend,
  plan: EncryptionPlan,
  key: Uint8Array,
  pkcs8: Uint8Array,
): string {
  const aes = backend.aes(key);
  key.fill(0);
  const padded = pad(pkcs8);
  let ciphertext: Uint8Array;
  try {
    ciphertext = aes.cbcEncrypt(plan.iv, padded);
  } finally {
    padded.fill(0);
    aes.destroy();
  }
  const der = encodeSequence(
    encodeSequence(
      encodeObjectIdentifier(PBES2),
      encodeSequence(
        encodeSequence(
          encodeObjectIdentifier(SCRYPT),
          encodeSequence(
            encodeOctetString(plan.salt),
            encodeSmallInteger(plan.params.N),
            encodeSmallInteger(plan.params.r),
            encodeSmallInteger(plan.params.p),
            encodeSmallInteger(KEY_LENGTH),
          ),
        ),
        encodeSequence(encodeObjectIdentifier(AES256_CBC), encodeOctetString(plan.iv)),
      ),
    ),
    encodeOctetString(ciphertext),
  );
  return encodePem('ENCRYPTED PRIVATE KEY', der);
}

export { KEY_LENGTH as PKCS8_KEY_LENGTH };
