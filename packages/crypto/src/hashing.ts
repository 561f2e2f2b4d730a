/**
 * Hashes, HMAC (RFC 2104) and HKDF (RFC 5869) over a backend. HKDF is implemented here once, on the
 * backend's HMAC, so both backends derive identical keys by construction and the length rules (RFC 5869
 * §2.3: L ≤ 255·HashLen) are enforced in one place.
 */
import type { CryptoBackend, HashName } from './backend.js';
import { isBytes, requireBytes } from './bytes.js';
import { constantTimeEqual } from './constant-time.js';
import { invalidArgument } from './errors.js';

/** Output length in bytes of both supported hashes. */
export const HASH_LENGTH = 32;

export function requireHashName(name: unknown): HashName {
  if (name !== 'sha256' && name !== 'sha3-256') throw invalidArgument('hash must be "sha256" or "sha3-256"');
  return name;
}

export function hash(backend: CryptoBackend, name: HashName, data: Uint8Array): Uint8Array {
  requireHashName(name);
  return backend.hash(name, requireBytes('data', data));
}

/** `data` as a list of parts (HMAC input); CRYPTO_ERR_INVALID_ARGUMENT for anything but bytes. */
export function dataParts(data: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  if (isBytes(data)) return [data];
  if (!Array.isArray(data) || !data.every(isBytes))
    throw invalidArgument('data must be a Uint8Array or an array of them');
  return data;
}

export function hmac(
  backend: CryptoBackend,
  name: HashName,
  key: Uint8Array,
  data: Uint8Array | readonly Uint8Array[],
): Uint8Array {
  requireHashName(name);
  const keyed = backend.hmacKey(name, requireBytes('key', key));
  try {
    return keyed.mac(dataParts(data));
  } finally {
    keyed.destroy();
  }
}

/**
 * Constant-time check of a (possibly truncated, RFC 2104 §5) HMAC tag. A tag of any length other than
 * `tagLength` is simply wrong: the verifier, not the sender, decides how many bytes are checked.
 */
export function hmacVerify(
  backend: CryptoBackend,
  name: HashName,
  key: Uint8Array,
  data: Uint8Array | readonly Uint8Array[],
  tag: Uint8Array,
  tagLength: number,
): boolean {
  requireTagLength(tagLength);
  requireBytes('tag', tag);
  return truncatedTagMatches(hmac(backend, name, key, data), tag, tagLength);
}

/** `tagLength` must be 16..32 bytes (RFC 2104 §5: at least half the hash). */
export function requireTagLength(tagLength: number): void {
  if (!Number.isInteger(tagLength) || tagLength < 16 || tagLength > HASH_LENGTH) {
    throw invalidArgument('tagLength must be 16..32 bytes');
  }
}

/** `tag` is exactly the first `tagLength` bytes of the full HMAC, compared in constant time. */
export function truncatedTagMatches(full: Uint8Array, tag: Uint8Array, tagLength: number): boolean {
  return tag.length === tagLength && constantTimeEqual(full.subarray(0, tagLength), tag);
}

/** RFC 5869 §2.3: L ≤ 255·HashLen, and at least one byte. */
export function requireHkdfLength(length: number): void {
  if (!Number.isInteger(length) || length < 1 || length > 255 * HASH_LENGTH) {
    throw invalidArgument(`HKDF length must be 1..${255 * HASH_LENGTH} bytes`);
  }
}

/** HKDF-Extract-then-Expand (RFC 5869 §2.2–2.3). */
export function hkdf(
  backend: CryptoBackend,
  name: HashName,
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  requireHashName(name);
  requireBytes('ikm', ikm);
  requireBytes('salt', salt);
  requireBytes('info', info);
  requireHkdfLength(length);
  // RFC 5869 §2.2: an absent salt is HashLen zero bytes.
  const extractor = backend.hmacKey(name, salt.length > 0 ? salt : new Uint8Array(HASH_LENGTH));
  const prk = extractor.mac([ikm]);
  extractor.destroy();
  const expander = backend.hmacKey(name, prk);
  prk.fill(0);
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  try {
    for (let i = 1, offset = 0; offset < length; i++) {
      const block = expander.mac([previous, info, Uint8Array.of(i)]);
      previous.fill(0);
      out.set(block.subarray(0, Math.min(HASH_LENGTH, length - offset)), offset);
      offset += HASH_LENGTH;
      previous = block;
    }
  } finally {
    previous.fill(0);
    expander.destroy();
  }
  return out;
}
