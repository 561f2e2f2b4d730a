/**
 * Wycheproof RSA files (C2SP/wycheproof, read from ../shared/vectors/wycheproof beside the repository):
 * every valid case accepted, every invalid case rejected, and every OAEP failure — bad padding or
 * malformed ciphertext — indistinguishable (same code, message, class and fields; docs/lessons.md #5).
 * Every case runs on both backends (the portable backend's BigInt RSA costs ~19 ms per decryption).
 */
import { describe, expect, it } from 'vitest';
import { CryptoErrorCode } from '../src/index.js';
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

describe.skipIf(!HAVE_WYCHEPROOF)('Wycheproof RSA', () => {
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
      failures.add(
        observable(caught(() => c.rsaDecrypt(key, flipBit(hex(first.ct), 100), hex(first.label)))),
      );
      expect(failures.size).toBe(1);
      expect(invalid).toBe(group.tests.filter((t) => t.result === 'invalid').length);
      expect(valid).toBe(file.numberOfTests - invalid);
    });

    it('RSA-PSS-4096-SHA256 (MGF1-SHA256, salt length from the file = 32): valid verify, invalid refuse', () => {
      const file = loadWycheproof<PssGroup>('rsa_pss_4096_sha256_mgf1_32_test.json');
      let count = 0;
      for (const group of file.testGroups) {
        // The file's parameters are exactly the protocol's: salt length 32, SHA-256 for hash and MGF1.
        expect([group.sha, group.mgfSha, group.sLen]).toEqual(['SHA-256', 'SHA-256', 32]);
        const key = c.importRsaPublicKey(hex(group.publicKeyDer));
        for (const t of group.tests) {
          expect(c.verify(key, hex(t.msg), hex(t.sig)), `tcId ${t.tcId} ${t.comment}`).toBe(
            t.result === 'valid',
          );
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
  });
});
