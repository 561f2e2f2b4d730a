/**
 * `open` in two halves (docs/crypto.md §7 "Opening in two halves"): the wrapped secret decrypted by a key
 * held elsewhere — here WebCrypto, as a page does — and `openUnwrapped` give what `open` gives, and every
 * failure of the RSA half ends as the one CRYPTO_ERR_DECRYPT a bad tag gives (implicit rejection).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import { CryptoErrorCode, type RsaPrivateKey, spkiOfPkcs8, webCryptoRsa } from '../src/index.js';
import { BACKENDS, cryptoFor, flipBit } from './helpers.js';

const te = new TextEncoder();

describe.each(BACKENDS.map((b) => [b.name, cryptoFor(b)] as const))('sealed box halves (%s)', (_, c) => {
  let key: RsaPrivateKey;
  beforeAll(async () => {
    key = c.importRsaPrivateKey((await testKeyPair('alice')).privateKeyPem);
  });

  it('WebCrypto-held key + openUnwrapped equals open', async () => {
    const rsa = webCryptoRsa();
    const pkcs8 = new Uint8Array(
      createPrivateKey((await testKeyPair('alice')).privateKeyPem).export({ format: 'der', type: 'pkcs8' }),
    );
    const held = await rsa.importPrivate(pkcs8);
    const sealed = c.seal(key.publicKey, te.encode('call data'), te.encode('ad'));
    const wrapped = c.sealedBoxWrappedSecret(sealed);
    expect(wrapped).toBeDefined();
    const secret = await rsa.oaepDecrypt(held, wrapped!.ciphertext, wrapped!.label);
    const opened = c.openUnwrapped(sealed, secret, te.encode('ad'));
    expect(opened).toEqual(c.open(key, sealed, te.encode('ad')));
    expect(secret.every((b) => b === 0)).toBe(true);
  });

  it('a failed unwrap, a wrong secret, other associated data: one CRYPTO_ERR_DECRYPT', () => {
    const sealed = c.seal(key.publicKey, te.encode('call data'));
    const wrapped = c.sealedBoxWrappedSecret(sealed)!;
    const secret = c.rsaDecrypt(key, wrapped.ciphertext, wrapped.label);
    const codes = [
      () => c.openUnwrapped(sealed, undefined),
      () => c.openUnwrapped(sealed, flipBit(secret, 3)),
      () => c.openUnwrapped(sealed, secret.slice(0, 47)),
      () => c.openUnwrapped(sealed, secret.slice(), te.encode('other')),
      () => c.openUnwrapped(flipBit(sealed, sealed.length - 1), secret.slice()),
    ].map((run) => {
      try {
        run();
        return 'opened';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    expect(codes).toEqual(Array(5).fill(CryptoErrorCode.Decrypt));
    // The right secret still opens it: the failures above were the changes, not the box.
    expect(c.openUnwrapped(sealed, secret.slice())).toEqual(te.encode('call data'));
  });

  it('a malformed box has no wrapped secret and does not open', () => {
    const sealed = c.seal(key.publicKey, te.encode('x'));
    for (const bad of [sealed.subarray(0, 100), Uint8Array.of(2, ...sealed.subarray(1))]) {
      expect(c.sealedBoxWrappedSecret(bad)).toBeUndefined();
      expect(() => c.openUnwrapped(bad, new Uint8Array(48))).toThrow(
        expect.objectContaining({ code: CryptoErrorCode.Decrypt }),
      );
    }
  });
});

describe('spkiOfPkcs8', () => {
  it('is the public half Node derives, and refuses what checkPkcs8 refuses', async () => {
    const pem = (await testKeyPair('bob')).privateKeyPem;
    const pkcs8 = new Uint8Array(createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }));
    const expected = new Uint8Array(
      createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' }),
    );
    expect(spkiOfPkcs8(pkcs8)).toEqual(expected);
    const broken = pkcs8.slice();
    broken[broken.length - 5]! ^= 1; // inside qInv: the CRT form no longer holds
    expect(() => spkiOfPkcs8(broken)).toThrow(expect.objectContaining({ code: CryptoErrorCode.KeyFormat }));
  });
});
