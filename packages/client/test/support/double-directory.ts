/**
 * The key directory of the relay double: a Merkle log of entries whose heads the relay key signs, and the
 * name → key bindings. It outlives a double's sockets, so a "restarted" relay shows the same history.
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { MemoryStorage, MerkleLog, type NameMap } from '@leitung/merkle';
import {
  clientIdOf,
  logIdOf,
  nameMapKey,
  nameMapOf,
  rotationStatement,
  signTreeHead,
} from '@leitung/session';
import type { DirectoryEntry, MapProof, SignedTreeHead } from '@leitung/wire';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class DoubleDirectory {
  readonly log = new MerkleLog({ storage: new MemoryStorage() });
  readonly entries: DirectoryEntry[] = [];
  readonly #byName = new Map<string, DirectoryEntry>();
  readonly #byId = new Map<string, DirectoryEntry>();
  /** Signed heads by size: like a real relay, sign only when the tree changed. */
  readonly #heads = new Map<number, SignedTreeHead>();
  /**
   * The name map a head of `size` signs. Honest by default (first binding of each folded name); a
   * malicious relay replaces it (then set it before the first head of that size is signed).
   */
  mapOf: (entries: readonly DirectoryEntry[], size: number) => NameMap = (entries) => nameMapOf(entries);

  constructor(
    readonly crypto: LeitungCrypto,
    readonly signingKey: RsaPrivateKey,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  byName(name: string): DirectoryEntry | undefined {
    return this.#byName.get(name);
  }

  byId(id: Uint8Array): DirectoryEntry | undefined {
    return this.#byId.get(hex(id));
  }

  /** Appends an entry (first come, first bound). */
  add(name: string, publicKey: Uint8Array, time = Date.now()): DirectoryEntry {
    const entry: DirectoryEntry = {
      index: this.entries.length,
      clientId: clientIdOf(this.crypto, publicKey),
      name,
      publicKey,
      time,
    };
    this.log.appendEntry(entry);
    this.entries.push(entry);
    if (!this.#byName.has(name)) this.#byName.set(name, entry);
    this.#byId.set(hex(entry.clientId), entry);
    return entry;
  }

  /**
   * Appends a key rotation of `previous` to `nextKey`'s key, signed by `signer` (the old key when honest,
   * anyone's when the relay forges it); lookups of the name answer with it from then on.
   */
  rotate(previous: DirectoryEntry, signer: RsaPrivateKey, nextKey: RsaPrivateKey): DirectoryEntry {
    const publicKey = nextKey.publicKey.toDer();
    const statement = rotationStatement({
      logId: logIdOf(this.crypto, this.signingKey.publicKey),
      name: previous.name,
      previous: previous.clientId,
      publicKey,
    });
    const entry: DirectoryEntry = {
      index: this.entries.length,
      clientId: clientIdOf(this.crypto, publicKey),
      name: previous.name,
      publicKey,
      time: Date.now(),
      rotation: { previous: previous.clientId, signature: this.crypto.sign(signer, statement) },
    };
    this.log.appendEntry(entry);
    this.entries.push(entry);
    this.#byName.set(entry.name, entry);
    this.#byId.set(hex(entry.clientId), entry);
    return entry;
  }

  head(size = this.entries.length, key: RsaPrivateKey = this.signingKey): SignedTreeHead {
    const cached = key === this.signingKey ? this.#heads.get(size) : undefined;
    if (cached) return cached;
    const head = signTreeHead(this.crypto, key, {
      logId: logIdOf(this.crypto, key.publicKey),
      size,
      root: this.log.root(size),
      mapRoot: this.mapOf(this.entries.slice(0, size), size).root(),
      time: Date.now(),
    });
    if (key === this.signingKey) this.#heads.set(size, head);
    return head;
  }

  consistency(from: number, to = this.entries.length): Uint8Array[] {
    return from > 0 && from < to ? this.log.consistencyProof(from, to) : [];
  }

  /** Map proof of `name` under the map the head of `size` signs. */
  mapProof(name: string, size = this.entries.length): MapProof {
    return this.mapOf(this.entries.slice(0, size), size).prove(nameMapKey(name));
  }

  /** Forgets signed heads (after changing `mapOf`, so new heads sign the new map). */
  forgetHeads(): void {
    this.#heads.clear();
  }

  inclusion(index: number, size = this.entries.length): Uint8Array[] {
    return this.log.inclusionProof(index, size);
  }
}
