/**
 * The part of IndexedDB the browser vault uses (docs/client.md "In a browser"), typed structurally like
 * the WebSocket transport's WebSocketLike — the package compiles without the DOM library — and wrapped
 * in promises: one database, one object store, and transactions that settle when IndexedDB says the whole
 * transaction committed (`complete`) or was rolled back (`abort`, `error`).
 */
import { ClientError, ClientErrorCode } from '../errors.js';

/** An IndexedDB request: its result once `onsuccess` fired. */
export interface IdbRequestLike<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** The request `indexedDB.open` returns. */
export interface IdbOpenRequestLike extends IdbRequestLike<IdbDatabaseLike> {
  onupgradeneeded: ((event: unknown) => void) | null;
  onblocked: ((event: unknown) => void) | null;
}

/** The page's `indexedDB` (an IDBFactory). */
export interface IdbFactoryLike {
  open(name: string, version?: number): IdbOpenRequestLike;
}

/** An open IDBDatabase. */
export interface IdbDatabaseLike {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(
    store: string,
    mode: 'readonly' | 'readwrite',
    options?: { durability?: 'default' | 'strict' | 'relaxed' },
  ): IdbTransactionLike;
  close(): void;
}

/** An IDBTransaction. */
export interface IdbTransactionLike {
  readonly error: unknown;
  oncomplete: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
  objectStore(name: string): IdbObjectStoreLike;
  abort(): void;
}

/** An IDBObjectStore with out-of-line keys. */
export interface IdbObjectStoreLike {
  get(key: string): IdbRequestLike<unknown>;
  put(value: unknown, key: string): IdbRequestLike<unknown>;
  delete(key: string): IdbRequestLike<unknown>;
}

/** The object store every vault record lives in (key: the vault's id; value: the vault's bytes). */
export const VAULT_STORE = 'vaults';
const DATABASE_VERSION = 1;

function storageError(message: string, cause: unknown): ClientError {
  return new ClientError(ClientErrorCode.VaultStorage, message, cause === undefined ? undefined : { cause });
}

/** The page's IndexedDB, or CLIENT_ERR_VAULT_STORAGE when there is none. */
export function pageIndexedDb(given: IdbFactoryLike | undefined): IdbFactoryLike {
  const factory = given ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  if (factory === undefined)
    throw storageError('no IndexedDB here (a browser page or worker has one)', undefined);
  return factory;
}

/** Opens (creating on first use) the database `name` with the vault store. */
export function openVaultDatabase(factory: IdbFactoryLike, name: string): Promise<IdbDatabaseLike> {
  return new Promise((resolve, reject) => {
    let request: IdbOpenRequestLike;
    try {
      request = factory.open(name, DATABASE_VERSION);
    } catch (error) {
      reject(storageError('IndexedDB refused to open the vault database', error));
      return;
    }
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(VAULT_STORE))
        request.result.createObjectStore(VAULT_STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(storageError('IndexedDB could not open the vault database', request.error));
    request.onblocked = () =>
      reject(storageError('the vault database is held open at another version by another tab', undefined));
  });
}

/**
 * Runs `body` in one transaction on the vault store and settles when it committed (`complete`): all its
 * writes are stored, or, when `body` throws, calls `abort(error)` or a request fails, the transaction is
 * aborted and none is (rejecting with that error). `body` returns a function giving the value to resolve
 * with, read after the commit. `strict` durability: a save counts as done only once the browser flushed it.
 */
export async function inVaultTransaction<T>(
  factory: IdbFactoryLike,
  database: string,
  mode: 'readonly' | 'readwrite',
  body: (store: IdbObjectStoreLike, abort: (error: unknown) => void) => () => T,
): Promise<T> {
  const db = await openVaultDatabase(factory, database);
  try {
    return await new Promise<T>((resolve, reject) => {
      let transaction: IdbTransactionLike;
      try {
        transaction = db.transaction(VAULT_STORE, mode, { durability: 'strict' });
      } catch (error) {
        reject(storageError('IndexedDB refused a vault transaction', error));
        return;
      }
      let failure: unknown;
      let result: () => T = () => undefined as T;
      transaction.oncomplete = () => {
        try {
          resolve(result());
        } catch (error) {
          reject(error);
        }
      };
      transaction.onabort = () =>
        reject(failure ?? storageError('IndexedDB aborted the vault transaction', transaction.error));
      // A failed request aborts the transaction; `onabort` then rejects with the transaction's error.
      transaction.onerror = () => undefined;
      const abort = (error: unknown) => {
        failure ??= error;
        transaction.abort();
      };
      try {
        result = body(transaction.objectStore(VAULT_STORE), abort);
      } catch (error) {
        abort(error);
      }
    });
  } finally {
    db.close();
  }
}
