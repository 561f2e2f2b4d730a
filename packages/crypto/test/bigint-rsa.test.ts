/**
 * The portable backend's RSA private operation on BigInt (src/backends/bigint-rsa.ts, docs/crypto.md
 * "Portable RSA"): the raw operation against OpenSSL, the padded results against node-forge's own private
 * operation byte for byte, and the two protections — blinding and the result check — each with a test that
 * fails without it.
 */
import { constants, createPrivateKey, publicEncrypt } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import {
  BigIntRsaPrivateKey,
  bigIntToBytes,
  bytesToBigInt,
  type RsaCrtComponents,
} from '../src/backends/bigint-rsa.js';
import { portableBackend } from '../src/index.js';
import { native, portable } from './helpers.js';

const b64 = (value: string): bigint => bytesToBigInt(Buffer.from(value, 'base64url'));

let pem: { privateKeyPem: string; publicKeyPem: string };
let components: RsaCrtComponents;

beforeAll(async () => {
  pem = await testKeyPair('alice');
  const jwk = createPrivateKey(pem.privateKeyPem).export({ format: 'jwk' });
  components = {
    n: b64(jwk.n!),
    e: b64(jwk.e!),
    p: b64(jwk.p!),
    q: b64(jwk.q!),
    dP: b64(jwk.dp!),
    dQ: b64(jwk.dq!),
    qInv: b64(jwk.qi!),
  };
});

/** A random value below n, raised to e by OpenSSL (raw RSA, test-only). */
function rawEncrypt(m: Uint8Array): Uint8Array {
  return new Uint8Array(publicEncrypt({ key: pem.publicKeyPem, padding: constants.RSA_NO_PADDING }, m));
}

function randomBelowModulus(): Uint8Array {
  const m = new Uint8Array(512);
  crypto.getRandomValues(m);
  m[0] = m[0]! & 0x7f;
  return m;
}

describe('BigInt RSA private operation', () => {
  it('inverts OpenSSL’s public operation across blinding refreshes', () => {
    const key = new BigIntRsaPrivateKey(components, (n) => crypto.getRandomValues(new Uint8Array(n)));
    for (let i = 0; i < 40; i++) {
      const m = randomBelowModulus();
      expect(key.privateOp(rawEncrypt(m))).toEqual(m);
    }
  });

  it('refuses input of the wrong length or not below the modulus', () => {
    const key = new BigIntRsaPrivateKey(components, (n) => crypto.getRandomValues(new Uint8Array(n)));
    expect(() => key.privateOp(new Uint8Array(511))).toThrow();
    expect(() => key.privateOp(new Uint8Array(513))).toThrow();
    expect(() => key.privateOp(bigIntToBytes(components.n, 512))).toThrow();
    expect(() => key.privateOp(new Uint8Array(512).fill(0xff))).toThrow();
  });

  it('blinds: draws a fresh factor for the first operation and again after 32', () => {
    let draws = 0;
    const key = new BigIntRsaPrivateKey(components, (n) => {
      draws++;
      return crypto.getRandomValues(new Uint8Array(n));
    });
    const c = rawEncrypt(randomBelowModulus());
    key.privateOp(c);
    expect(draws).toBe(1);
    for (let i = 1; i < 32; i++) key.privateOp(c);
    expect(draws).toBe(1);
    key.privateOp(c);
    expect(draws).toBe(2);
  });

  it('prepare() draws the first blinding factor ahead, so the first operation does not', () => {
    let draws = 0;
    const key = new BigIntRsaPrivateKey(components, (n) => {
      draws++;
      return crypto.getRandomValues(new Uint8Array(n));
    });
    key.prepare();
    expect(draws).toBe(1);
    const m = randomBelowModulus();
    expect(key.privateOp(rawEncrypt(m))).toEqual(m);
    expect(draws).toBe(1);
  });

  it('redraws a blinding factor that shares a factor with n', () => {
    const draws: Uint8Array[] = [bigIntToBytes(components.p, 512)];
    const key = new BigIntRsaPrivateKey(
      components,
      (n) => draws.shift() ?? crypto.getRandomValues(new Uint8Array(n)),
    );
    const m = randomBelowModulus();
    expect(key.privateOp(rawEncrypt(m))).toEqual(m);
    expect(draws).toEqual([]);
  });

  it('checks its result: a fault in one CRT half never leaves (it would reveal a factor of n)', () => {
    const faulty = new BigIntRsaPrivateKey({ ...components, dQ: components.dQ ^ 2n }, (n) =>
      crypto.getRandomValues(new Uint8Array(n)),
    );
    expect(() => faulty.privateOp(rawEncrypt(randomBelowModulus()))).toThrow(/check/);
  });
});

describe('portable backend on BigInt equals node-forge’s own private operation', () => {
  const label = new TextEncoder().encode('leitung test label');

  it('OAEP decrypt: same plaintext as forge, and of what the native backend encrypted', () => {
    const forgeKey = forge.pki.privateKeyFromPem(pem.privateKeyPem);
    const priv = portable.importRsaPrivateKey(pem.privateKeyPem);
    const pub = native.importRsaPublicKey(pem.publicKeyPem);
    for (let i = 0; i < 4; i++) {
      const secret = crypto.getRandomValues(new Uint8Array(32 + i));
      const ciphertext = native.rsaEncrypt(pub, secret, label);
      expect(portable.rsaDecrypt(priv, ciphertext, label)).toEqual(secret);
      const byForge = forgeKey.decrypt(Buffer.from(ciphertext).toString('binary'), 'RSA-OAEP', {
        md: forge.md.sha256.create(),
        mgf1: { md: forge.md.sha256.create() },
        label: Buffer.from(label).toString('binary'),
      });
      expect(Buffer.from(byForge, 'binary')).toEqual(Buffer.from(secret));
    }
  });

  it('PSS sign: the same signature as forge for the same salt, and the native backend verifies it', () => {
    const forgeKey = forge.pki.privateKeyFromPem(pem.privateKeyPem);
    const priv = portable.importRsaPrivateKey(pem.privateKeyPem);
    const pub = native.importRsaPublicKey(pem.publicKeyPem);
    const message = new TextEncoder().encode('call data');
    const salt = crypto.getRandomValues(new Uint8Array(32));
    const rsa = portableBackend().rsa;
    const signature = rsa.pssSign(rsa.importPkcs8(priv.toPkcs8Der()), message, salt);
    const md = forge.md.sha256.create();
    md.update(Buffer.from(message).toString('binary'));
    const byForge = forgeKey.sign(
      md,
      forge.pss.create({
        md: forge.md.sha256.create(),
        mgf: forge.mgf.mgf1.create(forge.md.sha256.create()),
        saltLength: 32,
        prng: { getBytesSync: () => Buffer.from(salt).toString('binary') },
      }),
    );
    expect(Buffer.from(signature)).toEqual(Buffer.from(byForge, 'binary'));
    expect(native.verify(pub, message, signature)).toBe(true);
    expect(native.verify(pub, message, portable.sign(priv, message))).toBe(true);
  });

  it('public operations: OAEP encryption equals forge’s for the same seed; PSS verification refuses what forge refuses', () => {
    const forgePub = forge.pki.publicKeyFromPem(pem.publicKeyPem);
    const rsa = portableBackend().rsa;
    const pub = rsa.importSpki(native.importRsaPublicKey(pem.publicKeyPem).toDer());
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const options = {
      md: forge.md.sha256.create(),
      mgf1: { md: forge.md.sha256.create() },
      label: Buffer.from(label).toString('binary'),
      seed: Buffer.from(seed).toString('binary'),
    };
    const byForge = forgePub.encrypt(Buffer.from(secret).toString('binary'), 'RSA-OAEP', options);
    expect(Buffer.from(rsa.oaepEncrypt(pub, secret, label, seed))).toEqual(Buffer.from(byForge, 'binary'));

    const priv = native.importRsaPrivateKey(pem.privateKeyPem);
    const message = new TextEncoder().encode('tree head');
    const signature = native.sign(priv, message);
    expect(rsa.pssVerify(pub, message, signature)).toBe(true);
    const flipped = signature.slice();
    flipped[100] = flipped[100]! ^ 1;
    expect(rsa.pssVerify(pub, message, flipped)).toBe(false);
    expect(rsa.pssVerify(pub, new TextEncoder().encode('tree heaD'), signature)).toBe(false);
    expect(rsa.pssVerify(pub, message, signature.subarray(1))).toBe(false);
    expect(rsa.pssVerify(pub, message, new Uint8Array(512).fill(0xff))).toBe(false);
  });
});
