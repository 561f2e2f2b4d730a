/**
 * In-memory {@link DirectoryStore} for unit tests and throwaway relays. `atomically` keeps an undo journal
 * so a failed registration leaves no entry behind, like the SQLite store's rollback.
 */

import { toHex } from '@leitung/crypto';
import type { LogBatch, LogStorage, SignedTreeHead } from '@leitung/merkle';
import type { DirectoryEntry } from '@leitung/wire';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { DirectoryStore } from './directory-store.js';

/**
 * A {@link DirectoryStore} in memory, with the same contract as the SQLite store: `atomically` keeps an undo
 * journal, so a failed registration leaves nothing behind. For tests, simulations and benchmarks; nothing
 * survives the process.
 */
export class MemoryDirectoryStore implements DirectoryStore {
  readonly logStorage: LogStorage;
  readonly #entries: DirectoryEntry[] = [];
  readonly #byClientId = new Map<string, number>();
  /** Current binding of each name key. */
  readonly #byNameKey = new Map<string, number>();
  /** Indexes of bindings a rotation replaced. */
  readonly #superseded = new Set<number>();
  readonly #heads = new Map<number, SignedTreeHead>();
  #latest: number | undefined;
  #journal: (() => void)[] | undefined;

  constructor() {
    // Nodes are journaled like entries, so a transaction that fails after the log commit is undone whole.
    const nodes = new Map<string, Uint8Array>();
    let size = 0;
    this.logStorage = {
      getSize: () => size,
      getNode: (level, index) => nodes.get(`${level}/${index}`)?.slice(),
      commit: (batch: LogBatch) => {
        const previousSize = size;
        const added: string[] = [];
        for (const node of batch.nodes) {
          const key = `${node.level}/${node.index}`;
          if (nodes.has(key)) continue;
          nodes.set(key, node.hash.slice());
          added.push(key);
        }
        size = batch.size;
        this.#journal?.push(() => {
          for (const key of added) nodes.delete(key);
          size = previousSize;
        });
      },
    };
  }

  count(): number {
    return this.#entries.length;
  }

  entryAt(index: number): DirectoryEntry | undefined {
    return this.#entries[index];
  }

  entryByClientId(clientId: Uint8Array): DirectoryEntry | undefined {
    const index = this.#byClientId.get(toHex(clientId));
    return index === undefined ? undefined : this.#entries[index];
  }

  entryByNameKey(key: string): DirectoryEntry | undefined {
    const index = this.#byNameKey.get(key);
    return index === undefined ? undefined : this.#entries[index];
  }

  entries(offset: number, limit: number): DirectoryEntry[] {
    return this.#entries.slice(offset, offset + limit);
  }

  currentCount(): number {
    return this.#entries.length - this.#superseded.size;
  }

  currentEntries(offset: number, limit: number): DirectoryEntry[] {
    return this.#entries.filter((e) => !this.#superseded.has(e.index)).slice(offset, offset + limit);
  }

  insertEntry(entry: DirectoryEntry, nameKey: string): void {
    const id = toHex(entry.clientId);
    const current = this.#byNameKey.get(nameKey);
    const replaces = entry.rotation === undefined ? undefined : current;
    const conflict =
      entry.index !== this.#entries.length ||
      this.#byClientId.has(id) ||
      (entry.rotation === undefined
        ? current !== undefined
        : current === undefined ||
          toHex(this.#entries[current]!.clientId) !== toHex(entry.rotation.previous));
    if (conflict) throw new RelayError(RelayErrorCode.Storage, 'entry conflicts with the stored directory');
    this.#entries.push(entry);
    this.#byClientId.set(id, entry.index);
    this.#byNameKey.set(nameKey, entry.index);
    if (replaces !== undefined) this.#superseded.add(replaces);
    this.#journal?.push(() => {
      this.#entries.pop();
      this.#byClientId.delete(id);
      if (replaces === undefined) this.#byNameKey.delete(nameKey);
      else {
        this.#byNameKey.set(nameKey, replaces);
        this.#superseded.delete(replaces);
      }
    });
  }

  treeHead(size: number): SignedTreeHead | undefined {
    return this.#heads.get(size);
  }

  latestTreeHead(): SignedTreeHead | undefined {
    return this.#latest === undefined ? undefined : this.#heads.get(this.#latest);
  }

  putTreeHead(head: SignedTreeHead): void {
    const previous = this.#heads.get(head.size);
    const latest = this.#latest;
    this.#heads.set(head.size, head);
    if (latest === undefined || head.size >= latest) this.#latest = head.size;
    this.#journal?.push(() => {
      if (previous === undefined) this.#heads.delete(head.size);
      else this.#heads.set(head.size, previous);
      this.#latest = latest;
    });
  }

  atomically<T>(fn: () => T): T {
    if (this.#journal !== undefined) return fn();
    const journal: (() => void)[] = [];
    this.#journal = journal;
    try {
      return fn();
    } catch (error) {
      for (const undo of journal.reverse()) undo();
      throw error;
    } finally {
      this.#journal = undefined;
    }
  }

  close(): void {}
}
