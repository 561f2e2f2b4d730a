/**
 * Where the page keeps its identity between visits: the name, the RSA-4096 key as an encrypted PKCS#8 PEM
 * (PBES2 with scrypt and AES-256-CBC under the user's passphrase, docs/crypto.md) and the relays pinned on
 * the first run, in the origin's `localStorage`. Nothing secret is stored in clear: without the
 * passphrase the key cannot be opened, and a wrong passphrase fails the key's decryption.
 */
import { parseRelayEntry, type RelayEntry } from '@leitung/client/browser';

const STORAGE_KEY = 'leitung.identity.v1';

export interface StoredIdentity {
  readonly name: string;
  /** "ENCRYPTED PRIVATE KEY" PEM. */
  readonly encryptedKey: string;
  /** The relays pinned by fingerprint on the first run (docs/design.md §2). */
  readonly relays: readonly RelayEntry[];
}

export function loadIdentity(storage: Storage): StoredIdentity | undefined {
  const text = storage.getItem(STORAGE_KEY);
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as { name?: unknown; encryptedKey?: unknown; relays?: unknown };
    if (typeof value.name !== 'string' || typeof value.encryptedKey !== 'string') return undefined;
    if (!Array.isArray(value.relays)) return undefined;
    return { name: value.name, encryptedKey: value.encryptedKey, relays: value.relays.map(parseRelayEntry) };
  } catch {
    return undefined;
  }
}

export function saveIdentity(storage: Storage, identity: StoredIdentity): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(identity));
}

export function forgetIdentity(storage: Storage): void {
  storage.removeItem(STORAGE_KEY);
}
