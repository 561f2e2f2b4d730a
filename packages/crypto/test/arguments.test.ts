/** Bad input gets a typed error, never a crash (developer guide): every API entry with junk arguments. */
import { describe, expect, it } from 'vitest';
import { CryptoError } from '../src/index.js';
import { BACKENDS, bytes, cryptoFor } from './helpers.js';

const JUNK: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  Number.NaN,
  '',
  'x',
  {},
  [],
  [1, 2],
  () => 1,
  new ArrayBuffer(8),
];

/** Some junk is valid input (0 random bytes, an empty passphrase); whatever is thrown must be typed. */
function expectTypedError(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError);
  }
}

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s backend', (_name, backend) => {
  const c = cryptoFor(backend);
  const key32 = bytes(32, 1);
  const cipher = c.createMessageCipher(key32, bytes(32, 2));
  const packets = c.createPacketCipher(key32);
  const x = c.generateX25519KeyPair();

  const calls: [string, (junk: never) => unknown][] = [
    ['randomBytes', (j) => c.randomBytes(j)],
    ['sha256', (j) => c.sha256(j)],
    ['sha3_256', (j) => c.sha3_256(j)],
    ['hash', (j) => c.hash(j, bytes(1))],
    ['hmac key', (j) => c.hmac('sha256', j, bytes(1))],
    ['hmac data', (j) => c.hmac('sha256', key32, j)],
    ['hmacVerify', (j) => c.hmacVerify('sha256', key32, bytes(1), j)],
    ['hkdf ikm', (j) => c.hkdf('sha256', j, bytes(0), bytes(0), 32)],
    ['hkdf length', (j) => c.hkdf('sha256', key32, bytes(0), bytes(0), j)],
    ['scryptSync', (j) => c.scryptSync(j, bytes(16), { N: 16, r: 1, p: 1 })],
    ['scryptSync options', (j) => c.scryptSync('pw', bytes(16), { N: j, r: 1, p: 1 })],
    ['importRsaPublicKey', (j) => c.importRsaPublicKey(j)],
    ['importRsaPrivateKey', (j) => c.importRsaPrivateKey(j)],
    ['importEncryptedRsaPrivateKeySync', (j) => c.importEncryptedRsaPrivateKeySync(j, 'pw')],
    ['rsaEncrypt', (j) => c.rsaEncrypt(j, bytes(1))],
    ['rsaDecrypt', (j) => c.rsaDecrypt(j, bytes(512))],
    ['sign', (j) => c.sign(j, bytes(1))],
    ['verify', (j) => c.verify(j, bytes(1), bytes(512))],
    ['seal', (j) => c.seal(j, bytes(1))],
    ['open', (j) => c.open(j, bytes(600))],
    ['createMessageCipher', (j) => c.createMessageCipher(j, key32)],
    ['MessageCipher.seal', (j) => cipher.seal(j)],
    ['MessageCipher.open', (j) => cipher.open(j)],
    ['createPacketCipher', (j) => c.createPacketCipher(j)],
    ['PacketCipher.seal', (j) => packets.seal(j, bytes(1), bytes(1))],
    ['PacketCipher.open', (j) => packets.open(1, bytes(1), j)],
    ['importX25519PrivateKey', (j) => c.importX25519PrivateKey(j)],
    ['x25519 private', (j) => c.x25519(j, x.publicKey)],
    ['x25519 public', (j) => c.x25519(x.privateKey, j)],
    ['fingerprint', (j) => c.fingerprint(j)],
    ['safetyNumber', (j) => c.safetyNumber(j, 'ab'.repeat(32))],
  ];

  it.each(calls)('%s: junk arguments never throw anything but a CryptoError', (_label, call) => {
    for (const junk of JUNK) expectTypedError(() => call(junk as never));
  });
});

describe('async entries reject with a CryptoError', () => {
  const c = cryptoFor(BACKENDS[0]!);
  it.each([
    ['generateRsaKeyPair', () => c.generateRsaKeyPair({ progressIntervalMs: -1 })],
    ['generateRsaKeyPair onProgress', () => c.generateRsaKeyPair({ onProgress: 5 as never })],
    ['scrypt', () => c.scrypt(null as never, bytes(16))],
    ['importEncryptedRsaPrivateKey', () => c.importEncryptedRsaPrivateKey(null as never, 'pw')],
    ['exportEncryptedRsaPrivateKey', () => c.exportEncryptedRsaPrivateKey({} as never, 'pw')],
  ] as const)('%s', async (_label, call) => {
    await expect(call()).rejects.toBeInstanceOf(CryptoError);
  });
});
