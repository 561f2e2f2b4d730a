/**
 * ML-KEM-768 (docs/crypto.md §ML-KEM): the Wycheproof ML-KEM-768 file (read from ../shared/vectors beside the
 * repository; skipped with a notice when absent) — every valid seed gives the listed encapsulation key and
 * the listed secret for the listed ciphertext, every invalid case is refused — plus round trips, implicit
 * rejection of an altered ciphertext, input checks and key erasure.
 */
import { describe, expect, it } from 'vitest';
import { CryptoErrorCode, createCrypto, ML_KEM_768 } from '../src/index.js';
import {
  caught,
  deterministicRandom,
  flipBit,
  HAVE_WYCHEPROOF,
  hex,
  loadWycheproof,
  native,
  type WycheproofTest,
  warnIfNoVectors,
} from './helpers.js';

warnIfNoVectors();

interface MlKemTest extends WycheproofTest {
  readonly seed: string;
  readonly ek?: string;
  readonly c: string;
  readonly K: string;
}

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.skipIf(!HAVE_WYCHEPROOF)('Wycheproof mlkem_768_test.json', () => {
  it('matches every valid case and refuses every invalid one', () => {
    const file = loadWycheproof<{ readonly tests: readonly MlKemTest[] }>('mlkem_768_test.json');
    let valid = 0;
    let invalid = 0;
    for (const group of file.testGroups) {
      for (const t of group.tests) {
        let outcome: 'match' | 'mismatch' | 'refused';
        try {
          const { publicKey, privateKey } = native.generateMlKemKeyPair(hex(t.seed));
          const secret = native.mlKemDecapsulate(privateKey, hex(t.c));
          outcome =
            (t.ek === undefined || toHex(publicKey) === t.ek) && toHex(secret) === t.K ? 'match' : 'mismatch';
        } catch (error) {
          expect((error as { code?: string }).code).toBe(CryptoErrorCode.InvalidArgument);
          outcome = 'refused';
        }
        if (t.result === 'valid') {
          expect(outcome, `tcId ${t.tcId}`).toBe('match');
          valid++;
        } else {
          expect(outcome, `tcId ${t.tcId} ${t.comment}`).not.toBe('match');
          invalid++;
        }
      }
    }
    expect(valid + invalid).toBe(file.numberOfTests);
    expect(valid).toBeGreaterThan(100);
    expect(invalid).toBeGreaterThan(10);
  });
});

describe('ML-KEM-768', () => {
  it('round-trips with the documented sizes; the randomness is the injected source', () => {
    const { publicKey, privateKey } = native.generateMlKemKeyPair();
    expect(publicKey.length).toBe(ML_KEM_768.publicKeyBytes);
    const { cipherText, sharedSecret } = native.mlKemEncapsulate(publicKey);
    expect(cipherText.length).toBe(ML_KEM_768.cipherTextBytes);
    expect(native.mlKemDecapsulate(privateKey, cipherText)).toEqual(sharedSecret);
    const a = createCrypto({ randomBytes: deterministicRandom('kem') });
    const b = createCrypto({ randomBytes: deterministicRandom('kem') });
    expect(a.generateMlKemKeyPair().publicKey).toEqual(b.generateMlKemKeyPair().publicKey);
  });

  it('an altered ciphertext gives an unrelated secret (implicit rejection), never an error', () => {
    const { publicKey, privateKey } = native.generateMlKemKeyPair();
    const { cipherText, sharedSecret } = native.mlKemEncapsulate(publicKey);
    const other = native.mlKemDecapsulate(privateKey, flipBit(cipherText, 100));
    expect(other.length).toBe(32);
    expect(other).not.toEqual(sharedSecret);
  });

  it('refuses wrong sizes, a key that fails the FIPS 203 check, and a destroyed key', () => {
    const { publicKey, privateKey } = native.generateMlKemKeyPair();
    expect(caught(() => native.mlKemEncapsulate(publicKey.subarray(1))).code).toBe(
      CryptoErrorCode.InvalidArgument,
    );
    // Coefficients of an encapsulation key are 12-bit values below q = 3329; 0xfff… is not.
    const unreduced = Uint8Array.from(publicKey);
    unreduced.fill(0xff, 0, 384);
    expect(caught(() => native.mlKemEncapsulate(unreduced)).code).toBe(CryptoErrorCode.KeyFormat);
    const { cipherText } = native.mlKemEncapsulate(publicKey);
    expect(caught(() => native.mlKemDecapsulate(privateKey, cipherText.subarray(2))).code).toBe(
      CryptoErrorCode.InvalidArgument,
    );
    privateKey.destroy();
    expect(privateKey.destroyed).toBe(true);
    expect(caught(() => native.mlKemDecapsulate(privateKey, cipherText)).code).toBe(
      CryptoErrorCode.KeyDestroyed,
    );
  });
});
