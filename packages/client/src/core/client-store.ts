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

export interface ClientStore {
  /** The last tree head accepted for the log `logId` (hex), if any. */
  treeHead(logId: string): SignedTreeHead | undefined;
  setTreeHead(logId: string, head: SignedTreeHead): void;
  /** The pinned key for `name`, if any. */
  contact(name: string): PinnedContact | undefined;
  pinContact(contact: PinnedContact): void;
  /**
   * Call ids (hex) seen in incoming offers and when (docs/session-protocol.md "Call offers"): kept so a
   * recorded offer cannot ring again after a restart. Optional for stores that need not survive one.
   */
  seenCallIds?(): readonly (readonly [string, number])[];
  setSeenCallIds?(entries: readonly (readonly [string, number])[]): void;
}

/** A ClientStore that lives in memory only. */
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
