/**
 * Negative tests: flipped bits in ciphertext, tag, IV and associated data, truncation, wrong
 * keys, wrong recipient and replays are each refused with a stable code, on both backends. Where one
 * decryption path has several failure causes, the errors must be indistinguishable.
 */
import { constants, createPrivateKey, sign as nodeSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import {
  CryptoErrorCode,
  type CryptoReplayError,
  type LeitungCrypto,
  type RsaPrivateKey,
  type RsaPublicKey,
} from '../src/index.js';
import { pad } from '../src/pkcs7.js';
import { BACKENDS, bytes, caught, cryptoFor, flipBit, observable } from './helpers.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

let alicePem: { publicKeyPem: string; privateKeyPem: string };
let bobPem: { publicKeyPem: string; privateKeyPem: string };

beforeAll(async () => {
  [alicePem, bobPem] = await Promise.all([testKeyPair('alice'), testKeyPair('bob')]);
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))('%s backend', (_name, backend) => {
  let c: LeitungCrypto;
  let alice: { pub: RsaPublicKey; priv: RsaPrivateKey };
  let bob: { pub: RsaPublicKey; priv: RsaPrivateKey };

  beforeAll(() => {
    c = cryptoFor(backend);
    alice = {
      pub: c.importRsaPublicKey(alicePem.publicKeyPem),
      priv: c.importRsaPrivateKey(alicePem.privateKeyPem),
    };
    bob = {
      pub: c.importRsaPublicKey(bobPem.publicKeyPem),
      priv: c.importRsaPrivateKey(bobPem.privateKeyPem),
    };
  });

  describe('message cipher', () => {
    const encKey = bytes(32, 0x11);
    const macKey = bytes(32, 0x22);
    const ad = utf8('leitung/v1 frame\0\0\0\0\0\0\0\x05');

    it('refuses a flipped bit anywhere: IV, ciphertext, tag; and changed associated data', () => {
      const cipher = c.createMessageCipher(encKey, macKey);
      const sealed = cipher.seal(utf8('REGISTER …'), ad);
      const errors = new Set<string>();
      for (let i = 0; i < sealed.length; i++) {
        const error = caught(() => cipher.open(flipBit(sealed, i, i % 8), ad));
        expect(error.code).toBe(CryptoErrorCode.Auth);
        errors.add(observable(error));
      }
      for (let i = 0; i < ad.length; i++)
        errors.add(observable(caught(() => cipher.open(sealed, flipBit(ad, i)))));
      errors.add(observable(caught(() => cipher.open(sealed))));
      errors.add(observable(caught(() => cipher.open(sealed, utf8('leitung/v1 frame\0\0\0\0\0\0\0\x06')))));
      expect(errors.size).toBe(1);
      expect(cipher.open(sealed, ad)).toEqual(utf8('REGISTER …'));
    });

    it('refuses truncated and extended input', () => {
      const cipher = c.createMessageCipher(encKey, macKey);
      const sealed = cipher.seal(bytes(40, 1), ad);
      for (let length = 0; length < sealed.length; length++) {
        expect(caught(() => cipher.open(sealed.subarray(0, length), ad)).code).toBe(CryptoErrorCode.Auth);
      }
      expect(caught(() => cipher.open(new Uint8Array([...sealed, 0]), ad)).code).toBe(CryptoErrorCode.Auth);
      expect(caught(() => cipher.open(new Uint8Array([...sealed, ...bytes(16)]), ad)).code).toBe(
        CryptoErrorCode.Auth,
      );
    });

    it('refuses a wrong key', () => {
      const sealed = c.createMessageCipher(encKey, macKey).seal(bytes(10), ad);
      const other = c.createMessageCipher(bytes(32, 0x33), bytes(32, 0x44));
      expect(caught(() => other.open(sealed, ad)).code).toBe(CryptoErrorCode.Auth);
      const wrongMac = c.createMessageCipher(encKey, bytes(32, 0x44));
      expect(caught(() => wrongMac.open(sealed, ad)).code).toBe(CryptoErrorCode.Auth);
    });

    it('uses a fresh IV for every seal', () => {
      const cipher = c.createMessageCipher(encKey, macKey);
      const a = cipher.seal(bytes(32), ad);
      const b = cipher.seal(bytes(32), ad);
      expect(a.subarray(0, 16)).not.toEqual(b.subarray(0, 16));
      expect(a.subarray(16, 48)).not.toEqual(b.subarray(16, 48));
    });

    it('refuses bad key sizes, equal enc/mac keys and use after destroy', () => {
      expect(caught(() => c.createMessageCipher(bytes(16), macKey)).code).toBe(
        CryptoErrorCode.InvalidArgument,
      );
      expect(caught(() => c.createMessageCipher(encKey, encKey)).code).toBe(CryptoErrorCode.InvalidArgument);
      const cipher = c.createMessageCipher(encKey, macKey);
      const sealed = cipher.seal(bytes(3));
      cipher.destroy();
      expect(caught(() => cipher.open(sealed)).code).toBe(CryptoErrorCode.KeyDestroyed);
      expect(caught(() => cipher.seal(bytes(3))).code).toBe(CryptoErrorCode.KeyDestroyed);
    });
  });

  describe('packet cipher', () => {
    const keyMaterial = bytes(32, 0x42);
    const header = (seq: number) =>
      new Uint8Array([0x10, 0x01, 0, 0, 0, 7, 0, 0, seq >> 8, seq & 0xff, 0, 0, 0, 0]);

    it('refuses a flipped bit in ciphertext, tag or header, and a different sequence number', () => {
      const sender = c.createPacketCipher(keyMaterial);
      const receiver = c.createPacketCipher(keyMaterial);
      const packet = sender.seal(5, header(5), bytes(60, 9));
      const errors = new Set<string>();
      for (let i = 0; i < packet.length; i++) {
        errors.add(observable(caught(() => receiver.open(5, header(5), flipBit(packet, i, 7 - (i % 8))))));
      }
      for (let i = 0; i < 14; i++)
        errors.add(observable(caught(() => receiver.open(5, flipBit(header(5), i), packet))));
      errors.add(observable(caught(() => receiver.open(6, header(5), packet))));
      expect([...errors]).toHaveLength(1);
      expect(caught(() => receiver.open(5, header(5), flipBit(packet, 0))).code).toBe(CryptoErrorCode.Auth);
      expect(receiver.replayWindow.highest).toBeUndefined();
      expect(receiver.open(5, header(5), packet)).toEqual(bytes(60, 9));
    });

    it('refuses truncated packets and a wrong key', () => {
      const sender = c.createPacketCipher(keyMaterial);
      const packet = sender.seal(1, header(1), bytes(100, 1));
      const receiver = c.createPacketCipher(keyMaterial);
      for (let length = 0; length < packet.length; length++) {
        expect(caught(() => receiver.open(1, header(1), packet.subarray(0, length))).code).toBe(
          CryptoErrorCode.Auth,
        );
      }
      const stranger = c.createPacketCipher(bytes(32, 0x43));
      expect(caught(() => stranger.open(1, header(1), packet)).code).toBe(CryptoErrorCode.Auth);
      expect(caught(() => c.createPacketCipher(bytes(48))).code).toBe(CryptoErrorCode.InvalidArgument);
    });

    it('refuses a replayed sequence number with CRYPTO_ERR_REPLAY (duplicate and too old), after authentication', () => {
      const sender = c.createPacketCipher(keyMaterial);
      const receiver = c.createPacketCipher(keyMaterial, { windowSize: 64 });
      const packets = new Map<number, Uint8Array>();
      for (const seq of [1, 2, 3, 150, 200]) packets.set(seq, sender.seal(seq, header(seq), bytes(20, seq)));
      expect(receiver.open(1, header(1), packets.get(1)!)).toEqual(bytes(20, 1));
      const dup = caught(() => receiver.open(1, header(1), packets.get(1)!));
      expect(dup.code).toBe(CryptoErrorCode.Replay);
      expect((dup as CryptoReplayError).reason).toBe('duplicate');
      // Reordering inside the window is fine; far behind it is too old.
      expect(receiver.open(200, header(200), packets.get(200)!)).toEqual(bytes(20, 200));
      const old = caught(() => receiver.open(2, header(2), packets.get(2)!));
      expect(old.code).toBe(CryptoErrorCode.Replay);
      expect((old as CryptoReplayError).reason).toBe('too-old');
      expect(receiver.open(150, header(150), packets.get(150)!)).toEqual(bytes(20, 150));
      expect(caught(() => receiver.open(150, header(150), packets.get(150)!)).code).toBe(
        CryptoErrorCode.Replay,
      );
      // A forgery of an old number is an authentication failure, never a replay verdict.
      expect(caught(() => receiver.open(1, header(1), flipBit(packets.get(1)!, 3))).code).toBe(
        CryptoErrorCode.Auth,
      );
    });

    it('never moves the window on an unauthenticated packet', () => {
      const sender = c.createPacketCipher(keyMaterial);
      const receiver = c.createPacketCipher(keyMaterial);
      const genuine = sender.seal(10, header(10), bytes(20));
      const forged = flipBit(sender.seal(1_000_000, header(1), bytes(20)), 0);
      expect(caught(() => receiver.open(1_000_000, header(1), forged)).code).toBe(CryptoErrorCode.Auth);
      expect(receiver.replayWindow.highest).toBeUndefined();
      expect(receiver.open(10, header(10), genuine)).toEqual(bytes(20));
    });

    it('bad padding under a valid tag is CRYPTO_ERR_AUTH and does not move the window', () => {
      // Build a packet by hand with the documented key schedule (docs/crypto.md §Packet cipher): a correct
      // tag over a ciphertext whose plaintext ends in 0x00, which is not PKCS#7.
      const enc = c.hkdf('sha256', keyMaterial, new Uint8Array(0), utf8('leitung/v1 packet-enc'), 32);
      const mac = c.hkdf('sha256', keyMaterial, new Uint8Array(0), utf8('leitung/v1 packet-mac'), 32);
      const ivKey = c.hkdf('sha256', keyMaterial, new Uint8Array(0), utf8('leitung/v1 packet-iv'), 32);
      const seq = 77;
      const seqBlock = new Uint8Array(16);
      seqBlock[15] = seq;
      const iv = backend.aes(ivKey).cbcEncrypt(new Uint8Array(16), seqBlock);
      const ct = backend.aes(enc).cbcEncrypt(iv, bytes(32, 0));
      const lengthPrefix = new Uint8Array(8);
      lengthPrefix[7] = 14;
      const seq8 = new Uint8Array(8);
      seq8[7] = seq;
      const tag = c.hmac('sha256', mac, [lengthPrefix, header(seq), seq8, ct]).subarray(0, 16);
      const receiver = c.createPacketCipher(keyMaterial);
      const forged = new Uint8Array([...ct, ...tag]);
      const error = caught(() => receiver.open(seq, header(seq), forged));
      expect(error.code).toBe(CryptoErrorCode.Auth);
      expect(observable(error)).toBe(
        observable(caught(() => receiver.open(seq, header(seq), flipBit(forged, 40)))),
      );
      expect(receiver.replayWindow.highest).toBeUndefined();
      // The same construction with valid padding opens: the hand-built layout is the real one.
      const good = backend.aes(enc).cbcEncrypt(iv, pad(bytes(5, 1)));
      const goodTag = c.hmac('sha256', mac, [lengthPrefix, header(seq), seq8, good]).subarray(0, 16);
      expect(receiver.open(seq, header(seq), new Uint8Array([...good, ...goodTag]))).toEqual(bytes(5, 1));
    });

    it('refuses to seal a sequence number twice (no IV reuse) and after destroy', () => {
      const sender = c.createPacketCipher(keyMaterial);
      sender.seal(7, header(7), bytes(1));
      expect(caught(() => sender.seal(7, header(7), bytes(1))).code).toBe(CryptoErrorCode.SequenceReuse);
      expect(caught(() => sender.seal(6, header(6), bytes(1))).code).toBe(CryptoErrorCode.SequenceReuse);
      expect(sender.seal(8, header(8), bytes(1))).toHaveLength(32);
      expect(caught(() => sender.seal(-1, header(8), bytes(1))).code).toBe(CryptoErrorCode.InvalidArgument);
      sender.destroy();
      expect(caught(() => sender.seal(9, header(9), bytes(1))).code).toBe(CryptoErrorCode.KeyDestroyed);
      // A new object for the same keys after failover continues above the last sequence number sent.
      const resumed = c.createPacketCipher(keyMaterial, { lastSealed: 8 });
      expect(caught(() => resumed.seal(8, header(8), bytes(1))).code).toBe(CryptoErrorCode.SequenceReuse);
      expect(resumed.seal(9, header(9), bytes(1))).toHaveLength(32);
    });

    it('identical frames under consecutive sequence numbers give unrelated ciphertexts (docs/lessons.md #12)', () => {
      const sender = c.createPacketCipher(keyMaterial);
      const a = sender.seal(1, header(1), bytes(64, 0x7f));
      const b = sender.seal(2, header(1), bytes(64, 0x7f));
      for (let block = 0; block < 4; block++) {
        expect(a.subarray(block * 16, block * 16 + 16)).not.toEqual(b.subarray(block * 16, block * 16 + 16));
      }
    });
  });

  describe('sealed box', () => {
    it('refuses tampering anywhere, wrong associated data and the wrong recipient with one error', () => {
      const sealed = c.seal(alice.pub, utf8('callData …'), utf8('ad'));
      expect(c.open(alice.priv, sealed, utf8('ad'))).toEqual(utf8('callData …'));
      const attempts: (() => unknown)[] = [
        () => c.open(alice.priv, flipBit(sealed, 0), utf8('ad')), // version
        () => c.open(alice.priv, flipBit(sealed, 200), utf8('ad')), // wrapped secret
        () => c.open(alice.priv, flipBit(sealed, 513 + 3), utf8('ad')), // ciphertext
        () => c.open(alice.priv, flipBit(sealed, sealed.length - 1), utf8('ad')), // tag
        () => c.open(alice.priv, sealed.subarray(0, sealed.length - 16), utf8('ad')), // truncated
        () => c.open(alice.priv, sealed, utf8('AD')), // associated data
        () => c.open(bob.priv, sealed, utf8('ad')), // wrong recipient
      ];
      const errors = new Set(attempts.map((attempt) => observable(caught(attempt))));
      expect([...errors]).toHaveLength(1);
      expect(caught(attempts[6]!).code).toBe(CryptoErrorCode.Decrypt);
    });

    it('refuses a secret wrapped without the seal label (no cross-protocol use of OAEP ciphertexts)', () => {
      const sealed = c.seal(alice.pub, bytes(10));
      const rewrapped = new Uint8Array(sealed);
      rewrapped.set(c.rsaEncrypt(alice.pub, bytes(48, 1)), 1);
      expect(caught(() => c.open(alice.priv, rewrapped)).code).toBe(CryptoErrorCode.Decrypt);
    });
  });

  describe('RSA', () => {
    it('OAEP: wrong key, wrong label, truncated and extended ciphertexts fail alike', () => {
      const ct = c.rsaEncrypt(alice.pub, bytes(32, 5), utf8('label'));
      const errors = new Set([
        observable(caught(() => c.rsaDecrypt(bob.priv, ct, utf8('label')))),
        observable(caught(() => c.rsaDecrypt(alice.priv, ct, utf8('other')))),
        observable(caught(() => c.rsaDecrypt(alice.priv, ct))),
        observable(caught(() => c.rsaDecrypt(alice.priv, ct.subarray(1), utf8('label')))),
        observable(caught(() => c.rsaDecrypt(alice.priv, new Uint8Array([0, ...ct]), utf8('label')))),
        observable(caught(() => c.rsaDecrypt(alice.priv, new Uint8Array(512).fill(0xff), utf8('label')))),
      ]);
      expect([...errors]).toHaveLength(1);
      expect(caught(() => c.rsaDecrypt(bob.priv, ct)).code).toBe(CryptoErrorCode.Decrypt);
      expect(caught(() => c.rsaEncrypt(alice.pub, bytes(447))).code).toBe(CryptoErrorCode.InvalidArgument);
    });

    it('PSS: a flipped signature bit, the wrong key and a truncated signature are refused', () => {
      const message = utf8('tree head');
      const sig = c.sign(alice.priv, message);
      expect(c.verify(alice.pub, message, sig)).toBe(true);
      expect(c.verify(alice.pub, message, flipBit(sig, 300))).toBe(false);
      expect(c.verify(bob.pub, message, sig)).toBe(false);
      expect(c.verify(alice.pub, message, sig.subarray(1))).toBe(false);
      expect(c.verify(alice.pub, message, new Uint8Array(0))).toBe(false);
    });

    it('PSS: only salt length 32 verifies (a valid PSS signature with a 20-byte salt is refused)', () => {
      const message = utf8('salt length');
      const key = createPrivateKey(alicePem.privateKeyPem);
      const withSalt = (saltLength: number) =>
        Uint8Array.from(
          nodeSign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }),
        );
      expect(c.verify(alice.pub, message, withSalt(32))).toBe(true);
      expect(c.verify(alice.pub, message, withSalt(20))).toBe(false);
      expect(c.verify(alice.pub, message, withSalt(0))).toBe(false);
    });

    it('a destroyed private key cannot be used', () => {
      const key = c.importRsaPrivateKey(alicePem.privateKeyPem);
      const ct = c.rsaEncrypt(alice.pub, bytes(3));
      key.destroy();
      expect(key.destroyed).toBe(true);
      expect(caught(() => c.rsaDecrypt(key, ct)).code).toBe(CryptoErrorCode.KeyDestroyed);
      expect(caught(() => c.sign(key, bytes(3))).code).toBe(CryptoErrorCode.KeyDestroyed);
      expect(caught(() => c.open(key, c.seal(alice.pub, bytes(3)))).code).toBe(CryptoErrorCode.KeyDestroyed);
      expect(caught(() => key.toPkcs8Der()).code).toBe(CryptoErrorCode.KeyDestroyed);
    });
  });

  describe('X25519', () => {
    it('refuses low-order peer keys (all-zero shared secret), bad lengths and destroyed keys', () => {
      const { privateKey } = c.generateX25519KeyPair();
      const lowOrder = [bytes(32, 0), Uint8Array.from([1, ...bytes(31)]), bytes(32, 0xff).fill(0x7f, 31)];
      lowOrder[2]![0] = 0xec; // p − 1 = 2^255 − 20, order 2 (little-endian: ec ff … ff 7f)
      for (const u of lowOrder)
        expect(caught(() => c.x25519(privateKey, u)).code).toBe(CryptoErrorCode.ZeroSharedSecret);
      expect(caught(() => c.x25519(privateKey, bytes(31, 9))).code).toBe(CryptoErrorCode.InvalidArgument);
      privateKey.destroy();
      expect(caught(() => c.x25519(privateKey, bytes(32, 9))).code).toBe(CryptoErrorCode.KeyDestroyed);
    });
  });
});
