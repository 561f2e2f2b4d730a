/**
 * The browser's vault (docs/client.md "In a browser"): what a SecureVault holds — identity key, name,
 * pinned relays and contacts, tree heads, settings — in one IndexedDB record instead of a file. The record
 * is the SecureVault file format byte for byte (vault-format.ts: scrypt → HKDF → AES-256-CBC + HMAC-SHA256,
 * keyed check value, digest), so a vault exported from a page opens in Node and back; unlocking, the
 * passphrase policy and the wrong-passphrase check are the shared code of vault-unlock.ts.
 *
 * Atomic: every save is one readwrite transaction putting the whole record, committed with `strict`
 * durability or rolled back — the stored vault is the old one or the new one, never a mixture. Opening
 * never writes. Browser-only: imports no node:* module (test/browser-safe-entry.test.ts).
 */
import type { LeitungCrypto, ScryptParameters } from '@leitung/crypto';
import { createCrypto } from '@leitung/crypto/portable';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { IdentityKeyHolder } from '../shell/identity-holder.js';
import { webCryptoIdentity } from '../shell/web-crypto-identity.js';
import { type IdbFactoryLike, inVaultTransaction, pageIndexedDb } from './indexed-db.js';
import { UnlockedVault } from './unlocked-vault.js';
import { encodeContents } from './vault-contents.js';
import { corrupt, encodeVaultFile } from './vault-format.js';
import {
  checkNewVaultPassphrase,
  checkPassphrase,
  newVaultState,
  type UnlockedState,
  unlockVault,
} from './vault-unlock.js';

/** The IndexedDB database vaults are kept in unless `BrowserVaultOptions.database` names another. */
export const BROWSER_VAULT_DATABASE = 'leitung';

/**
 * A test hook into a save's transaction (`BrowserVaultOptions.saveHooks`): run code after the record was
 * put, before the transaction commits — throw there to simulate a failure and check that the old vault
 * survives.
 */
export interface BrowserVaultSaveHooks {
  /** Called inside the save's transaction, after the put (tests throw here). */
  readonly afterPut?: () => void;
}

/** How a {@link BrowserVault} is created or opened. */
export interface BrowserVaultOptions {
  /** Cryptography and randomness (default: the portable backend of @leitung/crypto). */
  readonly crypto?: LeitungCrypto;
  /** scrypt work factors for `create` and `changePassphrase` (default and floor N = 2^15, r = 8, p = 1). */
  readonly scrypt?: Partial<ScryptParameters>;
  /** The IndexedDB to use (default: the page's `indexedDB`). */
  readonly indexedDB?: IdbFactoryLike;
  /** The database name (default {@link BROWSER_VAULT_DATABASE}). */
  readonly database?: string;
  /** Test hook into each save's transaction. */
  readonly saveHooks?: BrowserVaultSaveHooks;
}

interface Place {
  readonly factory: IdbFactoryLike;
  readonly database: string;
  readonly id: string;
}

function placeOf(id: string, options: BrowserVaultOptions): Place {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ClientError(ClientErrorCode.InvalidArgument, 'the vault id must be a non-empty string');
  }
  return {
    factory: pageIndexedDb(options.indexedDB),
    database: options.database ?? BROWSER_VAULT_DATABASE,
    id,
  };
}

/** The stored record's bytes, or undefined when there is none. */
function readRecord(place: Place): Promise<Uint8Array | undefined> {
  return inVaultTransaction(place.factory, place.database, 'readonly', (store) => {
    const request = store.get(place.id);
    return () => {
      const value = request.result;
      if (value === undefined) return undefined;
      if (value instanceof Uint8Array) return value;
      if (value instanceof ArrayBuffer) return new Uint8Array(value);
      throw corrupt('the stored vault record is not bytes');
    };
  });
}

/** Puts `file` as the record in one transaction; `ifAbsent` makes it CLIENT_ERR_VAULT_EXISTS when one is there. */
function writeRecord(
  place: Place,
  file: Uint8Array,
  ifAbsent: boolean,
  hooks: BrowserVaultSaveHooks,
): Promise<void> {
  return inVaultTransaction(place.factory, place.database, 'readwrite', (store, abort) => {
    const put = () => {
      store.put(file, place.id);
      hooks.afterPut?.();
    };
    if (!ifAbsent) {
      put();
    } else {
      const existing = store.get(place.id);
      existing.onsuccess = () => {
        if (existing.result !== undefined) {
          abort(new ClientError(ClientErrorCode.VaultExists, 'a vault with this id already exists'));
          return;
        }
        try {
          put();
        } catch (error) {
          abort(error);
        }
      };
    }
    return () => undefined;
  });
}

/**
 * The encrypted key store of a web page (docs/client.md "In a browser"): the contents and API of a
 * SecureVault, kept as one IndexedDB record under `id` in the SecureVault file format. Every save is one
 * IndexedDB transaction (the old vault or the new one, never a mixture); a wrong passphrase is
 * CLIENT_ERR_VAULT_WRONG_PASSPHRASE and changes nothing; new passphrases meet the same policy
 * ({@link passphraseProblem}). It is a Client's store: pass it as `store`, `identity: vault.identity()` and
 * `persist: () => vault.save()`. `close()` erases the keys in memory.
 */
export class BrowserVault extends UnlockedVault {
  /** The record's key in the vault store. */
  readonly id: string;
  /** The IndexedDB database holding the record. */
  readonly database: string;
  readonly #crypto: LeitungCrypto;

  private constructor(
    place: Place,
    crypto: LeitungCrypto,
    state: UnlockedState,
    hooks: BrowserVaultSaveHooks,
  ) {
    super(crypto, state, (file) => writeRecord(place, file, false, hooks));
    this.id = place.id;
    this.database = place.database;
    this.#crypto = crypto;
  }

  /**
   * Creates a new vault under `id` (CLIENT_ERR_VAULT_EXISTS if there is one; CLIENT_ERR_WEAK_PASSPHRASE
   * for a passphrase the policy refuses). The check and the write are one transaction.
   */
  static async create(
    id: string,
    passphrase: string,
    options: BrowserVaultOptions = {},
  ): Promise<BrowserVault> {
    checkNewVaultPassphrase(passphrase);
    const place = placeOf(id, options);
    const crypto = options.crypto ?? createCrypto();
    const state = await newVaultState(crypto, passphrase, options.scrypt);
    const plaintext = encodeContents(state.contents);
    const file = encodeVaultFile(crypto, state.header, state.keys, plaintext);
    plaintext.fill(0);
    try {
      await writeRecord(place, file, true, options.saveHooks ?? {});
    } catch (error) {
      state.keys.destroy();
      throw error;
    }
    return new BrowserVault(place, crypto, state, options.saveHooks ?? {});
  }

  /**
   * Opens and decrypts the vault under `id`: CLIENT_ERR_VAULT_NOT_FOUND, _VAULT_CORRUPT, _VAULT_KDF_WEAK,
   * _VAULT_WRONG_PASSPHRASE, _VAULT_STORAGE. Never writes.
   */
  static async open(
    id: string,
    passphrase: string,
    options: BrowserVaultOptions = {},
  ): Promise<BrowserVault> {
    checkPassphrase(passphrase);
    const place = placeOf(id, options);
    const crypto = options.crypto ?? createCrypto();
    const bytes = await readRecord(place);
    if (bytes === undefined) throw new ClientError(ClientErrorCode.VaultNotFound, 'no vault with this id');
    const state = await unlockVault(crypto, bytes, passphrase);
    return new BrowserVault(place, crypto, state, options.saveHooks ?? {});
  }

  /**
   * The stored identity as a non-extractable WebCrypto key (docs/client.md "Identity held elsewhere"): pass
   * it as the Client's `identity`, and every private-key operation runs in the browser's own RSA. Imported
   * afresh on each call. CLIENT_ERR_NO_IDENTITY when none is stored.
   */
  async webCryptoIdentity(): Promise<IdentityKeyHolder> {
    const pkcs8 = this.identityPkcs8();
    try {
      return await webCryptoIdentity(this.#crypto, pkcs8);
    } finally {
      pkcs8.fill(0);
    }
  }

  /** True when a vault is stored under `id`. */
  static async exists(
    id: string,
    options: Omit<BrowserVaultOptions, 'crypto' | 'scrypt'> = {},
  ): Promise<boolean> {
    return (await readRecord(placeOf(id, options))) !== undefined;
  }

  /**
   * The stored vault's bytes (the SecureVault file format), for a backup or to move it to another device;
   * undefined when there is none. Still encrypted under the passphrase.
   */
  static exportRecord(
    id: string,
    options: Omit<BrowserVaultOptions, 'crypto' | 'scrypt'> = {},
  ): Promise<Uint8Array | undefined> {
    return readRecord(placeOf(id, options));
  }

  /** Deletes the vault under `id` for good (nothing else keeps its keys). */
  static remove(id: string, options: Omit<BrowserVaultOptions, 'crypto' | 'scrypt'> = {}): Promise<void> {
    const place = placeOf(id, options);
    return inVaultTransaction(place.factory, place.database, 'readwrite', (store) => {
      store.delete(place.id);
      return () => undefined;
    });
  }
}
