/**
 * Known answers and properties of the smaller primitives: scrypt (RFC 7914 §12), X25519 (RFC 7748 §6.1),
 * safety numbers (re-derived independently here from docs/crypto.md), constant-time equality, zeroize,
 * HMAC tag lengths and the random source.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CryptoErrorCode,
  constantTimeEqual,
  createCrypto,
  DEFAULT_SCRYPT_PARAMETERS,
  zeroize,
} from '../src/index.js';
import {
  BACKENDS,
  bytes,
  caught,
  caughtAsync,
  cryptoFor,
  deterministicRandom,
  hex,
  native,
} from './helpers.js';

const SCRYPT_VECTORS = [
  {
    password: '',
    salt: '',
    options: { N: 16, r: 1, p: 1, length: 64 },
    dk: '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906',
  },
  {
    password: 'password',
    salt: 'NaCl',
    options: { N: 1024, r: 8, p: 16, length: 64 },
    dk: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
  },
];

/** The safety-number algorithm of docs/crypto.md, written again from the text with node:crypto. */
function referenceSafetyNumber(a: string, b: string): string {
  const half = (fingerprint: string) => {
    const digest = createHash('sha3-256')
      .update(Buffer.concat([Buffer.from('leitung/v1 safety-number'), Buffer.from(fingerprint, 'hex')]))
      .digest();
    let digits = '';
    for (let i = 0; i < 6; i++) digits += String(digest.readUIntBE(i * 5, 5) % 100000).padStart(5, '0');
    return digits;
  };
  const joined = [half(a), half(b)].sort().join('');
  return joined.match(/\d{5}/g)!.join(' ');
}

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s backend', (_name, backend) => {
  const c = cryptoFor(backend);

  it('scrypt matches RFC 7914 §12 (sync and async)', async () => {
    for (const v of SCRYPT_VECTORS) {
      const salt = new TextEncoder().encode(v.salt);
      expect(c.scryptSync(v.password, salt, v.options)).toEqual(hex(v.dk));
      expect(await c.scrypt(v.password, salt, v.options)).toEqual(hex(v.dk));
    }
  });

  it('scrypt refuses unusable parameters', async () => {
    const salt = bytes(16);
    for (const options of [{ N: 3 }, { N: 1 }, { N: 2 ** 22 }, { r: 0 }, { p: 1.5 }, { length: 0 }]) {
      expect(caught(() => c.scryptSync('pw', salt, options)).code).toBe(CryptoErrorCode.InvalidArgument);
      expect((await caughtAsync(() => c.scrypt('pw', salt, options))).code).toBe(
        CryptoErrorCode.InvalidArgument,
      );
    }
  });

  it('X25519 matches RFC 7748 §6.1, including the public keys', () => {
    const alice = c.importX25519PrivateKey(
      hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
    );
    const bob = c.importX25519PrivateKey(
      hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'),
    );
    expect(alice.publicKey).toEqual(hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'));
    expect(bob.publicKey).toEqual(hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'));
    const shared = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    expect(c.x25519(alice, bob.publicKey)).toEqual(shared);
    expect(c.x25519(bob, alice.publicKey)).toEqual(shared);
  });

  it('safety numbers: 60 digits in groups of 5, order-independent, as specified', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (x, y) => {
          const a = Buffer.from(x).toString('hex');
          const b = Buffer.from(y).toString('hex');
          const number = c.safetyNumber(a, b);
          expect(number).toMatch(/^\d{5}( \d{5}){11}$/);
          expect(c.safetyNumber(b, a)).toBe(number);
          expect(number).toBe(referenceSafetyNumber(a, b));
        },
      ),
      { numRuns: 50 },
    );
    const a = 'ab'.repeat(32);
    expect(c.safetyNumber(a, 'cd'.repeat(32))).not.toBe(c.safetyNumber(a, 'ce'.repeat(32)));
    for (const bad of ['AB'.repeat(32), 'ab'.repeat(31), '', 'zz'.repeat(32)]) {
      expect(caught(() => c.safetyNumber(a, bad)).code).toBe(CryptoErrorCode.InvalidArgument);
    }
  });

  it('HMAC verification decides the tag length itself', () => {
    const key = bytes(32, 1);
    const tag = c.hmac('sha256', key, bytes(10));
    expect(c.hmacVerify('sha256', key, bytes(10), tag)).toBe(true);
    expect(c.hmacVerify('sha256', key, bytes(10), tag.subarray(0, 16), 16)).toBe(true);
    // A sender cannot shorten the tag the verifier expects.
    expect(c.hmacVerify('sha256', key, bytes(10), tag.subarray(0, 16))).toBe(false);
    expect(c.hmacVerify('sha256', key, bytes(10), tag, 16)).toBe(false);
    expect(caught(() => c.hmacVerify('sha256', key, bytes(10), tag, 8)).code).toBe(
      CryptoErrorCode.InvalidArgument,
    );
    expect(caught(() => c.hmac('md5' as 'sha256', key, bytes(1))).code).toBe(CryptoErrorCode.InvalidArgument);
  });

  it('random bytes: right length, distinct, and a wrong injected source is refused', () => {
    expect(c.randomBytes(0)).toHaveLength(0);
    expect(c.randomBytes(70_000)).toHaveLength(70_000);
    expect(c.randomBytes(32)).not.toEqual(c.randomBytes(32));
    expect(caught(() => c.randomBytes(-1)).code).toBe(CryptoErrorCode.InvalidArgument);
    const broken = createCrypto({ backend, randomBytes: () => new Uint8Array(3) });
    expect(caught(() => broken.randomBytes(16)).code).toBe(CryptoErrorCode.Unsupported);
  });

  it('an injected random source makes IVs and ephemeral keys reproducible (deterministic tests)', () => {
    const one = createCrypto({ backend, randomBytes: deterministicRandom('seed') });
    const two = createCrypto({ backend, randomBytes: deterministicRandom('seed') });
    expect(one.generateX25519KeyPair().publicKey).toEqual(two.generateX25519KeyPair().publicKey);
    const k = bytes(32, 1);
    const m = bytes(32, 2);
    expect(one.createMessageCipher(k, m).seal(bytes(5))).toEqual(
      two.createMessageCipher(k, m).seal(bytes(5)),
    );
  });
});

describe('constantTimeEqual and zeroize', () => {
  it('constantTimeEqual is equality', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true);
      }),
    );
    expect(constantTimeEqual(bytes(32), bytes(31))).toBe(false);
    const x = bytes(32, 7);
    expect(constantTimeEqual(x, Uint8Array.from(x).fill(8, 31))).toBe(false);
  });

  it('zeroize overwrites every given array in place', () => {
    const a = bytes(16, 0xff);
    const b = native.randomBytes(40);
    const view = b.subarray(10, 20);
    zeroize(a, undefined, view);
    expect(a).toEqual(bytes(16));
    expect(b.subarray(10, 20)).toEqual(bytes(10));
    zeroize(b);
    expect(b).toEqual(bytes(40));
  });

  it('the vault default scrypt cost is N = 2^15, r = 8, p = 1', () => {
    expect(DEFAULT_SCRYPT_PARAMETERS).toEqual({ N: 32768, r: 8, p: 1 });
  });
});
