/**
 * What the client core remembers between sessions (docs/design.md §4, §7): the last accepted tree head of each
 * directory log and the pinned key of each contact. The SecureVault implements this interface (and keeps
 * it encrypted at rest); {@link MemoryStore} is for tests and ephemeral clients. Synchronous on purpose:
 * the core is sans-I/O and asks its shell to persist (the `persist` output) after every change.
 */
import type { SignedTreeHead } from '@leitung/wire';

/** A contact's key as first verified (inclusion proof against a signed tree head), pinned by name. */
export interface PinnedContact {
  /** The contact's bound name (NFC). */
  readonly name: string;
  /** Hex client id = SHA3-256 of the SPKI DER = the key's fingerprint. */
  readonly clientId: string;
  /** SPKI DER of the pinned key. */
  readonly publicKey: Uint8Array;
  /** When it was pinned (ms since the Unix epoch). */
  readonly pinnedAt: number;
}

/**
 * What the client core remembers between sessions: the last accepted tree head per directory log, the
 * pinned key per contact name and, optionally, the call ids already seen (replay guard across restarts).
 * `SecureVault` implements it encrypted on disk; `MemoryStore` (`@leitung/client/testing`) in memory.
 * Synchronous: the core asks its shell to persist (the `persist` output) after every change.
 */
export interface ClientStore {
  /** The last tree head accepted for the log `logId` (hex), if any. */
  treeHead(logId: string): SignedTreeHead | undefined;
  /** Records `head` as the last accepted tree head of log `logId` (signed and proven consistent before). */
  setTreeHead(logId: string, head: SignedTreeHead): void;
  /** The pinned key for `name`, if any. */
  contact(name: string): PinnedContact | undefined;
  /** Pins `contact` under its name, replacing an earlier pin (first verified use, or an accepted change). */
  pinContact(contact: PinnedContact): void;
  /**
   * Call ids (hex) seen in incoming offers and when (docs/session-protocol.md "Call offers"): kept so a
   * recorded offer cannot ring again after a restart. Optional for stores that need not survive one.
   */
  seenCallIds?(): readonly (readonly [string, number])[];
  /** Replaces the seen call ids (hex id, when seen in ms) with the set the core's replay guard keeps now. */
  setSeenCallIds?(entries: readonly (readonly [string, number])[]): void;
}

/**
 * A {@link ClientStore} that lives in memory only: for tests, benchmarks and throwaway clients (the default
 * store of a Client without one). Nothing survives the process, so a restarted client trusts on first
 * use again — use the SecureVault for real identities.
 */
export class MemoryStore implements ClientStore {
  readonly #heads = new Map<string, SignedTreeHead>();
  readonly #contacts = new Map<string, PinnedContact>();

  treeHead(logId: string): SignedTreeHead | undefined {
    return this.#heads.get(logId);
  }

  setTreeHead(logId: string, head: SignedTreeHead): void {
    this.#heads.set(logId, head);
  }

  contact(name: string): PinnedContact | undefined {
    return this.#contacts.get(name);
  }

  pinContact(contact: PinnedContact): void {
    this.#contacts.set(contact.name, contact);
  }

  #seenCallIds: readonly (readonly [string, number])[] = [];

  seenCallIds(): readonly (readonly [string, number])[] {
    return this.#seenCallIds;
  }

  setSeenCallIds(entries: readonly (readonly [string, number])[]): void {
    this.#seenCallIds = [...entries];
  }
}
