/**
 * Wycheproof (C2SP/wycheproof, read from ../shared/vectors/wycheproof beside the repository): every valid
 * case accepted, every invalid case rejected, on both backends. Failures of one decryption path must be
 * indistinguishable (same code, message, class and fields) whatever the cause (issue 3, LESSONS #5).
 */
import { describe, expect, it } from 'vitest';
import { CryptoErrorCode } from '../src/index.js';
import { unpad, pad } from '../src/pkcs7.js';
import {
  BACKENDS,
  bytes,
  caught,
  cryptoFor,
  flipBit,
  HAVE_WYCHEPROOF,
  hex,
  loadWycheproof,
  observable,
  type WycheproofTest,
  warnIfNoVectors,
} from './helpers.js';

warnIfNoVectors();

interface OaepTest extends WycheproofTest {
  readonly msg: string;
  readonly ct: string;
  readonly label: string;
}
interface OaepGroup {
  readonly keySize: number;
  readonly sha: string;
  readonly mgfSha: string;
  readonly privateKeyPkcs8: string;
  readonly tests: readonly OaepTest[];
}
interface SigTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}
interface PssGroup {
  readonly sha: string;
  readonly mgfSha: string;
  readonly sLen: number;
  readonly publicKeyDer: string;
  readonly tests: readonly SigTest[];
}
interface AesTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly msg: string;
  readonly ct: string;
}
interface MacTest extends WycheproofTest {
  readonly key: string;
  readonly msg: string;
  readonly tag: string;
}
interface MacGroup {
  readonly tagSize: number;
  readonly tests: readonly MacTest[];
}
interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}
interface XdhTest extends WycheproofTest {
  readonly public: string;
  readonly private: string;
  readonly shared: string;
}

describe.skipIf(!HAVE_WYCHEPROOF)('Wycheproof', () => {
  describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s backend', (_name, backend) => {
    const c = cryptoFor(backend);

    it('RSA-OAEP-4096-SHA256 (MGF1-SHA256): valid decrypt, every invalid case one indistinguishable error', () => {
      const file = loadWycheproof<OaepGroup>('rsa_oaep_4096_sha256_mgf1sha256_test.json');
      const group = file.testGroups[0]!;
      expect([group.keySize, group.sha, group.mgfSha]).toEqual([4096, 'SHA-256', 'SHA-256']);
      const key = c.importRsaPrivateKey(hex(group.privateKeyPkcs8));
      const failures = new Set<string>();
      let valid = 0;
      let invalid = 0;
      for (const t of group.tests) {
        const run = () => c.rsaDecrypt(key, hex(t.ct), hex(t.label));
        if (t.result === 'valid') {
          expect(run(), `tcId ${t.tcId}`).toEqual(hex(t.msg));
          valid++;
        } else {
          const error = caught(run);
          expect(error.code, `tcId ${t.tcId}`).toBe(CryptoErrorCode.Decrypt);
          failures.add(observable(error));
          invalid++;
        }
      }
      // A valid ciphertext under the wrong label, and one with a flipped bit, fail the same way.
      const first = group.tests.find((t) => t.result === 'valid')!;
      failures.add(observable(caught(() => c.rsaDecrypt(key, hex(first.ct), bytes(1)))));
      failures.add(observable(caught(() => c.rsaDecrypt(key, flipBit(hex(first.ct), 100), hex(first.label)))));
      expect(failures.size).toBe(1);
      expect(valid + invalid).toBe(file.numberOfTests);
      expect(invalid).toBeGreaterThan(0);
    });

    it('RSA-PSS-4096-SHA256 (MGF1-SHA256, salt length from the file = 32): valid verify, invalid refuse', () => {
      const file = loadWycheproof<PssGroup>('rsa_pss_4096_sha256_mgf1_32_test.json');
      let count = 0;
      for (const group of file.testGroups) {
        // The file's parameters are exactly the protocol's: salt length 32, SHA-256 for hash and MGF1.
        expect([group.sha, group.mgfSha, group.sLen]).toEqual(['SHA-256', 'SHA-256', 32]);
        const key = c.importRsaPublicKey(hex(group.publicKeyDer));
        for (const t of group.tests) {
          expect(c.verify(key, hex(t.msg), hex(t.sig)), `tcId ${t.tcId} ${t.comment}`).toBe(t.result === 'valid');
          count++;
        }
      }
      expect(count).toBe(file.numberOfTests);
    });

    it('RSA-PSS verify refuses every PKCS#1 v1.5 signature of the same key (wrong primitive)', () => {
      // The PKCS#1 v1.5 file's own "WrongPrimitive" cases are PSS signatures, so they are left out here.
      const file = loadWycheproof<PssGroup>('rsa_signature_4096_sha256_test.json');
      let checked = 0;
      for (const group of file.testGroups) {
        const key = c.importRsaPublicKey(hex(group.publicKeyDer));
        for (const t of group.tests.filter((x) => !x.flags.includes('WrongPrimitive'))) {
          expect(c.verify(key, hex(t.msg), hex(t.sig)), `tcId ${t.tcId}`).toBe(false);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(250);
    });

    it('AES-CBC-PKCS5 (128/192/256): valid round-trip, invalid padding refused', () => {
      const file = loadWycheproof<{ tests: readonly AesTest[] }>('aes_cbc_pkcs5_test.json');
      let count = 0;
      for (const group of file.testGroups) {
        for (const t of group.tests) {
          const aes = backend.aes(hex(t.key));
          const plain = unpad(aes.cbcDecrypt(hex(t.iv), hex(t.ct)));
          if (t.result === 'valid') {
            expect(plain, `tcId ${t.tcId}`).toEqual(hex(t.msg));
            expect(aes.cbcEncrypt(hex(t.iv), pad(hex(t.msg))), `tcId ${t.tcId}`).toEqual(hex(t.ct));
          } else {
            expect(plain, `tcId ${t.tcId}`).toBeUndefined();
          }
          aes.destroy();
          count++;
        }
      }
      expect(count).toBe(file.numberOfTests);
    });

    it('AES-CBC-PKCS5 bad padding under a valid tag is the same CRYPTO_ERR_AUTH as a bad tag', () => {
      // Wrap each 256-bit Wycheproof ciphertext in the message-cipher layout (docs/crypto.md) with a
      // correct tag, so the only defect is the padding: open must fail exactly as for a forged tag.
      const file = loadWycheproof<{ keySize: number; tests: readonly AesTest[] }>('aes_cbc_pkcs5_test.json');
      const group = file.testGroups.find((g) => g.keySize === 256)!;
      const macKey = bytes(32, 0x5a);
      const observed = new Set<string>();
      for (const t of group.tests) {
        const cipher = c.createMessageCipher(hex(t.key), macKey);
        const iv = hex(t.iv);
        const ct = hex(t.ct);
        const tag = c.hmac('sha256', macKey, [new Uint8Array(8), iv, ct]);
        const sealed = new Uint8Array([...iv, ...ct, ...tag]);
        if (t.result === 'valid') {
          expect(cipher.open(sealed), `tcId ${t.tcId}`).toEqual(hex(t.msg));
        } else {
          const error = caught(() => cipher.open(sealed));
          expect(error.code).toBe(CryptoErrorCode.Auth);
          observed.add(observable(error));
          observed.add(observable(caught(() => cipher.open(flipBit(sealed, sealed.length - 1)))));
        }
        cipher.destroy();
      }
      expect(observed.size).toBe(1);
    });

    it.each([
      ['sha256', 'hmac_sha256_test.json'],
      ['sha3-256', 'hmac_sha3_256_test.json'],
    ] as const)('HMAC %s: valid tags verify, modified tags refused', (name, fileName) => {
      const file = loadWycheproof<MacGroup>(fileName);
      let count = 0;
      for (const group of file.testGroups) {
        const tagLength = group.tagSize / 8;
        for (const t of group.tests) {
          const ok = c.hmacVerify(name, hex(t.key), hex(t.msg), hex(t.tag), tagLength);
          expect(ok, `tcId ${t.tcId}`).toBe(t.result === 'valid');
          if (t.result === 'valid') expect(c.hmac(name, hex(t.key), hex(t.msg)).subarray(0, tagLength)).toEqual(hex(t.tag));
          count++;
        }
      }
      expect(count).toBe(file.numberOfTests);
    });

    it('HKDF-SHA256: valid outputs equal, oversize lengths refused', () => {
      const file = loadWycheproof<{ tests: readonly HkdfTest[] }>('hkdf_sha256_test.json');
      let count = 0;
      for (const group of file.testGroups) {
        for (const t of group.tests) {
          const run = () => c.hkdf('sha256', hex(t.ikm), hex(t.salt), hex(t.info), t.size);
          if (t.result === 'valid') expect(run(), `tcId ${t.tcId}`).toEqual(hex(t.okm));
          else expect(caught(run).code, `tcId ${t.tcId}`).toBe(CryptoErrorCode.InvalidArgument);
          count++;
        }
      }
      expect(count).toBe(file.numberOfTests);
    });

    it('X25519: valid and acceptable cases agree; all-zero shared secrets refused (docs/crypto.md §X25519)', () => {
      const file = loadWycheproof<{ tests: readonly XdhTest[] }>('x25519_test.json');
      let refused = 0;
      let count = 0;
      for (const group of file.testGroups) {
        for (const t of group.tests) {
          const key = c.importX25519PrivateKey(hex(t.private));
          const zero = /^(00)+$/.test(t.shared);
          if (zero) {
            expect(t.result, `tcId ${t.tcId}`).toBe('acceptable');
            expect(caught(() => c.x25519(key, hex(t.public))).code).toBe(CryptoErrorCode.ZeroSharedSecret);
            refused++;
          } else {
            expect(c.x25519(key, hex(t.public)), `tcId ${t.tcId} ${t.comment}`).toEqual(hex(t.shared));
          }
          key.destroy();
          count++;
        }
      }
      expect(count).toBe(file.numberOfTests);
      expect(refused).toBeGreaterThan(0);
    });
  });
});
