/**
 * Differential tests: the native (node:crypto) and portable (node-forge + @noble) backends
 * interoperate in both directions for OAEP, PSS, the message and packet ciphers, sealed boxes and
 * encrypted keys, and agree byte for byte on every deterministic function. Forge's RSA private operations
 * are ~40× slower than OpenSSL's, so RSA decrypt/sign on the portable side runs on a few messages only.
 */
import { createHash } from 'node:crypto';
import { sha3_256 as nobleSha3 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import {
  createCrypto,
  type LeitungCrypto,
  nativeBackend,
  portableBackend,
  type RsaPrivateKey,
} from '../src/index.js';
import { bytes, deterministicRandom, native, portable } from './helpers.js';

const DIRECTIONS = [
  ['native → portable', native, portable],
  ['portable → native', portable, native],
] as const;

let pem: { publicKeyPem: string; privateKeyPem: string };

beforeAll(async () => {
  pem = await testKeyPair('alice');
});

function keysOn(c: LeitungCrypto) {
  return { pub: c.importRsaPublicKey(pem.publicKeyPem), priv: c.importRsaPrivateKey(pem.privateKeyPem) };
}

describe('SHA3-256: @noble/hashes and node:crypto agree', () => {
  it('on arbitrary inputs (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (data) => {
        const expected = Uint8Array.from(createHash('sha3-256').update(data).digest());
        expect(nobleSha3(data)).toEqual(expected);
        expect(portable.sha3_256(data)).toEqual(expected);
        expect(native.sha3_256(data)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('on a known answer (FIPS 202, "abc")', () => {
    const abc = new TextEncoder().encode('abc');
    const expected = '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532';
    expect(Buffer.from(native.quantumSafeHash(abc)).toString('hex')).toBe(expected);
    expect(Buffer.from(portable.quantumSafeHash(abc)).toString('hex')).toBe(expected);
  });
});

describe('deterministic functions agree byte for byte', () => {
  it('SHA-256, HMAC and HKDF over both hashes (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sha256', 'sha3-256' as const),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 1, max: 300 }),
        (name, data, salt, info, length) => {
          expect(portable.sha256(data)).toEqual(native.sha256(data));
          expect(portable.hmac(name, salt, data)).toEqual(native.hmac(name, salt, data));
          expect(portable.hkdf(name, data, salt, info, length)).toEqual(
            native.hkdf(name, data, salt, info, length),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('scrypt (sync and async)', async () => {
    const options = { N: 1024, r: 8, p: 2, length: 48 };
    const salt = bytes(16, 9);
    const a = native.scryptSync('pässwörd', salt, options);
    expect(portable.scryptSync('pässwörd', salt, options)).toEqual(a);
    expect(await native.scrypt('pässwörd', salt, options)).toEqual(a);
    expect(await portable.scrypt('pässwörd', salt, options)).toEqual(a);
  });

  it('the message cipher under the same random source', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), (plaintext, ad) => {
        const [a, b] = [nativeBackend(), portableBackend()].map((backend) =>
          createCrypto({ backend, randomBytes: deterministicRandom('message') }).createMessageCipher(
            bytes(32, 1),
            bytes(32, 2),
          ),
        );
        expect(b!.seal(plaintext, ad)).toEqual(a!.seal(plaintext, ad));
      }),
      { numRuns: 100 },
    );
  });

  it('the packet cipher (deterministic by design: the IV comes from the sequence number)', () => {
    const a = native.createPacketCipher(bytes(32, 7));
    const b = portable.createPacketCipher(bytes(32, 7));
    for (let seq = 0; seq < 50; seq++) {
      const frame = bytes(seq * 3, seq);
      const header = bytes(14, seq);
      expect(b.seal(seq, header, frame)).toEqual(a.seal(seq, header, frame));
    }
  });

  it('fingerprints and canonical key encodings', () => {
    const n = keysOn(native);
    const p = keysOn(portable);
    expect(p.pub.fingerprint()).toBe(n.pub.fingerprint());
    expect(p.pub.toDer()).toEqual(n.pub.toDer());
    expect(p.priv.publicKey.fingerprint()).toBe(n.pub.fingerprint());
    expect(portable.safetyNumber(n.pub.fingerprint(), 'ab'.repeat(32))).toBe(
      native.safetyNumber('ab'.repeat(32), n.pub.fingerprint()),
    );
  });
});

describe.each(DIRECTIONS)('%s', (_name, from, to) => {
  let sender: ReturnType<typeof keysOn>;
  let receiver: ReturnType<typeof keysOn>;

  beforeAll(() => {
    sender = keysOn(from);
    receiver = keysOn(to);
  });

  it('RSA-OAEP: encrypt on one, decrypt on the other (empty, labelled, longest)', () => {
    const cases: [Uint8Array, Uint8Array | undefined][] = [
      [new Uint8Array(0), undefined],
      [bytes(48, 0xaa), new TextEncoder().encode('leitung/v1 handshake')],
      [bytes(446, 0x55), undefined],
    ];
    for (const [plaintext, label] of cases) {
      expect(to.rsaDecrypt(receiver.priv, from.rsaEncrypt(sender.pub, plaintext, label), label)).toEqual(
        plaintext,
      );
    }
  });

  it('RSA-PSS: sign on one, verify on the other; a changed message is refused by both', () => {
    const message = new TextEncoder().encode('leitung/v1 call-data …');
    const signature = from.sign(sender.priv, message);
    expect(to.verify(receiver.pub, message, signature)).toBe(true);
    expect(from.verify(sender.pub, message, signature)).toBe(true);
    const changed = Uint8Array.from(message);
    changed[0]! ^= 1;
    expect(to.verify(receiver.pub, changed, signature)).toBe(false);
    expect(from.verify(sender.pub, changed, signature)).toBe(false);
  });

  it('seal on one, open on the other (1 byte, 1 block, 100 KiB)', () => {
    for (const size of [1, 16, 100 * 1024]) {
      const plaintext = bytes(size, size & 0xff);
      const sealed = from.seal(sender.pub, plaintext, bytes(3, 1));
      expect(to.open(receiver.priv, sealed, bytes(3, 1))).toEqual(plaintext);
    }
  });

  it('message cipher: seal on one, open on the other (fast-check)', () => {
    const encKey = from.randomBytes(32);
    const macKey = from.randomBytes(32);
    const a = from.createMessageCipher(encKey, macKey);
    const b = to.createMessageCipher(encKey, macKey);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), fc.uint8Array({ maxLength: 64 }), (plaintext, ad) => {
        expect(b.open(a.seal(plaintext, ad), ad)).toEqual(plaintext);
      }),
      { numRuns: 100 },
    );
  });

  it('packet cipher: seal on one, open on the other, 32- and 64-byte key material', () => {
    for (const length of [32, 64]) {
      const keyMaterial = from.randomBytes(length);
      const a = from.createPacketCipher(keyMaterial);
      const b = to.createPacketCipher(keyMaterial);
      for (let seq = 1000; seq < 1100; seq += 3) {
        const header = bytes(14, seq & 0xff);
        const frame = from.randomBytes(seq % 200);
        expect(b.open(seq, header, a.seal(seq, header, frame))).toEqual(frame);
      }
    }
  });

  it('X25519: the same shared secret on both sides', () => {
    const a = from.generateX25519KeyPair();
    const b = to.generateX25519KeyPair();
    expect(to.x25519(b.privateKey, a.publicKey)).toEqual(from.x25519(a.privateKey, b.publicKey));
  });

  it('encrypted PKCS#8: exported on one, imported on the other', async () => {
    const encrypted = await from.exportEncryptedRsaPrivateKey(sender.priv, 'correct horse', { N: 1024 });
    const imported: RsaPrivateKey = await to.importEncryptedRsaPrivateKey(encrypted, 'correct horse');
    expect(imported.publicKey.fingerprint()).toBe(sender.pub.fingerprint());
    expect(
      to.importEncryptedRsaPrivateKeySync(encrypted, 'correct horse').publicKey.equals(receiver.pub),
    ).toBe(true);
  });
});
