/**
 * The WebCrypto symmetric building blocks (docs/crypto.md "WebCrypto symmetric operations") on Node's
 * WebCrypto, differential against the native and the portable backends: identical bytes for AES-CBC,
 * HMAC, HKDF and X25519 over seeded random inputs of many sizes (0, 15, 16, 17 bytes among them), the same
 * padding verdicts, the same refusals with the same codes, and X25519's detection and noble fallback.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  CryptoErrorCode,
  type SubtleLike,
  webCryptoSymmetric,
  webCryptoX25519,
  type X25519PrivateKey,
} from '../src/index.js';
import { pad, unpad } from '../src/pkcs7.js';
import { BACKENDS, caught, caughtAsync, cryptoFor, deterministicRandom, flipBit, native } from './helpers.js';

const symmetric = webCryptoSymmetric();
const SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 255, 1000];
const nodeSubtle = globalThis.crypto.subtle as unknown as SubtleLike;

describe.each(BACKENDS.map((b) => [b.name, b] as const))(
  'WebCrypto against the %s backend',
  (_name, backend) => {
    const sync = cryptoFor(backend);

    it('AES-CBC (128/192/256): the same ciphertext, each side decrypts the other, PKCS#7 as pkcs7.ts pads', async () => {
      const random = deterministicRandom(`aes ${backend.name}`);
      let compared = 0;
      for (const keyLength of [16, 24, 32]) {
        for (const size of SIZES) {
          const raw = random(keyLength);
          const iv = random(16);
          const plaintext = random(size);
          const key = await symmetric.importAesKey(raw);
          const aes = backend.aes(raw);
          const ciphertext = await symmetric.aesCbcEncrypt(key, iv, plaintext);
          expect(ciphertext).toEqual(aes.cbcEncrypt(iv, pad(plaintext)));
          expect(await symmetric.aesCbcDecrypt(key, iv, ciphertext)).toEqual(plaintext);
          expect(unpad(aes.cbcDecrypt(iv, ciphertext))).toEqual(plaintext);
          aes.destroy();
          compared++;
        }
      }
      expect(compared).toBe(3 * SIZES.length);
    });

    it('AES-CBC decryption gives the same padding verdict as unpad on random last blocks', async () => {
      // Random plaintext blocks encrypted without padding: most have malformed padding, some valid
      // (ending 01, 02 02, …, forced below); WebCrypto must accept exactly those unpad accepts.
      const random = deterministicRandom(`padding ${backend.name}`);
      const raw = random(32);
      const key = await symmetric.importAesKey(raw);
      const aes = backend.aes(raw);
      const verdicts = { valid: 0, invalid: 0 };
      for (let i = 0; i < 300; i++) {
        const blocks = random(16 * (1 + (i % 3)));
        const n = 1 + (i % 20); // n > 16 gives malformed padding however the bytes are
        if (i % 2 === 0) blocks.fill(n, Math.max(0, blocks.length - n));
        if (i % 7 === 0) blocks[blocks.length - 2]! ^= 1; // one wrong byte inside a padding run
        const iv = random(16);
        const ciphertext = aes.cbcEncrypt(iv, blocks);
        const expected = unpad(blocks);
        expect(await symmetric.aesCbcDecrypt(key, iv, ciphertext), `case ${i}`).toEqual(expected);
        verdicts[expected === undefined ? 'invalid' : 'valid']++;
      }
      expect(verdicts.valid).toBeGreaterThan(50);
      expect(verdicts.invalid).toBeGreaterThan(50);
      for (const length of [0, 15, 17]) {
        expect(await symmetric.aesCbcDecrypt(key, random(16), random(length))).toBeUndefined();
      }
      aes.destroy();
    });

    it('HMAC-SHA256: the same tag for keys of 0..100 bytes and data in parts; truncated verify as hmacVerify', async () => {
      const random = deterministicRandom(`hmac ${backend.name}`);
      let compared = 0;
      for (const keyLength of [0, 1, 16, 32, 64, 65, 100]) {
        for (const size of SIZES) {
          const raw = random(keyLength);
          const data = random(size);
          const key = await symmetric.importHmacKey(raw);
          const full = sync.hmac('sha256', raw, data);
          expect(await symmetric.hmac(key, data)).toEqual(full);
          const split = Math.floor(size / 3);
          expect(await symmetric.hmac(key, [data.subarray(0, split), data.subarray(split)])).toEqual(full);
          for (const tagLength of [16, 17, 24, 32]) {
            const tag = full.subarray(0, tagLength);
            expect(await symmetric.hmacVerify(key, data, tag, tagLength)).toBe(true);
            expect(sync.hmacVerify('sha256', raw, data, tag, tagLength)).toBe(true);
            expect(await symmetric.hmacVerify(key, data, flipBit(tag, tagLength - 1, 7), tagLength)).toBe(
              false,
            );
            // The verifier decides the length: a longer or shorter tag than it asked for is wrong.
            expect(await symmetric.hmacVerify(key, data, full.subarray(0, tagLength - 1), tagLength)).toBe(
              false,
            );
            if (tagLength < 32) expect(await symmetric.hmacVerify(key, data, full, tagLength)).toBe(false);
          }
          compared++;
        }
      }
      expect(compared).toBe(7 * SIZES.length);
    });

    it('HKDF-SHA256: the same output for every ikm, salt (empty = 32 zero bytes), info and length', async () => {
      const random = deterministicRandom(`hkdf ${backend.name}`);
      let compared = 0;
      for (const ikmLength of [0, 1, 32, 64, 80]) {
        for (const saltLength of [0, 16, 32, 80]) {
          for (const length of [1, 15, 16, 17, 32, 33, 100, 8160]) {
            const [ikm, salt, info] = [random(ikmLength), random(saltLength), random(length % 40)];
            expect(await symmetric.hkdf(ikm, salt, info, length)).toEqual(
              sync.hkdf('sha256', ikm, salt, info, length),
            );
            compared++;
          }
        }
        // docs/crypto.md §4: an empty salt is 32 zero bytes.
        const [ikm, info] = [random(ikmLength), random(3)];
        expect(await symmetric.hkdf(ikm, new Uint8Array(0), info, 32)).toEqual(
          sync.hkdf('sha256', ikm, new Uint8Array(32), info, 32),
        );
      }
      expect(compared).toBe(5 * 4 * 8);
    });
  },
);

describe('WebCrypto symmetric: refusals', () => {
  it('argument errors are CRYPTO_ERR_INVALID_ARGUMENT, as in the synchronous API', async () => {
    const aes = await symmetric.importAesKey(new Uint8Array(32));
    const mac = await symmetric.importHmacKey(new Uint8Array(32));
    const bad = [
      () => symmetric.importAesKey(new Uint8Array(20)),
      () => symmetric.importAesKey('key' as never),
      () => symmetric.aesCbcEncrypt(aes, new Uint8Array(15), new Uint8Array(1)),
      () => symmetric.aesCbcEncrypt(mac as never, new Uint8Array(16), new Uint8Array(1)),
      () => symmetric.aesCbcDecrypt(aes, new Uint8Array(16), [1, 2] as never),
      () => symmetric.hmac(aes as never, new Uint8Array(1)),
      () => symmetric.hmac(mac, [new Uint8Array(1), 'x'] as never),
      () => symmetric.hmacVerify(mac, new Uint8Array(1), new Uint8Array(15), 15),
      () => symmetric.hmacVerify(mac, new Uint8Array(1), new Uint8Array(33), 33),
      () => symmetric.hkdf(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 0),
      () => symmetric.hkdf(new Uint8Array(1), new Uint8Array(0), new Uint8Array(0), 8161),
      () => symmetric.hkdfAesKey(new Uint8Array(1), 'salt' as never, new Uint8Array(0)),
    ];
    for (const [i, run] of bad.entries()) {
      expect((await caughtAsync(run)).code, `case ${i}`).toBe(CryptoErrorCode.InvalidArgument);
    }
  });

  it('HKDF into keys: the derived AES and HMAC keys are the keys of the derived bytes', async () => {
    const random = deterministicRandom('hkdf keys');
    const [ikm, salt, info, iv, data] = [random(64), random(0), random(21), random(16), random(40)];
    const bytes = await symmetric.hkdf(ikm, salt, info, 32);
    const aes = await symmetric.hkdfAesKey(ikm, salt, info);
    const mac = await symmetric.hkdfHmacKey(ikm, salt, info);
    expect(await symmetric.aesCbcEncrypt(aes, iv, data)).toEqual(
      native.backend.aes(bytes).cbcEncrypt(iv, pad(data)),
    );
    expect(await symmetric.hmac(mac, data)).toEqual(native.hmac('sha256', bytes, data));
  });
});

/** `subtle` with X25519 removed, as on a platform that lacks it: every X25519 call rejects. */
function withoutX25519(subtle: SubtleLike): SubtleLike {
  const refuses = (algorithm: unknown) => (algorithm as { name?: string }).name === 'X25519';
  return new Proxy(subtle, {
    get(target, property) {
      const value = Reflect.get(target, property) as (...args: unknown[]) => unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        args.some(refuses)
          ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
          : value.apply(target, args);
    },
  });
}

describe('X25519 through WebCrypto, @noble/curves where the platform has none', () => {
  const random = deterministicRandom('x25519');
  const pairs = Array.from({ length: 24 }, () => native.importX25519PrivateKey(random(32)));
  const LOW_ORDER = [
    new Uint8Array(32), // u = 0
    Uint8Array.of(1, ...new Uint8Array(31)), // u = 1
    // u = p − 1 and the order-8 point (RFC 7748 §6.1's examples of low-order inputs; Wycheproof tcId 32..).
    Uint8Array.from(Buffer.from('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')),
    Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
  ];

  const variants: readonly [string, () => ReturnType<typeof webCryptoX25519>, 'webcrypto' | 'noble'][] = [
    ['Node WebCrypto', () => webCryptoX25519(), 'webcrypto'],
    ['a WebCrypto without X25519', () => webCryptoX25519(withoutX25519(nodeSubtle)), 'noble'],
  ];

  it.each(variants)(
    '%s: detected once, the same secret as both backends both ways',
    async (_label, make, path) => {
      const x25519 = make();
      expect(await x25519.implementation()).toBe(path);
      let compared = 0;
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const [a, b] = [pairs[i]!, pairs[i + 1]!];
        const expected = native.x25519(a, b.publicKey);
        expect(cryptoFor(BACKENDS[1]!).x25519(b, a.publicKey)).toEqual(expected);
        expect(await x25519.sharedSecret(a, b.publicKey)).toEqual(expected);
        expect(await x25519.sharedSecret(b, a.publicKey)).toEqual(expected);
        compared++;
      }
      expect(compared).toBe(pairs.length / 2);
    },
  );

  it.each(variants)(
    '%s: low-order peers are CRYPTO_ERR_ZERO_SHARED_SECRET, as x25519 gives',
    async (_l, make) => {
      const x25519 = make();
      const key = pairs[0]!;
      for (const peer of LOW_ORDER) {
        expect(caught(() => native.x25519(key, peer)).code).toBe(CryptoErrorCode.ZeroSharedSecret);
        expect((await caughtAsync(() => x25519.sharedSecret(key, peer))).code).toBe(
          CryptoErrorCode.ZeroSharedSecret,
        );
      }
    },
  );

  it('checks arguments as x25519 does: destroyed key, wrong key type, wrong peer length', async () => {
    const x25519 = webCryptoX25519();
    const key = native.importX25519PrivateKey(random(32));
    const peer = pairs[1]!.publicKey;
    expect((await caughtAsync(() => x25519.sharedSecret(key, peer.subarray(1)))).code).toBe(
      CryptoErrorCode.InvalidArgument,
    );
    expect((await caughtAsync(() => x25519.sharedSecret({} as X25519PrivateKey, peer))).code).toBe(
      CryptoErrorCode.InvalidArgument,
    );
    key.destroy();
    expect((await caughtAsync(() => x25519.sharedSecret(key, peer))).code).toBe(CryptoErrorCode.KeyDestroyed);
  });

  it('a key destroyed while detection runs is refused, not used', async () => {
    const x25519 = webCryptoX25519();
    const key = native.importX25519PrivateKey(random(32));
    const pending = x25519.sharedSecret(key, pairs[1]!.publicKey);
    key.destroy();
    expect((await caughtAsync(() => pending)).code).toBe(CryptoErrorCode.KeyDestroyed);
  });

  it('detection refuses a WebCrypto whose X25519 gives a wrong answer, and one with no subtle at all', async () => {
    const wrong = new Proxy(nodeSubtle, {
      get(target, property) {
        const value = Reflect.get(target, property) as (...args: unknown[]) => Promise<unknown>;
        if (property !== 'deriveBits') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const bits = new Uint8Array((await value.apply(target, args)) as ArrayBuffer);
          bits[0]! ^= 1;
          return bits.buffer;
        };
      },
    });
    expect(await webCryptoX25519(wrong).implementation()).toBe('noble');
    vi.stubGlobal('crypto', undefined);
    try {
      expect(await webCryptoX25519().implementation()).toBe('noble');
      expect(caught(() => webCryptoSymmetric()).code).toBe(CryptoErrorCode.InvalidArgument);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(await webCryptoX25519().implementation()).toBe('webcrypto');
  });

  it('a peer value WebCrypto will not import is agreed by noble, with the same result', async () => {
    // Refuses raw X25519 imports other than the detection's known-answer peer (RFC 7748 §6.1, de9e…).
    const picky = new Proxy(nodeSubtle, {
      get(target, property) {
        const value = Reflect.get(target, property) as (...args: unknown[]) => Promise<unknown>;
        if (property !== 'importKey') return typeof value === 'function' ? value.bind(target) : value;
        return (format: string, data: Uint8Array, ...rest: unknown[]) =>
          format === 'raw' && data[0] !== 0xde
            ? Promise.reject(new DOMException('refused', 'DataError'))
            : value.call(target, format, data, ...rest);
      },
    });
    const x25519 = webCryptoX25519(picky);
    expect(await x25519.implementation()).toBe('webcrypto');
    const [a, b] = [pairs[2]!, pairs[3]!];
    expect(b.publicKey[0]).not.toBe(0xde);
    expect(await x25519.sharedSecret(a, b.publicKey)).toEqual(native.x25519(a, b.publicKey));
    expect((await caughtAsync(() => x25519.sharedSecret(a, LOW_ORDER[1]!))).code).toBe(
      CryptoErrorCode.ZeroSharedSecret,
    );
  });
});
