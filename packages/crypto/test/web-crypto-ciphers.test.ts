/**
 * The asynchronous packet and message ciphers on Node's WebCrypto (docs/crypto.md "WebCrypto symmetric
 * operations", §5, §6), differential against the synchronous ciphers of both backends: byte-identical
 * packets and sealed frames for the same keys, sequence numbers and IVs, each side opening what the other
 * sealed, and the same refusals with the same codes — forgeries, bad padding under a valid tag, replays,
 * sequence reuse — plus the two hazards only an asynchronous cipher has (overlapping opens of one
 * sequence number, a caller reusing its buffers while an operation waits).
 */
import { describe, expect, it } from 'vitest';
import {
  type AsyncPacketCipher,
  type CryptoError,
  CryptoErrorCode,
  CryptoReplayError,
  createCrypto,
  type PacketCipher,
  webCryptoMessageCipher,
  webCryptoPacketCipher,
} from '../src/index.js';
import { PACKET_KEY_INFO } from '../src/packet-cipher.js';
import {
  BACKENDS,
  bytes,
  caught,
  caughtAsync,
  cryptoFor,
  deterministicRandom,
  flipBit,
  native,
  observable,
} from './helpers.js';

/** What a test can call on the synchronous and the asynchronous packet cipher alike. */
type EitherPacketCipher = Pick<PacketCipher, 'seal' | 'open'> | Pick<AsyncPacketCipher, 'seal' | 'open'>;

const SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 100, 160, 1000];

/** The error of a synchronous call and of its asynchronous twin, as an attacker would see them. */
async function sameRefusal(syncRun: () => unknown, asyncRun: () => Promise<unknown>): Promise<CryptoError> {
  const expected = caught(syncRun);
  const actual = await caughtAsync(asyncRun);
  expect(observable(actual)).toBe(observable(expected));
  if (expected instanceof CryptoReplayError)
    expect((actual as CryptoReplayError).reason).toBe(expected.reason);
  return actual;
}

describe.each(BACKENDS.map((b) => [b.name, b] as const))(
  'packet cipher: WebCrypto against %s',
  (_name, backend) => {
    const sync = cryptoFor(backend);

    it.each([32, 64])(
      '%d-byte key material: the same packets, each side opens the other',
      async (keyLength) => {
        const random = deterministicRandom(`packets ${backend.name} ${keyLength}`);
        const keyMaterial = random(keyLength);
        const syncSender = sync.createPacketCipher(keyMaterial);
        const syncReceiver = sync.createPacketCipher(keyMaterial);
        const asyncSender = await webCryptoPacketCipher(keyMaterial);
        const asyncReceiver = await webCryptoPacketCipher(keyMaterial);
        let seq = 0;
        let compared = 0;
        for (const size of [...SIZES, ...SIZES]) {
          seq += 1 + (random(1)[0]! % 5); // gaps, as lost packets leave them
          const header = random(random(1)[0]! % 24);
          const frame = random(size);
          const packet = await asyncSender.seal(seq, header, frame);
          expect(packet).toEqual(syncSender.seal(seq, header, frame));
          expect(packet.length).toBe(16 * Math.ceil((size + 1) / 16) + 16);
          expect(syncReceiver.open(seq, header, packet)).toEqual(frame);
          expect(await asyncReceiver.open(seq, header, packet)).toEqual(frame);
          const fromSync = syncSender.seal(seq + 1, header, frame);
          seq++;
          expect(await asyncReceiver.open(seq, header, fromSync)).toEqual(frame);
          expect(syncReceiver.open(seq, header, await asyncSender.seal(seq, header, frame))).toEqual(frame);
          compared++;
        }
        expect(compared).toBe(2 * SIZES.length);
        // The highest sequence number is large too (2^53 − 1 is the last one, docs/crypto.md §6).
        const last = Number.MAX_SAFE_INTEGER;
        const packet = syncSender.seal(last, bytes(3), bytes(5, 9));
        expect(await asyncSender.seal(last, bytes(3), bytes(5, 9))).toEqual(packet);
        expect(await asyncReceiver.open(last, bytes(3), packet)).toEqual(bytes(5, 9));
      },
    );

    it('forgeries are the same CRYPTO_ERR_AUTH, replays the same CRYPTO_ERR_REPLAY, on both sides', async () => {
      const random = deterministicRandom(`forgeries ${backend.name}`);
      const keyMaterial = random(64);
      const sealer = sync.createPacketCipher(keyMaterial);
      const syncReceiver = sync.createPacketCipher(keyMaterial);
      const asyncReceiver = await webCryptoPacketCipher(keyMaterial);
      const header = random(12);
      const packet = sealer.seal(300, header, random(100));
      const forgeries: [string, number, Uint8Array, Uint8Array][] = [
        ['ciphertext bit', 300, header, flipBit(packet, 5)],
        ['tag bit', 300, header, flipBit(packet, packet.length - 1, 7)],
        ['header bit', 300, flipBit(header, 0), packet],
        ['other sequence number', 301, header, packet],
        ['truncated by a block', 300, header, packet.subarray(16)],
        ['tag only', 300, header, packet.subarray(packet.length - 32)],
        ['not whole blocks', 300, header, packet.subarray(1)],
        ['empty', 300, header, new Uint8Array(0)],
      ];
      for (const [what, seq, ad, bad] of forgeries) {
        const error = await sameRefusal(
          () => syncReceiver.open(seq, ad, bad),
          () => asyncReceiver.open(seq, ad, bad),
        );
        expect(error.code, what).toBe(CryptoErrorCode.Auth);
      }
      // No forgery moved either window: the authentic packet still opens, then is a duplicate.
      expect(await asyncReceiver.open(300, header, packet)).toEqual(syncReceiver.open(300, header, packet));
      const duplicate = await sameRefusal(
        () => syncReceiver.open(300, header, packet),
        () => asyncReceiver.open(300, header, packet),
      );
      expect((duplicate as CryptoReplayError).reason).toBe('duplicate');
      const old = sealer.seal(301, header, random(10)); // delivered after 500: older than the window
      const later = sealer.seal(300 + 200, header, random(10));
      await asyncReceiver.open(500, header, later);
      syncReceiver.open(500, header, later);
      const tooOld = await sameRefusal(
        () => syncReceiver.open(301, header, old),
        () => asyncReceiver.open(301, header, old),
      );
      expect((tooOld as CryptoReplayError).reason).toBe('too-old');
    });

    it('bad padding under a valid tag is CRYPTO_ERR_AUTH on both sides and moves no window', async () => {
      // Build packets by hand from the documented key schedule (docs/crypto.md §6), with PKCS#7 broken.
      const random = deterministicRandom(`padding ${backend.name}`);
      const keyMaterial = random(32);
      const key = (info: Uint8Array) => sync.hkdf('sha256', keyMaterial, new Uint8Array(0), info, 32);
      const enc = backend.aes(key(PACKET_KEY_INFO.enc));
      const ivAes = backend.aes(key(PACKET_KEY_INFO.iv));
      const macKey = key(PACKET_KEY_INFO.mac);
      const syncReceiver = sync.createPacketCipher(keyMaterial);
      const asyncReceiver = await webCryptoPacketCipher(keyMaterial);
      const header = random(8);
      const badEndings = [
        bytes(16, 0),
        bytes(16, 17),
        Uint8Array.of(...random(13), 3, 2, 3),
        bytes(16, 0xff),
      ];
      for (const [i, lastBlock] of badEndings.entries()) {
        const seq = 10 + i;
        const block = new Uint8Array(16);
        block.set(new Uint8Array(8), 0);
        new DataView(block.buffer).setUint32(12, seq);
        const iv = ivAes.cbcEncrypt(new Uint8Array(16), block);
        const ciphertext = enc.cbcEncrypt(iv, Uint8Array.of(...random(16), ...lastBlock));
        const seqBytes = new Uint8Array(8);
        new DataView(seqBytes.buffer).setUint32(4, seq);
        const lengthBytes = new Uint8Array(8);
        lengthBytes[7] = header.length;
        const tag = sync.hmac('sha256', macKey, [lengthBytes, header, seqBytes, ciphertext]).subarray(0, 16);
        const packet = Uint8Array.of(...ciphertext, ...tag);
        const error = await sameRefusal(
          () => syncReceiver.open(seq, header, packet),
          () => asyncReceiver.open(seq, header, packet),
        );
        expect(error.code).toBe(CryptoErrorCode.Auth);
        expect(asyncReceiver.replayWindow.highest).toBeUndefined();
        expect(syncReceiver.replayWindow.highest).toBeUndefined();
      }
      enc.destroy();
      ivAes.destroy();
    });
  },
);

describe('packet cipher: the asynchronous cipher alone', () => {
  it('seal refuses a sequence number not above the last, claimed at the call, and honours lastSealed', async () => {
    const keyMaterial = deterministicRandom('reuse')(32);
    const sync = native.createPacketCipher(keyMaterial, { lastSealed: 41 });
    const cipher = await webCryptoPacketCipher(keyMaterial, { lastSealed: 41 });
    for (const seq of [0, 41]) {
      const error = await sameRefusal(
        () => sync.seal(seq, bytes(0), bytes(1)),
        () => cipher.seal(seq, bytes(0), bytes(1)),
      );
      expect(error.code).toBe(CryptoErrorCode.SequenceReuse);
    }
    // Two seals of one number started together: the second is refused though the first has not finished.
    const results = await Promise.allSettled([
      cipher.seal(42, bytes(0), bytes(1)),
      cipher.seal(42, bytes(0), bytes(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(((results[1] as PromiseRejectedResult).reason as CryptoError).code).toBe(
      CryptoErrorCode.SequenceReuse,
    );
    expect((results[0] as PromiseFulfilledResult<Uint8Array>).value).toEqual(
      sync.seal(42, bytes(0), bytes(1)),
    );
  });

  it('overlapping opens of one packet: exactly one gets the frame, the other CRYPTO_ERR_REPLAY', async () => {
    const keyMaterial = deterministicRandom('overlap')(64);
    const sealer = native.createPacketCipher(keyMaterial);
    const receiver = await webCryptoPacketCipher(keyMaterial);
    for (let seq = 1; seq <= 20; seq++) {
      const packet = sealer.seal(seq, bytes(4), bytes(50, seq));
      const results = await Promise.allSettled([1, 2, 3].map(() => receiver.open(seq, bytes(4), packet)));
      expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([bytes(50, seq)]);
      for (const r of results.filter((x) => x.status === 'rejected')) {
        expect(r.reason).toBeInstanceOf(CryptoReplayError);
      }
    }
  });

  it('a caller reusing its buffers while an operation waits changes nothing', async () => {
    const keyMaterial = deterministicRandom('buffers')(32);
    const sync = native.createPacketCipher(keyMaterial);
    const receiverSync = native.createPacketCipher(keyMaterial);
    const cipher = await webCryptoPacketCipher(keyMaterial);
    const header = bytes(6, 1);
    const frame = bytes(40, 2);
    const expected = sync.seal(7, header, frame);
    const sealing = cipher.seal(7, header, frame);
    header.fill(9);
    frame.fill(9);
    const packet = await sealing;
    expect(packet).toEqual(expected);
    expect(receiverSync.open(7, bytes(6, 1), packet)).toEqual(bytes(40, 2));
    const copy = Uint8Array.from(packet);
    const opening = cipher.open(7, bytes(6, 1), copy);
    copy.fill(0);
    expect(await opening).toEqual(bytes(40, 2));
  });

  it('argument errors, key material and window size as createPacketCipher; destroy', async () => {
    const keyMaterial = bytes(32, 3);
    for (const [material, options] of [
      [bytes(16), {}],
      [bytes(48), {}],
      [keyMaterial, { windowSize: 10 }],
      [keyMaterial, { lastSealed: -1 }],
    ] as const) {
      const error = await sameRefusal(
        () => native.createPacketCipher(material, options),
        () => webCryptoPacketCipher(material, options),
      );
      expect(error.code).toBe(CryptoErrorCode.InvalidArgument);
    }
    const cipher = await webCryptoPacketCipher(keyMaterial);
    const sync = native.createPacketCipher(keyMaterial);
    for (const run of [
      (c: EitherPacketCipher) => c.seal(1.5, bytes(0), bytes(0)),
      (c: EitherPacketCipher) => c.seal(1, 'ad' as never, bytes(0)),
      (c: EitherPacketCipher) => c.open(-1, bytes(0), bytes(32)),
      (c: EitherPacketCipher) => c.open(1, bytes(0), [1, 2] as never),
    ]) {
      const error = await sameRefusal(
        () => run(sync),
        async () => run(cipher),
      );
      expect(error.code).toBe(CryptoErrorCode.InvalidArgument);
    }
    cipher.destroy();
    sync.destroy();
    await sameRefusal(
      () => sync.seal(5, bytes(0), bytes(0)),
      () => cipher.seal(5, bytes(0), bytes(0)),
    );
    expect((await caughtAsync(() => cipher.open(5, bytes(0), bytes(32)))).code).toBe(
      CryptoErrorCode.KeyDestroyed,
    );
  });
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))(
  'message cipher: WebCrypto against %s',
  (_name, backend) => {
    it('the same sealed frames from the same IVs, each side opens the other', async () => {
      const keys = deterministicRandom(`message keys ${backend.name}`);
      const [encKey, macKey] = [keys(32), keys(32)];
      const syncCipher = createCrypto({
        backend,
        randomBytes: deterministicRandom(`ivs ${backend.name}`),
      }).createMessageCipher(encKey, macKey);
      const asyncCipher = await webCryptoMessageCipher(encKey, macKey, {
        randomBytes: deterministicRandom(`ivs ${backend.name}`),
      });
      // Sealed with fresh random IVs, for the synchronous → asynchronous direction.
      const otherSync = cryptoFor(backend).createMessageCipher(encKey, macKey);
      const random = deterministicRandom(`frames ${backend.name}`);
      let compared = 0;
      for (const size of SIZES) {
        const plaintext = random(size);
        const ad = random(size % 13);
        const sealed = await asyncCipher.seal(plaintext, ad);
        expect(sealed).toEqual(syncCipher.seal(plaintext, ad));
        expect(sealed.length).toBe(16 + 16 * Math.ceil((size + 1) / 16) + 32);
        expect(otherSync.open(sealed, ad)).toEqual(plaintext);
        expect(await asyncCipher.open(otherSync.seal(plaintext, ad), ad)).toEqual(plaintext);
        compared++;
      }
      expect(compared).toBe(SIZES.length);
      // Default associated data is empty on both sides.
      expect(await asyncCipher.open(otherSync.seal(bytes(3, 1)))).toEqual(bytes(3, 1));
      expect(otherSync.open(await asyncCipher.seal(bytes(3, 1)))).toEqual(bytes(3, 1));
    });

    it('every forgery is the same CRYPTO_ERR_AUTH as the synchronous cipher gives', async () => {
      const random = deterministicRandom(`message forgeries ${backend.name}`);
      const [encKey, macKey] = [random(32), random(32)];
      const syncCipher = cryptoFor(backend).createMessageCipher(encKey, macKey);
      const asyncCipher = await webCryptoMessageCipher(encKey, macKey);
      const ad = random(8);
      const sealed = syncCipher.seal(random(40), ad);
      const forgeries: [string, Uint8Array, Uint8Array][] = [
        ['iv bit', flipBit(sealed, 0), ad],
        ['ciphertext bit', flipBit(sealed, 20), ad],
        ['tag bit', flipBit(sealed, sealed.length - 1), ad],
        ['associated data', sealed, flipBit(ad, 7)],
        ['no associated data', sealed, new Uint8Array(0)],
        ['truncated by a block', sealed.subarray(0, sealed.length - 16), ad],
        ['short', sealed.subarray(0, 63), ad],
        ['not whole blocks', sealed.subarray(1), ad],
        ['other keys', cryptoFor(backend).createMessageCipher(macKey, encKey).seal(random(40), ad), ad],
      ];
      const seen = new Set<string>();
      for (const [what, bad, badAd] of forgeries) {
        const error = await sameRefusal(
          () => syncCipher.open(bad, badAd),
          () => asyncCipher.open(bad, badAd),
        );
        expect(error.code, what).toBe(CryptoErrorCode.Auth);
        seen.add(observable(error));
      }
      expect(seen.size).toBe(1);
    });
  },
);

describe('message cipher: the asynchronous cipher alone', () => {
  it('refuses what createMessageCipher refuses, with the same codes; destroy', async () => {
    const a = bytes(32, 1);
    for (const [encKey, macKey] of [
      [a, a],
      [bytes(16), a],
      [a, bytes(31)],
    ]) {
      await sameRefusal(
        () => native.createMessageCipher(encKey!, macKey!),
        () => webCryptoMessageCipher(encKey!, macKey!),
      );
    }
    const shortRandom = await webCryptoMessageCipher(a, bytes(32, 2), { randomBytes: () => bytes(8) });
    expect((await caughtAsync(() => shortRandom.seal(bytes(1)))).code).toBe(CryptoErrorCode.Unsupported);
    const cipher = await webCryptoMessageCipher(a, bytes(32, 2));
    const sealed = await cipher.seal(bytes(5));
    expect((await caughtAsync(() => cipher.seal('x' as never))).code).toBe(CryptoErrorCode.InvalidArgument);
    cipher.destroy();
    expect((await caughtAsync(() => cipher.open(sealed))).code).toBe(CryptoErrorCode.KeyDestroyed);
  });

  it('a caller reusing its buffers while an operation waits changes nothing', async () => {
    const [encKey, macKey] = [bytes(32, 1), bytes(32, 2)];
    const sync = native.createMessageCipher(encKey, macKey);
    const cipher = await webCryptoMessageCipher(encKey, macKey);
    const ad = bytes(4, 7);
    const sealing = cipher.seal(bytes(30, 5), ad);
    ad.fill(0);
    const sealed = await sealing;
    expect(sync.open(sealed, bytes(4, 7))).toEqual(bytes(30, 5));
    const copy = Uint8Array.from(sealed);
    const opening = cipher.open(copy, bytes(4, 7));
    copy.fill(1);
    expect(await opening).toEqual(bytes(30, 5));
  });
});
