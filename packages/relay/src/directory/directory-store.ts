/**
 * Where the key directory lives (docs/design.md §4, §6). One synchronous interface with two implementations
 * here — {@link MemoryDirectoryStore} for unit tests and {@link SqliteDirectoryStore} (default) — so a
 * cluster backend can replace them without touching the core.
 *
 * The store holds three things: the entries (name ↔ key bindings, by index), the Merkle log's nodes
 * (through `logStorage`, the @leitung/merkle storage contract) and the signed tree heads, one per tree
 * size. `atomically` groups an entry, its log nodes and the new signed head into one transaction: after a
 * crash either all three are there or none: a restart loses no registration and no log entry (docs/relay.md).
 */
import type { LogStorage, SignedTreeHead } from '@leitung/merkle';

/** A stored signed head: `mapRoot` is absent for heads signed before heads carried the name map. */
export type StoredHead = SignedTreeHead;

import type { DirectoryEntry } from '@leitung/wire';

/**
 * Where the key directory lives (docs/relay.md "Storage"): the entries, the Merkle log's nodes and the signed
 * tree heads, with `atomically` grouping one registration's writes into a transaction. `SqliteDirectoryStore`
 * is the default, `MemoryDirectoryStore` (`@leitung/relay/testing`) the in-memory one; another backend
 * implements this interface and is passed as `startRelay({ store })`.
 */
export interface DirectoryStore {
  /** The Merkle log's node storage; its `commit` joins a running `atomically` transaction. */
  readonly logStorage: LogStorage;
  /** Number of entries. */
  count(): number;
  entryAt(index: number): DirectoryEntry | undefined;
  entryByClientId(clientId: Uint8Array): DirectoryEntry | undefined;
  /** The current binding of a name, by its uniqueness key (name-policy.ts `nameKey`); never a replaced one. */
  entryByNameKey(key: string): DirectoryEntry | undefined;
  /** Entries `offset … offset + limit − 1` in index order (the whole log, replaced bindings included). */
  entries(offset: number, limit: number): DirectoryEntry[];
  /** Number of current bindings: entries not replaced by a key rotation (the phonebook's size). */
  currentCount(): number;
  /** Current bindings `offset … offset + limit − 1` of the index-ordered list of current bindings. */
  currentEntries(offset: number, limit: number): DirectoryEntry[];
  /**
   * Stores a new entry; its index must be `count()`. A key rotation (`entry.rotation`) also marks the
   * binding it replaces, which must be the current binding of `nameKey`. Throws RelayError
   * RELAY_ERR_STORAGE otherwise.
   */
  insertEntry(entry: DirectoryEntry, nameKey: string): void;
  /** The signed head stored for tree size `size`. */
  treeHead(size: number): SignedTreeHead | undefined;
  /** The signed head of the largest size. */
  latestTreeHead(): SignedTreeHead | undefined;
  /** Stores (or replaces) the signed head of `head.size`. */
  putTreeHead(head: SignedTreeHead): void;
  /** Runs `fn` as one transaction: if it throws, nothing it wrote stays. */
  atomically<T>(fn: () => T): T;
  /** Releases the store (closes the database). */
  close(): void;
}
