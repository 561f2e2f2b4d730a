/**
 * Random sources: the platform CSPRNG (`crypto.getRandomValues`, docs/crypto.md §10) and the check every
 * source — platform or injected — passes through.
 */
import { isBytes } from './bytes.js';
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';

const MAX_RANDOM_CHUNK = 65536; // getRandomValues limit per call (WebCrypto §10.1.1)

/** `length` bytes from `crypto.getRandomValues`; CRYPTO_ERR_UNSUPPORTED where there is none. */
export function platformRandomBytes(length: number): Uint8Array {
  const source = globalThis.crypto;
  if (!source || typeof source.getRandomValues !== 'function') {
    throw new CryptoError(CryptoErrorCode.Unsupported, 'no secure random source (crypto.getRandomValues)');
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += MAX_RANDOM_CHUNK)
    source.getRandomValues(out.subarray(i, i + MAX_RANDOM_CHUNK));
  return out;
}

/** `source` with its contract checked: 0..1 MiB asked for, exactly that many bytes returned. */
export function checkedRandom(source: (length: number) => Uint8Array): (length: number) => Uint8Array {
  return (length) => {
    if (!Number.isInteger(length) || length < 0 || length > 1 << 20) {
      throw invalidArgument('random length must be 0..1048576');
    }
    const out = source(length);
    if (!isBytes(out) || out.length !== length) {
      throw new CryptoError(CryptoErrorCode.Unsupported, 'random source returned the wrong number of bytes');
    }
    return out;
  };
}
