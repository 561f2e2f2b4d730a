/**
 * Wycheproof (C2SP/wycheproof, read from ../shared/vectors/wycheproof beside the repository), symmetric
 * and X25519 files: every valid case accepted, every invalid case rejected, on both backends; bad padding
 * indistinguishable from a bad tag. The RSA files are in wycheproof-rsa.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CryptoErrorCode } from '../src/index.js';
import { pad, unpad } from '../src/pkcs7.js';
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
          if (t.result === 'valid')
            expect(c.hmac(name, hex(t.key), hex(t.msg)).subarray(0, tagLength)).toEqual(hex(t.tag));
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
