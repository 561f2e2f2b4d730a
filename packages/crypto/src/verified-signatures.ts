/**
 * Signatures a crypto object has verified, per public key (docs/crypto.md "Verified signatures"). A client
 * is shown the same signed tree head again and again — in CHALLENGE, in WELCOME, in every key lookup —
 * until the directory grows, and checking its RSA-PSS signature costs ~0.2 ms in Node and 1–3 ms in a page
 * (BigInt). Verification is a function of key, message and signature, so a triple that verified once
 * verifies again: a hit needs the same key object and every byte of message and signature equal to the ones
 * checked. Only successes are kept; nothing here is secret.
 */
import { publicBytesEqual, tailIndex } from './bytes.js';
import type { RsaPublicKey } from './rsa-keys.js';

/** How many verified signatures are kept per key (least recently used out first). */
export const VERIFIED_SIGNATURES_PER_KEY = 32;

/** Bytes at the end of the signature that index the map (a PSS signature's bytes look random). */
const INDEX_BYTES = 24;

interface Verified {
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

export class VerifiedSignatures {
  readonly #capacity: number;
  readonly #byKey = new WeakMap<RsaPublicKey, Map<string, Verified>>();

  constructor(capacity = VERIFIED_SIGNATURES_PER_KEY) {
    this.#capacity = capacity;
  }

  /** True when exactly this message and signature verified under `key` before. */
  has(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
    const entries = this.#byKey.get(key);
    if (entries === undefined) return false;
    const index = tailIndex(signature, INDEX_BYTES);
    const entry = entries.get(index);
    if (
      entry === undefined ||
      !publicBytesEqual(entry.signature, signature) ||
      !publicBytesEqual(entry.message, message)
    )
      return false;
    entries.delete(index);
    entries.set(index, entry);
    return true;
  }

  /** Records a successful verification (copies both arrays: the caller may reuse them). */
  add(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): void {
    let entries = this.#byKey.get(key);
    if (entries === undefined) {
      entries = new Map();
      this.#byKey.set(key, entries);
    }
    const index = tailIndex(signature, INDEX_BYTES);
    entries.delete(index);
    entries.set(index, { message: Uint8Array.from(message), signature: Uint8Array.from(signature) });
    if (entries.size > this.#capacity) entries.delete(entries.keys().next().value as string);
  }
}
