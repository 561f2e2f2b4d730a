/**
 * WebCrypto RSA (docs/crypto.md "WebCrypto RSA"), run on Node's WebCrypto, which has the browsers' API:
 * differential against the native backend in both directions for OAEP and PSS, one RSA-4096 generation
 * whose key the native import checks accept, and the Wycheproof OAEP and PSS files (every valid case
 * accepted, every invalid one refused, every OAEP failure the same error).
 */
import { constants, createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import {
  CryptoErrorCode,
  type WebCryptoRsaPrivateKey,
  type WebCryptoRsaPublicKey,
  webCryptoRsa,
} from '../src/index.js';
import { bytes, flipBit, HAVE_WYCHEPROOF, hex, loadWycheproof, native, warnIfNoVectors } from './helpers.js';

warnIfNoVectors();

const rsa = webCryptoRsa();
let pem: { publicKeyPem: string; privateKeyPem: string };
let priv: WebCryptoRsaPrivateKey;
let pub: WebCryptoRsaPublicKey;

const der = (
  key: { export(options: { format: 'der'; type: 'pkcs8' | 'spki' }): Buffer },
  type: 'pkcs8' | 'spki',
) => new Uint8Array(key.export({ format: 'der', type }));

beforeAll(async () => {
  pem = await testKeyPair('alice');
  priv = await rsa.importPrivate(der(createPrivateKey(pem.privateKeyPem), 'pkcs8'));
  pub = await rsa.importPublic(der(createPublicKey(pem.publicKeyPem), 'spki'));
});

/** The error a rejected promise carries. */
async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error('expected a rejection');
}

describe('WebCrypto RSA against the native backend', () => {
  const label = new TextEncoder().encode('leitung/v1 test label');
  const messages = [bytes(0), bytes(1, 7), bytes(190, 0xa5), new TextEncoder().encode('call data key')];

  it('OAEP: native encrypts, WebCrypto decrypts; WebCrypto encrypts, native decrypts', async () => {
    const nativePub = native.importRsaPublicKey(pem.publicKeyPem);
    const nativePriv = native.importRsaPrivateKey(pem.privateKeyPem);
    for (const message of messages) {
      expect(await rsa.oaepDecrypt(priv, native.rsaEncrypt(nativePub, message, label), label)).toEqual(
        message,
      );
      expect(native.rsaDecrypt(nativePriv, await rsa.oaepEncrypt(pub, message, label), label)).toEqual(
        message,
      );
    }
  });

  it('PSS: WebCrypto signs, native verifies; native signs, WebCrypto verifies; a changed bit fails', async () => {
    const nativePub = native.importRsaPublicKey(pem.publicKeyPem);
    const nativePriv = native.importRsaPrivateKey(pem.privateKeyPem);
    for (const message of messages) {
      const signature = await rsa.pssSign(priv, message);
      expect(native.verify(nativePub, message, signature)).toBe(true);
      expect(await rsa.pssVerify(pub, message, native.sign(nativePriv, message))).toBe(true);
      expect(await rsa.pssVerify(pub, message, flipBit(signature, 200))).toBe(false);
    }
  });

  it('PSS verify refuses a valid signature with another salt length (the protocol fixes 32)', async () => {
    const message = new TextEncoder().encode('salt length');
    const salted20 = new Uint8Array(
      nodeSign('sha256', message, {
        key: pem.privateKeyPem,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 20,
      }),
    );
    expect(await rsa.pssVerify(pub, message, salted20)).toBe(false);
    expect(await rsa.pssVerify(pub, message, salted20.subarray(1))).toBe(false);
  });

  it('OAEP failures are one error: wrong label, flipped bit, wrong length', async () => {
    const ciphertext = await rsa.oaepEncrypt(pub, bytes(32, 1), label);
    const errors = await Promise.all([
      rejection(rsa.oaepDecrypt(priv, ciphertext, bytes(1))),
      rejection(rsa.oaepDecrypt(priv, flipBit(ciphertext, 100), label)),
      rejection(rsa.oaepDecrypt(priv, ciphertext.subarray(1), label)),
    ]);
    expect(new Set(errors.map((e) => `${e.code} ${e.message}`))).toEqual(
      new Set([`${CryptoErrorCode.Decrypt} decryption failed`]),
    );
  });

  it('refuses keys that are not RSA-4096 with e = 65537, and bytes that are not a key', async () => {
    const { privateKey } = await import('node:crypto').then(({ generateKeyPairSync }) =>
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
    );
    expect((await rejection(rsa.importPrivate(der(privateKey, 'pkcs8')))).code).toBe(
      CryptoErrorCode.KeyUnsupported,
    );
    expect((await rejection(rsa.importPublic(bytes(40, 3)))).code).toBe(CryptoErrorCode.KeyFormat);
  });

  it('generates an RSA-4096 key that the native import checks accept and that interoperates', async () => {
    const pair = await rsa.generate();
    const nativePub = native.importRsaPublicKey(pair.spki);
    const nativePriv = native.importRsaPrivateKey(pair.pkcs8);
    const generated = await rsa.importPrivate(pair.pkcs8);
    const message = new TextEncoder().encode('fresh key');
    expect(native.verify(nativePub, message, await rsa.pssSign(generated, message))).toBe(true);
    expect(await rsa.oaepDecrypt(generated, native.rsaEncrypt(nativePub, message, label), label)).toEqual(
      message,
    );
    expect(nativePriv.publicKey.fingerprint()).toBe(nativePub.fingerprint());
  }, 60_000);
});

interface OaepGroup {
  readonly privateKeyPkcs8: string;
  readonly tests: readonly { tcId: number; result: string; msg: string; ct: string; label: string }[];
}
interface PssGroup {
  readonly sLen: number;
  readonly publicKeyDer: string;
  readonly tests: readonly { tcId: number; result: string; msg: string; sig: string; comment: string }[];
}

describe.skipIf(!HAVE_WYCHEPROOF)('Wycheproof RSA on WebCrypto', () => {
  it('RSA-OAEP-4096-SHA256: valid decrypt, every invalid case the one error', async () => {
    const file = loadWycheproof<OaepGroup>('rsa_oaep_4096_sha256_mgf1sha256_test.json');
    const group = file.testGroups[0]!;
    const key = await rsa.importPrivate(hex(group.privateKeyPkcs8));
    const failures = new Set<string>();
    let count = 0;
    for (const t of group.tests) {
      const run = rsa.oaepDecrypt(key, hex(t.ct), hex(t.label));
      if (t.result === 'valid') expect(await run, `tcId ${t.tcId}`).toEqual(hex(t.msg));
      else {
        const error = await rejection(run);
        failures.add(`${error.code} ${error.message}`);
      }
      count++;
    }
    expect(count).toBe(file.numberOfTests);
    expect(failures).toEqual(new Set([`${CryptoErrorCode.Decrypt} decryption failed`]));
  });

  it('RSA-PSS-4096-SHA256 (salt length 32): valid verify, invalid refuse', async () => {
    const file = loadWycheproof<PssGroup>('rsa_pss_4096_sha256_mgf1_32_test.json');
    let count = 0;
    for (const group of file.testGroups) {
      expect(group.sLen).toBe(32);
      const key = await rsa.importPublic(hex(group.publicKeyDer));
      for (const t of group.tests) {
        expect(await rsa.pssVerify(key, hex(t.msg), hex(t.sig)), `tcId ${t.tcId} ${t.comment}`).toBe(
          t.result === 'valid',
        );
        count++;
      }
    }
    expect(count).toBe(file.numberOfTests);
  });
});
