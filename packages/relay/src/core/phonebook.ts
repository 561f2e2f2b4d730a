/**
 * The phonebook (docs/design.md §3 step 6, docs/protocol.md §4.3): windows of the directory's current
 * bindings as contacts — ids, names and presence only, never an address. A key replaced by a rotation is no
 * phonebook line (docs/key-transparency.md "Key rotation").
 */

import { toHex } from '@leitung/crypto';
import type { Contact, DirectoryEntry, PhonebookPage } from '@leitung/wire';
import type { KeyDirectory } from '../directory/key-directory.js';
import type { PresenceTable } from './presence-table.js';

/** Entries read from the directory for one page at most, whatever the client asked for. */
const MAX_PAGE_ENTRIES = 256;

export function contactOf(entry: DirectoryEntry, online: boolean): Contact {
  return { clientId: entry.clientId, name: entry.name, online };
}

export class Phonebook {
  readonly #directory: KeyDirectory;
  readonly #presence: PresenceTable;

  constructor(directory: KeyDirectory, presence: PresenceTable) {
    this.#directory = directory;
    this.#presence = presence;
  }

  /** A window of the current bindings as `recipient` may see them. */
  page(recipient: string, offset: number, limit: number): PhonebookPage {
    const total = this.#directory.contactCount();
    const entries = offset < total ? this.#directory.contacts(offset, Math.min(limit, MAX_PAGE_ENTRIES)) : [];
    return {
      offset: Math.min(offset, 0xffffffff),
      total,
      contacts: entries.map((entry) => {
        const clientId = toHex(entry.clientId);
        // Online only where the mutual-watch rule says so (docs/protocol.md "Presence"); own line: true.
        return contactOf(entry, clientId === recipient || this.#presence.sees(recipient, clientId));
      }),
    };
  }

  /** True when `entry` is its name's current binding (not replaced by a key rotation). */
  isCurrent(entry: DirectoryEntry): boolean {
    const current = this.#directory.entryByName(entry.name);
    return current !== undefined && current.index === entry.index;
  }
}
