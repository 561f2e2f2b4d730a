/**
 * RSA key handling: PEM/DER import and export, the RSA-4096 / e = 65537 policy with typed errors,
 * encrypted PKCS#8 (scrypt) and its interop with OpenSSL, key generation with progress, destroy.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  publicEncrypt,
} from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import { generateWithForge } from '../src/backends/forge-keygen.js';
import {
  encodeObjectIdentifier,
  encodeSequence,
  encodeTlv,
  objectIdentifier,
  parseDer,
  sequence,
  smallInteger,
} from '../src/der.js';
import {
  type CryptoBackend,
  CryptoErrorCode,
  createCrypto,
  decodePem,
  encodePem,
  type KeygenProgress,
  nativeBackend,
} from '../src/index.js';
import { BACKENDS, caught, caughtAsync, cryptoFor, native } from './helpers.js';

let alice: { publicKeyPem: string; privateKeyPem: string };
let others: ReturnType<typeof generateKeyPairSync>[] | undefined;

/** Keys of other types and sizes, made once for both backends. */
function otherKeys() {
  others ??= [
    generateKeyPairSync('rsa', { modulusLength: 2048 }),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    generateKeyPairSync('ed25519'),
    generateKeyPairSync('rsa-pss', { modulusLength: 2048 }),
  ];
  return others;
}

beforeAll(async () => {
  alice = await testKeyPair('alice');
});

function spkiDer(pem: string): Uint8Array {
  return decodePem(pem, 'PUBLIC KEY');
}

/** A copy of Alice's SPKI DER edited by `mutate`. */
function tamperedSpki(mutate: (der: Uint8Array) => void): Uint8Array {
  const der = Uint8Array.from(spkiDer(alice.publicKeyPem));
  mutate(der);
  return der;
}

/** A well-formed rsaEncryption SPKI for an arbitrary 4096-bit modulus `n` and e = 65537. */
function spkiWithModulus(n: bigint): Uint8Array {
  const hex = n.toString(16).padStart(1024, '0');
  const integer = Uint8Array.from(Buffer.from(`00${hex}`, 'hex'));
  const rsaPublicKey = encodeSequence(encodeTlv(0x02, integer), encodeTlv(0x02, Uint8Array.of(1, 0, 1)));
  return encodeSequence(
    encodeSequence(encodeObjectIdentifier('1.2.840.113549.1.1.1'), encodeTlv(0x05, new Uint8Array(0))),
    encodeTlv(0x03, Uint8Array.from([0, ...rsaPublicKey])),
  );
}

const bigOf = (base64url: string) => BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex')}`);

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s backend', (_name, backend) => {
  const c = cryptoFor(backend);

  it('imports PEM and DER and exports them unchanged', () => {
    const pub = c.importRsaPublicKey(alice.publicKeyPem);
    expect(pub.toPem()).toBe(alice.publicKeyPem);
    expect(c.importRsaPublicKey(pub.toDer()).equals(pub)).toBe(true);
    const priv = c.importRsaPrivateKey(alice.privateKeyPem);
    expect(priv.publicKey.equals(pub)).toBe(true);
    const again = c.importRsaPrivateKey(priv.toPkcs8Der());
    expect(again.publicKey.equals(pub)).toBe(true);
    expect(createPrivateKey(priv.toPkcs8Pem()).asymmetricKeyDetails?.modulusLength).toBe(4096);
  });

  it('fingerprint = SHA3-256 of the SPKI DER, hex', () => {
    const expected = createHash('sha3-256').update(spkiDer(alice.publicKeyPem)).digest('hex');
    expect(c.importRsaPublicKey(alice.publicKeyPem).fingerprint()).toBe(expected);
    expect(c.fingerprint(alice.publicKeyPem)).toBe(expected);
    expect(c.fingerprint(spkiDer(alice.publicKeyPem))).toBe(expected);
  });

  it('refuses keys that are not RSA-4096 with e = 65537: CRYPTO_ERR_KEY_UNSUPPORTED', () => {
    for (const pair of otherKeys()) {
      const pubPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const privPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      expect(caught(() => c.importRsaPublicKey(pubPem)).code).toBe(CryptoErrorCode.KeyUnsupported);
      expect(caught(() => c.importRsaPrivateKey(privPem)).code).toBe(CryptoErrorCode.KeyUnsupported);
    }
    // e = 65539 and a 4095-bit modulus, built by editing Alice's key (the DER stays well-formed).
    const e65539 = tamperedSpki((der) => {
      der[der.length - 1] = 3;
    });
    expect(caught(() => c.importRsaPublicKey(e65539)).code).toBe(CryptoErrorCode.KeyUnsupported);
    // A well-formed SPKI whose modulus is 4095 bits (Alice's n with the top bit cleared).
    const n = Uint8Array.from(decodePem(alice.publicKeyPem, 'PUBLIC KEY').subarray(-517, -5));
    n[0] = 0x7f;
    const rsaPublicKey = encodeSequence(encodeTlv(0x02, n), encodeTlv(0x02, Uint8Array.of(1, 0, 1)));
    const short = encodeSequence(
      encodeSequence(encodeObjectIdentifier('1.2.840.113549.1.1.1'), encodeTlv(0x05, new Uint8Array(0))),
      encodeTlv(0x03, Uint8Array.from([0, ...rsaPublicKey])),
    );
    expect(caught(() => c.importRsaPublicKey(short)).code).toBe(CryptoErrorCode.KeyUnsupported);
  });

  it('refuses 4096-bit moduli that are not two large primes: even, small factor, square (docs/crypto.md §3)', () => {
    const jwk = createPrivateKey(alice.privateKeyPem).export({ format: 'jwk' });
    const n = bigOf(jwk.n!);
    const p = bigOf(jwk.p!);
    // The builder is right: Alice's own modulus through it imports.
    expect(c.importRsaPublicKey(spkiWithModulus(n)).equals(c.importRsaPublicKey(alice.publicKeyPem))).toBe(
      true,
    );
    const smallFactor = (q: bigint) => {
      let k = (1n << 4095n) / q + 1n;
      if (k % 2n === 0n) k += 1n;
      return q * k;
    };
    const refused = [
      n ^ 1n, // even
      smallFactor(3n),
      smallFactor(16381n), // the largest prime below 2^14
      p * p, // a perfect square of a 2048-bit prime: no small factor
    ];
    for (const bad of refused) {
      expect(bad.toString(2)).toHaveLength(4096);
      expect(caught(() => c.importRsaPublicKey(spkiWithModulus(bad))).code).toBe(
        CryptoErrorCode.KeyUnsupported,
      );
    }
  });

  it('refuses malformed input: CRYPTO_ERR_KEY_FORMAT', () => {
    const der = spkiDer(alice.publicKeyPem);
    const pkcs1 = createPublicKey(alice.publicKeyPem).export({ type: 'pkcs1', format: 'pem' }) as string;
    const bad: (string | Uint8Array)[] = [
      new Uint8Array(0),
      new Uint8Array([0x30, 0x03, 0x02, 0x01]),
      new Uint8Array([...der, 0]), // trailing byte
      der.subarray(0, der.length - 1), // truncated
      'not a key',
      alice.privateKeyPem, // wrong label
      pkcs1, // "RSA PUBLIC KEY" (PKCS#1), not SPKI
      alice.publicKeyPem.replace('MIIC', 'MII*'),
    ];
    for (const input of bad)
      expect(caught(() => c.importRsaPublicKey(input)).code).toBe(CryptoErrorCode.KeyFormat);
    expect(caught(() => c.importRsaPrivateKey(alice.publicKeyPem)).code).toBe(CryptoErrorCode.KeyFormat);
    expect(caught(() => c.importRsaPublicKey(42 as unknown as string)).code).toBe(
      CryptoErrorCode.InvalidArgument,
    );
  });

  it('refuses a private key whose CRT parameters are inconsistent (fault-attack guard)', () => {
    const jwk = createPrivateKey(alice.privateKeyPem).export({ format: 'jwk' });
    const dp = Buffer.from(jwk.dp!, 'base64url');
    dp[dp.length - 1]! ^= 2;
    const broken = createPrivateKey({ key: { ...jwk, dp: dp.toString('base64url') }, format: 'jwk' });
    const pem = broken.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(caught(() => c.importRsaPrivateKey(pem)).code).toBe(CryptoErrorCode.KeyFormat);
  });

  it('never decrypts PKCS#1 v1.5 ciphertexts (docs/lessons.md #5)', () => {
    const priv = c.importRsaPrivateKey(alice.privateKeyPem);
    const v15 = publicEncrypt(
      { key: alice.publicKeyPem, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from('secret'),
    );
    expect(caught(() => c.rsaDecrypt(priv, Uint8Array.from(v15))).code).toBe(CryptoErrorCode.Decrypt);
  });

  it('encrypted PKCS#8: wrong passphrase is CRYPTO_ERR_KEY_DECRYPT, the right one restores the key', async () => {
    const priv = c.importRsaPrivateKey(alice.privateKeyPem);
    const pem = c.exportEncryptedRsaPrivateKeySync(priv, 'richtig', { N: 1024 });
    expect(pem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----\n')).toBe(true);
    expect((await caughtAsync(() => c.importEncryptedRsaPrivateKey(pem, 'falsch'))).code).toBe(
      CryptoErrorCode.KeyDecrypt,
    );
    expect(caught(() => c.importEncryptedRsaPrivateKeySync(pem, 'Richtig')).code).toBe(
      CryptoErrorCode.KeyDecrypt,
    );
    expect((await c.importEncryptedRsaPrivateKey(pem, 'richtig')).publicKey.equals(priv.publicKey)).toBe(
      true,
    );
    // Unicode passphrases are NFC-normalised: the decomposed form opens what the composed one sealed.
    const umlaut = c.exportEncryptedRsaPrivateKeySync(priv, 'Gr\u00fc\u00dfe', { N: 1024 });
    expect(
      c.importEncryptedRsaPrivateKeySync(umlaut, 'Gru\u0308\u00dfe').publicKey.equals(priv.publicKey),
    ).toBe(true);
  });

  it('encrypted PKCS#8 interoperates with OpenSSL in both directions', async () => {
    const priv = c.importRsaPrivateKey(alice.privateKeyPem);
    // OpenSSL reads PBES2-scrypt when 128·N·r ≤ 32 MiB.
    const ours = await c.exportEncryptedRsaPrivateKey(priv, 'pw', { N: 2 ** 14 });
    const opened = createPrivateKey({ key: ours, format: 'pem', passphrase: 'pw' });
    expect(createPublicKey(opened).export({ type: 'spki', format: 'pem' })).toBe(alice.publicKeyPem);
    const theirs = createPrivateKey(alice.privateKeyPem).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string;
    expect((await c.importEncryptedRsaPrivateKey(theirs, 'pw')).publicKey.equals(priv.publicKey)).toBe(true);
    const aes128 = createPrivateKey(alice.privateKeyPem).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-128-cbc',
      passphrase: 'pw',
    }) as string;
    expect((await caughtAsync(() => c.importEncryptedRsaPrivateKey(aes128, 'pw'))).code).toBe(
      CryptoErrorCode.KeyUnsupported,
    );
  });

  it('generates an RSA-4096, e = 65537 key pair with honest progress', async () => {
    const seen: KeygenProgress[] = [];
    const { publicKey, privateKey } = await c.generateRsaKeyPair({ onProgress: (p) => seen.push(p) });
    const details = createPublicKey(publicKey.toPem()).asymmetricKeyDetails;
    expect(details?.modulusLength).toBe(4096);
    expect(details?.publicExponent).toBe(65537n);
    expect(c.rsaDecrypt(privateKey, c.rsaEncrypt(publicKey, new Uint8Array([1])))).toEqual(
      new Uint8Array([1]),
    );
    expect(seen[0]?.phase).toBe('started');
    expect(seen.at(-1)?.phase).toBe('done');
    expect(seen.slice(1, -1).every((p) => p.phase === 'working')).toBe(true);
  }, 60_000);
});

describe('key generation progress and failures', () => {
  function slowBackend(delayMs: number, fail = false): CryptoBackend {
    const base = nativeBackend();
    return {
      ...base,
      rsa: {
        ...base.rsa,
        generate: async () => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          if (fail) throw new Error('entropy source exploded');
          return base.rsa.importPkcs8(decodePem(alice.privateKeyPem, 'PRIVATE KEY'));
        },
      },
    };
  }

  it('reports working ticks with growing elapsed time while the backend is busy', async () => {
    const seen: KeygenProgress[] = [];
    const c = createCrypto({ backend: slowBackend(150) });
    await c.generateRsaKeyPair({ onProgress: (p) => seen.push(p), progressIntervalMs: 20 });
    const working = seen.filter((p) => p.phase === 'working');
    expect(working.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.elapsedMs).toBeGreaterThanOrEqual(seen[i - 1]!.elapsedMs);
    expect(seen.at(-1)!.elapsedMs).toBeGreaterThanOrEqual(140);
  });

  it('a backend failure is CRYPTO_ERR_KEYGEN and stops the ticks', async () => {
    const seen: KeygenProgress[] = [];
    const c = createCrypto({ backend: slowBackend(30, true) });
    const error = await caughtAsync(() =>
      c.generateRsaKeyPair({ onProgress: (p) => seen.push(p), progressIntervalMs: 10 }),
    );
    expect(error.code).toBe(CryptoErrorCode.Keygen);
    const count = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.length).toBe(count);
    expect(seen.some((p) => p.phase === 'done')).toBe(false);
  });

  it('the pure-JS fallback (stepped node-forge) yields to the event loop and makes valid keys', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const key = await generateWithForge(768, (n) => native.randomBytes(n));
    clearInterval(timer);
    expect(key.n.bitLength()).toBe(768);
    expect(key.e.intValue()).toBe(65537);
    expect(key.p.multiply(key.q).equals(key.n)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('encrypted PKCS#8 layout', () => {
  it('defaults to PBES2 + scrypt N = 2^15, r = 8, p = 1 + AES-256-CBC', async () => {
    const priv = native.importRsaPrivateKey(alice.privateKeyPem);
    const der = decodePem(await native.exportEncryptedRsaPrivateKey(priv, 'pw'), 'ENCRYPTED PRIVATE KEY');
    const [algorithm] = sequence(parseDer(der));
    const [pbes2, params] = sequence(algorithm);
    expect(objectIdentifier(pbes2)).toBe('1.2.840.113549.1.5.13');
    const [kdf, enc] = sequence(params);
    const [kdfOid, kdfParams] = sequence(kdf);
    expect(objectIdentifier(kdfOid)).toBe('1.3.6.1.4.1.11591.4.11');
    expect(sequence(kdfParams).slice(1).map(smallInteger)).toEqual([32768, 8, 1, 32]);
    expect(objectIdentifier(sequence(enc)[0])).toBe('2.16.840.1.101.3.4.1.42');
  });

  it('PEM helpers round-trip and refuse other labels', () => {
    const der = new Uint8Array(300).map((_, i) => i & 0xff);
    const pem = encodePem('PUBLIC KEY', der);
    expect(pem.split('\n')[1]).toHaveLength(64);
    expect(decodePem(pem, 'PUBLIC KEY')).toEqual(der);
    expect(caught(() => decodePem(pem, 'PRIVATE KEY')).code).toBe(CryptoErrorCode.KeyFormat);
    expect(caught(() => decodePem(`Proc-Type: 4,ENCRYPTED\n${pem}`, 'PUBLIC KEY')).code).toBe(
      CryptoErrorCode.KeyFormat,
    );
  });
});
