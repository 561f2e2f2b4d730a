/**
 * The RSA public keys a crypto object imported last, by their SPKI DER (docs/crypto.md "Public key
 * cache"). Importing an RSA-4096 key checks it (DER structure, modulus sanity, canonical encoding) and
 * builds a backend handle: ~1 ms in Node and more in a page, paid again each time the same key comes back —
 * a relay's returning clients at every login, a client's contacts at every call. An RsaPublicKey is
 * immutable, so the one already checked can be handed out again; a hit is served only when every byte of
 * the DER matches the one that was checked.
 */
import { publicBytesEqual, tailIndex } from './bytes.js';
import type { RsaPublicKey } from './rsa-keys.js';

/** How many keys a crypto object keeps: the last ones used (least recently used out first). */
export const PUBLIC_KEY_CACHE_SIZE = 256;

/** Bytes at the end of the DER that index the map: the modulus' low bytes and the exponent. */
const INDEX_BYTES = 40;

export class PublicKeyCache {
  readonly #capacity: number;
  /** In use order, oldest first (a Map keeps insertion order; a hit is moved to the end). */
  readonly #entries = new Map<string, { readonly der: Uint8Array; readonly key: RsaPublicKey }>();

  constructor(capacity = PUBLIC_KEY_CACHE_SIZE) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The key imported from exactly these bytes, if it is still kept. */
  get(der: Uint8Array): RsaPublicKey | undefined {
    const index = tailIndex(der, INDEX_BYTES);
    const entry = this.#entries.get(index);
    if (entry === undefined || !publicBytesEqual(entry.der, der)) return undefined;
    this.#entries.delete(index);
    this.#entries.set(index, entry);
    return entry.key;
  }

  /** Keeps `key`, imported and checked from `der` (copied: the caller may reuse its array). */
  set(der: Uint8Array, key: RsaPublicKey): void {
    const index = tailIndex(der, INDEX_BYTES);
    this.#entries.delete(index);
    this.#entries.set(index, { der: Uint8Array.from(der), key });
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }
}
