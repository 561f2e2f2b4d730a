/**
 * The key directory as the relay core sees it (docs/design.md §4): first-come name ↔ key bindings, an
 * append-only Merkle log over the entries, and signed tree heads. {@link KeyDirectory} is the interface
 * (a cluster backend implements it on shared storage); {@link LocalKeyDirectory} implements it on a
 * {@link DirectoryStore} with @leitung/merkle's log.
 *
 * A new binding is one transaction: entry, log nodes and the newly signed head (docs/relay.md). The head is
 * signed only when the tree changes and cached; the same head is served until the next binding, and a
 * restart serves the stored one, byte for byte.
 *
 * The name map (docs/key-transparency.md, "The name map") lives in memory: rebuilt from the entries at
 * start, and advanced in the same step as the log — the head of every size signs the map of exactly that
 * log prefix (each folded name → leaf hash of its current binding), and lookups and WELCOME carry its
 * proofs. A key rotation (docs/key-transparency.md, "Key rotation") is appended like a binding and moves
 * its name's map value to itself; the binding it replaces stays in the log but is no longer current.
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { entryLeafHash, type HashFunction, type MapPair, MerkleLog, NameMap } from '@leitung/merkle';
import {
  checkKeyRotation,
  clientIdOf,
  logIdOf,
  nameMapKey,
  nameSkeletons,
  rotationStatement,
  SessionError,
  signTreeHead,
} from '@leitung/session';
import type { DirectoryEntry, MapProof, SignedTreeHead } from '@leitung/wire';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { DirectoryStore, StoredHead } from './directory-store.js';
import { checkName, nameKey } from './name-policy.js';

/** What REGISTER would do: bind a new name, or log in to an existing binding of this key. */
export type RegistrationPlan =
  | { readonly kind: 'new'; readonly name: string; readonly nameKey: string }
  | { readonly kind: 'login'; readonly entry: DirectoryEntry };

/** What {@link KeyDirectory.register} did: the entry of the binding, and whether it was new or a login. */
export interface RegistrationResult {
  readonly entry: DirectoryEntry;
  /** True when this call appended the entry (a new binding); false for a login. */
  readonly created: boolean;
}

/** A ROTATE_KEY's content: the new key and the two signatures over the rotation statement. */
export interface RotationRequest {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
  readonly possession: Uint8Array;
}

/**
 * The key directory as the {@link RelayCore} uses it (docs/design.md §4, docs/key-transparency.md): first-come
 * name ↔ key bindings, key rotation, the phonebook, lookups, signed tree heads, name-map proofs, and inclusion
 * and consistency proofs. {@link LocalKeyDirectory} implements it over a {@link DirectoryStore}.
 */
export interface KeyDirectory {
  /** Id of this directory's log (SHA3-256 of the signing key's SPKI DER). */
  readonly logId: Uint8Array;
  /** Number of entries. */
  size(): number;
  /** The current signed tree head. */
  treeHead(): SignedTreeHead;
  /** The signed head of an earlier size, if one was issued (with a name-map root). */
  treeHeadAt(size: number): SignedTreeHead | undefined;
  /** Name-map proof of `name` under the current head's `mapRoot` (membership or non-membership). */
  mapProof(name: string): MapProof;
  /**
   * Decides what a REGISTER of `name` with `publicKey` would do, without writing anything (nothing is
   * written before PROVE, docs/lessons.md #8). Throws RELAY_ERR_NAME_INVALID, RELAY_ERR_NAME_TAKEN,
   * RELAY_ERR_NAME_CONFUSABLE or RELAY_ERR_KEY_REGISTERED.
   */
  plan(name: string, publicKey: Uint8Array): RegistrationPlan;
  /** Binds (or logs in); re-checks the plan, as another registration may have won the name meanwhile. */
  register(name: string, publicKey: Uint8Array, now: number): RegistrationResult;
  /**
   * Appends a key rotation of the current binding whose client id is `clientId` (docs/key-transparency.md,
   * "Key rotation"). Throws RELAY_ERR_KEY_ROTATED (that binding is no longer current),
   * RELAY_ERR_KEY_REGISTERED (the new key is bound already), RELAY_ERR_ROTATION_INVALID (a signature does
   * not verify, or the new key is unusable) or RELAY_ERR_STORAGE; nothing is written then.
   */
  rotate(clientId: Uint8Array, request: RotationRequest, now: number): DirectoryEntry;
  /** Number of current bindings (the phonebook's size; the log's size counts replaced bindings too). */
  contactCount(): number;
  /** Current bindings `offset …` in index order, at most `limit` (the phonebook). */
  contacts(offset: number, limit: number): DirectoryEntry[];
  entryAt(index: number): DirectoryEntry | undefined;
  entryByName(name: string): DirectoryEntry | undefined;
  entryByClientId(clientId: Uint8Array): DirectoryEntry | undefined;
  entries(offset: number, limit: number): DirectoryEntry[];
  inclusionProof(index: number, size: number): Uint8Array[];
  /** RFC 9162 consistency proof from `fromSize` (≥ 1) to `toSize`. */
  consistencyProof(fromSize: number, toSize: number): Uint8Array[];
  close(): void;
}

/** Entries read per page when the name map is rebuilt at start. */
const MAP_BUILD_PAGE = 10_000;

/**
 * What a {@link LocalKeyDirectory} runs on: the store, crypto, the relay key that signs the tree heads, a clock
 * and, in a cluster, the shared log id.
 */
export interface LocalKeyDirectoryOptions {
  readonly store: DirectoryStore;
  readonly crypto: LeitungCrypto;
  /** The relay's key: it signs the tree heads and names the log. */
  readonly privateKey: RsaPrivateKey;
  /** Clock for entry and tree-head times (ms). */
  readonly now: () => number;
  /**
   * The log id the heads name. Default: SHA3-256 of the relay key's SPKI DER (a single relay). The relays
   * of a cluster share one id (`clusterLogId`) and each signs with its own key (docs/operations.md).
   */
  readonly logId?: Uint8Array;
}

/**
 * The {@link KeyDirectory} over a {@link DirectoryStore}: appends each binding, its log nodes and the newly
 * signed tree head in one transaction, keeps the name map in memory (rebuilt from the entries at start), and
 * serves the same signed head, byte for byte, until the next binding.
 */
export class LocalKeyDirectory implements KeyDirectory {
  readonly logId: Uint8Array;
  readonly #store: DirectoryStore;
  readonly #crypto: LeitungCrypto;
  readonly #privateKey: RsaPrivateKey;
  readonly #log: MerkleLog;
  /** The name map of the whole log; immutable, replaced only after its head is committed. */
  #map: NameMap;
  /** UTS #39 skeleton → the names bound with it (docs/key-transparency.md, "Names"); rebuilt at start like the map. */
  readonly #skeletons = new Map<string, string[]>();
  #head: SignedTreeHead;

  constructor(options: LocalKeyDirectoryOptions) {
    this.#store = options.store;
    this.#crypto = options.crypto;
    this.#privateKey = options.privateKey;
    this.logId = options.logId ?? logIdOf(options.crypto, options.privateKey.publicKey);
    const crypto = options.crypto;
    const sha3: HashFunction = { size: 32, hash: (data) => crypto.sha3_256(data) };
    this.#log = new MerkleLog({ storage: this.#store.logStorage, hash: sha3 });
    if (this.#log.size !== this.#store.count()) {
      throw new RelayError(RelayErrorCode.Storage, 'directory entries and Merkle log disagree in size');
    }
    this.#map = this.#buildMap();
    this.#head = this.#loadOrSignHead(options.now());
  }

  size(): number {
    return this.#log.size;
  }

  treeHead(): SignedTreeHead {
    return this.#head;
  }

  treeHeadAt(size: number): SignedTreeHead | undefined {
    if (size === this.#head.size) return this.#head;
    return mapped(this.#store.treeHead(size));
  }

  mapProof(name: string): MapProof {
    return this.#map.prove(nameMapKey(name));
  }

  plan(name: string, publicKey: Uint8Array): RegistrationPlan {
    const checked = checkName(name);
    const byKey = this.#store.entryByClientId(clientIdOf(this.#crypto, publicKey));
    if (byKey !== undefined) {
      if (byKey.name !== checked.name) {
        throw new RelayError(RelayErrorCode.KeyRegistered, 'this key is bound to another name');
      }
      this.#assertCurrent(byKey);
      return { kind: 'login', entry: byKey };
    }
    if (this.#store.entryByNameKey(checked.key) !== undefined) {
      throw new RelayError(RelayErrorCode.NameTaken, 'this name is bound to another key');
    }
    const lookalike = this.confusableWith(checked.name);
    if (lookalike !== undefined) {
      throw new RelayError(
        RelayErrorCode.NameConfusable,
        `this name looks like the bound name "${lookalike}"`,
      );
    }
    return { kind: 'new', name: checked.name, nameKey: checked.key };
  }

  register(name: string, publicKey: Uint8Array, now: number): RegistrationResult {
    const plan = this.plan(name, publicKey);
    if (plan.kind === 'login') return { entry: plan.entry, created: false };
    const entry: DirectoryEntry = {
      index: this.#log.size,
      clientId: clientIdOf(this.#crypto, publicKey),
      name: plan.name,
      publicKey: publicKey.slice(),
      time: now,
    };
    this.#append([entry], now, 'could not append to the directory');
    return { entry, created: true };
  }

  rotate(clientId: Uint8Array, request: RotationRequest, now: number): DirectoryEntry {
    const current = this.#store.entryByClientId(clientId);
    if (current === undefined) throw new RelayError(RelayErrorCode.NotFound, 'no binding for this key');
    this.#assertCurrent(current);
    const newId = clientIdOf(this.#crypto, request.publicKey);
    if (this.#store.entryByClientId(newId) !== undefined) {
      throw new RelayError(RelayErrorCode.KeyRegistered, 'the new key is bound already');
    }
    const entry: DirectoryEntry = {
      index: this.#log.size,
      clientId: newId,
      name: current.name,
      publicKey: request.publicKey.slice(),
      time: now,
      rotation: { previous: current.clientId, signature: request.signature.slice() },
    };
    this.#checkRotation(entry, current, request.possession);
    this.#append([entry], now, 'could not append the rotation');
    return entry;
  }

  /** A bound name (of another name key) that `name` looks like — it shares a UTS #39 skeleton — if any. */
  confusableWith(name: string): string | undefined {
    const key = nameKey(name);
    for (const skeleton of nameSkeletons(name)) {
      const other = this.#skeletons.get(skeleton)?.find((bound) => nameKey(bound) !== key);
      if (other !== undefined) return other;
    }
    return undefined;
  }

  contactCount(): number {
    return this.#store.currentCount();
  }

  contacts(offset: number, limit: number): DirectoryEntry[] {
    return this.#store.currentEntries(offset, limit);
  }

  /** RELAY_ERR_KEY_ROTATED when `entry` is no longer its name's current binding. */
  #assertCurrent(entry: DirectoryEntry): void {
    const current = this.#store.entryByNameKey(nameKey(entry.name));
    if (current === undefined || !sameBytes(current.clientId, entry.clientId)) {
      throw new RelayError(RelayErrorCode.KeyRotated, 'this key was replaced by a key rotation of its name');
    }
  }

  /** The old key signed the rotation and the new key proved possession (RELAY_ERR_ROTATION_INVALID). */
  #checkRotation(entry: DirectoryEntry, current: DirectoryEntry, possession: Uint8Array): void {
    try {
      checkKeyRotation(this.#crypto, this.logId, entry, current);
      const statement = rotationStatement({
        logId: this.logId,
        name: entry.name,
        previous: current.clientId,
        publicKey: entry.publicKey,
      });
      const newKey = this.#crypto.importRsaPublicKey(entry.publicKey);
      if (!this.#crypto.verify(newKey, statement, possession)) {
        throw new RelayError(RelayErrorCode.RotationInvalid, 'the new key did not sign the rotation');
      }
    } catch (error) {
      if (error instanceof RelayError) throw error;
      const why = error instanceof SessionError ? error.message : 'the new key is unusable';
      throw new RelayError(RelayErrorCode.RotationInvalid, why, { cause: error });
    }
  }

  /**
   * Relay cluster: appends entries the shared log (Redis) ordered, in index order, in one transaction, and
   * signs one head for the new size. Every replica holds the same entries in the same order, so every
   * relay computes the same root for a size. The first entry's index must be `size()`
   * (RELAY_ERR_STORAGE otherwise); names and keys were checked for uniqueness by the shared log.
   */
  applyReplicated(entries: readonly DirectoryEntry[], now: number): void {
    if (entries.length === 0) return;
    this.#append(entries, now, 'could not apply replicated entries');
  }

  /**
   * Appends `entries` (their indexes must continue the log) with their log nodes and one newly signed head
   * in one transaction, and advances the name map with them. On failure nothing stays: the transaction
   * rolls back and the log re-reads its edge from storage.
   */
  #append(entries: readonly DirectoryEntry[], now: number, failure: string): void {
    const map = withCurrentBindings(this.#map, entries);
    try {
      this.#head = this.#store.atomically(() => {
        for (const entry of entries) {
          if (entry.index !== this.#log.size) {
            throw new RelayError(RelayErrorCode.Storage, 'entry out of order');
          }
          this.#store.insertEntry(entry, nameKey(entry.name));
          this.#log.appendEntry(entry);
        }
        const signed = this.#sign(now, map);
        this.#store.putTreeHead(signed);
        return signed;
      });
      this.#map = map;
      for (const entry of entries) this.#indexSkeletons(entry.name);
    } catch (error) {
      this.#log.reload();
      if (error instanceof RelayError) throw error;
      throw new RelayError(RelayErrorCode.Storage, failure, { cause: error });
    }
  }

  entryAt(index: number): DirectoryEntry | undefined {
    return this.#store.entryAt(index);
  }

  entryByName(name: string): DirectoryEntry | undefined {
    return this.#store.entryByNameKey(nameKey(name));
  }

  entryByClientId(clientId: Uint8Array): DirectoryEntry | undefined {
    return this.#store.entryByClientId(clientId);
  }

  entries(offset: number, limit: number): DirectoryEntry[] {
    return this.#store.entries(offset, limit);
  }

  inclusionProof(index: number, size: number): Uint8Array[] {
    return this.#log.inclusionProof(index, size);
  }

  consistencyProof(fromSize: number, toSize: number): Uint8Array[] {
    return this.#log.consistencyProof(fromSize, toSize);
  }

  close(): void {
    this.#store.close();
  }

  #indexSkeletons(name: string): void {
    for (const skeleton of nameSkeletons(name)) {
      const names = this.#skeletons.get(skeleton);
      if (names === undefined) this.#skeletons.set(skeleton, [name]);
      else if (!names.includes(name)) names.push(name);
    }
  }

  /**
   * The name map of the whole log, read in pages so that only (key, value) pairs stay in memory — never
   * every entry's public key at once.
   */
  #buildMap(): NameMap {
    const bound = new Map<string, MapPair>();
    for (let offset = 0; offset < this.#log.size; offset += MAP_BUILD_PAGE) {
      for (const entry of this.#store.entries(offset, MAP_BUILD_PAGE)) {
        const folded = nameKey(entry.name);
        this.#indexSkeletons(entry.name);
        // A rotation replaces its name's pair; the store holds only rotations of the current binding.
        if (bound.has(folded) && entry.rotation === undefined) continue;
        bound.set(folded, { key: nameMapKey(entry.name), value: entryLeafHash(entry) });
      }
    }
    return NameMap.build([...bound.values()]);
  }

  #sign(now: number, map: NameMap): SignedTreeHead {
    return signTreeHead(this.#crypto, this.#privateKey, {
      logId: this.logId,
      size: this.#log.size,
      root: this.#log.root(),
      mapRoot: map.root(),
      time: now,
    });
  }

  /** The stored head of the current size, checked against the log; a new one only for a fresh store. */
  #loadOrSignHead(now: number): SignedTreeHead {
    const stored = this.#store.latestTreeHead();
    if (stored === undefined) {
      if (this.#log.size !== 0) throw new RelayError(RelayErrorCode.Storage, 'directory has no signed head');
      const head = this.#sign(now, this.#map);
      this.#store.atomically(() => this.#store.putTreeHead(head));
      return head;
    }
    if (stored.size !== this.#log.size || !sameBytes(stored.root, this.#log.root())) {
      throw new RelayError(RelayErrorCode.Storage, 'stored tree head does not match the Merkle log');
    }
    if (!sameBytes(stored.logId, this.logId)) {
      throw new RelayError(RelayErrorCode.Storage, 'the directory was signed with another relay key');
    }
    if (stored.mapRoot === undefined) {
      // A head from before heads signed the name map: sign the same tree again, now with its map.
      const head = this.#sign(now, this.#map);
      this.#store.atomically(() => this.#store.putTreeHead(head));
      return head;
    }
    if (!sameBytes(stored.mapRoot, this.#map.root())) {
      throw new RelayError(RelayErrorCode.Storage, 'stored tree head does not match the name map');
    }
    return { ...stored, mapRoot: stored.mapRoot };
  }
}

/**
 * `map` advanced by `entries` in log order: a new name maps to its entry, a key rotation moves its name's
 * value to itself (the caller appends only rotations of the current binding), and any other entry of a
 * bound name changes nothing.
 */
function withCurrentBindings(map: NameMap, entries: readonly DirectoryEntry[]): NameMap {
  let next = map;
  for (const entry of entries) {
    const key = nameMapKey(entry.name);
    if (entry.rotation !== undefined || next.get(key) === undefined)
      next = next.set(key, entryLeafHash(entry));
  }
  return next;
}

/** A stored head with its name-map root; version 1 heads (none) are not served. */
function mapped(head: StoredHead | undefined): SignedTreeHead | undefined {
  if (head?.mapRoot === undefined) return undefined;
  return { ...head, mapRoot: head.mapRoot };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
