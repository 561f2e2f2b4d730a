/**
 * Wycheproof (C2SP/wycheproof, read from ../shared/vectors/wycheproof beside the repository) on the
 * WebCrypto building blocks, run on Node's WebCrypto — the browsers' API (docs/crypto.md "WebCrypto
 * symmetric operations"): AES-CBC-PKCS5 at every key size, HMAC-SHA256, HKDF-SHA256 and X25519, every case,
 * with the rules test/wycheproof.test.ts applies to the synchronous backends. The same runner runs in
 * Chromium (test/browser-crypto.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { CryptoErrorCode, webCryptoSymmetric, webCryptoX25519 } from '../src/index.js';
import { HAVE_WYCHEPROOF, loadWycheproof, native, warnIfNoVectors } from './helpers.js';
import {
  type AesFile,
  aesCbcVectors,
  type HkdfFile,
  type HmacFile,
  hkdfVectors,
  hmacVectors,
  type X25519File,
  x25519Vectors,
} from './web-crypto-vectors.js';

warnIfNoVectors();

const symmetric = webCryptoSymmetric();
const AUTH = `${CryptoErrorCode.Auth} authentication failed`;

describe.skipIf(!HAVE_WYCHEPROOF)('Wycheproof on WebCrypto (Node)', () => {
  it('AES-CBC-PKCS5 (128/192/256): valid both ways, invalid padding refused, bad padding under a valid tag one CRYPTO_ERR_AUTH', async () => {
    const file = loadWycheproof('aes_cbc_pkcs5_test.json') as unknown as AesFile;
    const result = await aesCbcVectors(file, symmetric);
    expect(result.unsupportedKeySizes).toEqual([]);
    expect(result.cases).toBe(file.numberOfTests);
    expect(result.mismatches).toEqual([]);
    expect(result.failureTexts).toEqual([AUTH]);
  });

  it('HMAC-SHA256: valid tags verify at the group tag length, modified tags refused', async () => {
    const file = loadWycheproof('hmac_sha256_test.json') as unknown as HmacFile;
    const result = await hmacVectors(file, symmetric);
    expect(result.cases).toBe(file.numberOfTests);
    expect(result.mismatches).toEqual([]);
  });

  it('HKDF-SHA256: valid outputs equal, oversize lengths CRYPTO_ERR_INVALID_ARGUMENT', async () => {
    const file = loadWycheproof('hkdf_sha256_test.json') as unknown as HkdfFile;
    const result = await hkdfVectors(file, symmetric);
    expect(result.cases).toBe(file.numberOfTests);
    expect(result.mismatches).toEqual([]);
    expect(result.failureTexts.map((t) => t.split(' ')[0])).toEqual([CryptoErrorCode.InvalidArgument]);
  });

  it('X25519 through WebCrypto: valid and acceptable cases agree, the 31 all-zero secrets refused', async () => {
    const file = loadWycheproof('x25519_test.json') as unknown as X25519File;
    const x25519 = webCryptoX25519();
    expect(await x25519.implementation()).toBe('webcrypto');
    const result = await x25519Vectors(file, x25519, (raw) => native.importX25519PrivateKey(raw));
    expect(result.cases).toBe(file.numberOfTests);
    expect(result.mismatches).toEqual([]);
    expect(result.zeroRefused).toBe(31);
    expect(result.failureTexts.map((t) => t.split(' ')[0])).toEqual([CryptoErrorCode.ZeroSharedSecret]);
  });
});
