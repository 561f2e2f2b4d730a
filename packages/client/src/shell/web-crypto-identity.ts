/**
 * An identity held by the platform's WebCrypto (docs/client.md "Identity held elsewhere"): the PKCS#8 key
 * is imported non-extractable — once for RSA-OAEP, once for RSA-PSS, as WebCrypto binds a key to one
 * algorithm — and every operation runs in the platform's RSA, about 3 ms per private operation in Chromium
 * against ~18 ms for the portable BigInt backend (docs/benchmarks.md "WebCrypto RSA"). The public half is
 * read from the PKCS#8 itself (`spkiOfPkcs8`), since a non-extractable key cannot be exported.
 */
import { type LeitungCrypto, spkiOfPkcs8, type WebCryptoRsa, webCryptoRsa } from '@leitung/crypto/portable';
import type { IdentityKeyHolder } from './identity-holder.js';

/**
 * Imports `pkcs8` (DER) into WebCrypto as a non-extractable identity; `crypto` builds the public key
 * object. The caller wipes `pkcs8` afterwards if it was a copy. CRYPTO_ERR_KEY_FORMAT / _KEY_UNSUPPORTED
 * for anything but a consistent RSA-4096 key with e = 65537.
 */
export async function webCryptoIdentity(
  crypto: LeitungCrypto,
  pkcs8: Uint8Array,
  rsa: WebCryptoRsa = webCryptoRsa(),
): Promise<IdentityKeyHolder> {
  const publicKey = crypto.importRsaPublicKey(spkiOfPkcs8(pkcs8));
  const key = await rsa.importPrivate(pkcs8, false);
  return {
    publicKey,
    run: (operation) =>
      operation.op === 'oaep-decrypt'
        ? rsa.oaepDecrypt(key, operation.ciphertext, operation.label)
        : rsa.pssSign(key, operation.message),
  };
}
