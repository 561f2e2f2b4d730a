/**
 * The client's phonebook (docs/design.md §3 step 6): the first page from WELCOME, further pages on request and
 * live deltas. Contacts carry their verification state: a phonebook line alone proves nothing (the relay
 * could invent it), so a contact is "verified" only after a key lookup with an inclusion proof, and a
 * line whose name is pinned to another key is flagged "key-changed" at once.
 */
import { nameProblem } from '@leitung/session';
import type { Contact, PhonebookChange, PhonebookPage } from '@leitung/wire';
import { toHex } from '../bytes.js';
import { displaySafe } from '../display-safe.js';
import type { ClientStore } from './client-store.js';
import type { ContactInfo, ContactRejectedEvent, ContactVerification } from './events.js';

interface Line {
  clientId: string;
  name: string;
  online: boolean;
  verification: ContactVerification;
}

export class Phonebook {
  readonly #lines = new Map<string, Line>();
  readonly #ownId: string;
  readonly #store: ClientStore;
  #total = 0;
  /** Lines dropped for a name that fails the policy, until the core reports them. */
  #rejected: ContactRejectedEvent[] = [];

  constructor(ownClientId: string, store: ClientStore) {
    this.#ownId = ownClientId;
    this.#store = store;
  }

  /** Every contact, in the order first seen (directory order for pages). */
  contacts(): ContactInfo[] {
    return [...this.#lines.values()].map(freeze);
  }

  byId(clientId: string): ContactInfo | undefined {
    const line = this.#lines.get(clientId);
    return line && freeze(line);
  }

  byName(name: string): ContactInfo | undefined {
    const nfc = name.normalize('NFC');
    for (const line of this.#lines.values()) if (line.name === nfc) return freeze(line);
    return undefined;
  }

  /** Number of contacts the relay says the whole phonebook has. */
  get total(): number {
    return this.#total;
  }

  get size(): number {
    return this.#lines.size;
  }

  /** Applies a page; returns the lines it added or changed. */
  applyPage(page: PhonebookPage): ContactInfo[] {
    this.#total = page.total;
    const changed: ContactInfo[] = [];
    for (const contact of page.contacts) {
      const line = this.#upsert(contact);
      if (line) changed.push(freeze(line));
    }
    return changed;
  }

  applyDelta(changes: readonly PhonebookChange[]): ContactInfo[] {
    const changed: ContactInfo[] = [];
    for (const change of changes) {
      if (change.kind === 'added') this.#total += 1;
      const line = this.#upsert(change.contact);
      if (line) changed.push(freeze(line));
    }
    return changed;
  }

  /** Records the result of a verified lookup. */
  setVerification(clientId: string, name: string, verification: ContactVerification): ContactInfo {
    let line = this.#lines.get(clientId);
    if (!line) {
      line = { clientId, name, online: false, verification };
      this.#lines.set(clientId, line);
    }
    line.verification = verification;
    return freeze(line);
  }

  /** Marks every other line that claims `name` as key-changed (the pin now points elsewhere). */
  flagConflicts(name: string, pinnedId: string): void {
    for (const line of this.#lines.values()) {
      if (line.name === name && line.clientId !== pinnedId) line.verification = 'key-changed';
      if (line.name === name && line.clientId === pinnedId) line.verification = 'verified';
    }
  }

  /** The lines dropped since the last call (name policy), as events. */
  takeRejected(): ContactRejectedEvent[] {
    const rejected = this.#rejected;
    this.#rejected = [];
    return rejected;
  }

  #upsert(contact: Contact): Line | undefined {
    const clientId = toHex(contact.clientId);
    if (clientId === this.#ownId) return undefined;
    // The relay is not trusted with names either: one that fails the directory's own policy (control,
    // bidi or escape characters, …) is dropped and reported, never displayed (docs/client.md).
    const problem = nameProblem(contact.name);
    if (problem !== undefined) {
      this.#rejected.push({
        type: 'contact:rejected',
        clientId,
        name: displaySafe(contact.name),
        reason: problem,
        source: 'phonebook',
      });
      return undefined;
    }
    const name = contact.name.normalize('NFC');
    const existing = this.#lines.get(clientId);
    if (existing) {
      existing.online = contact.online;
      return existing;
    }
    const line: Line = {
      clientId,
      name,
      online: contact.online,
      verification: this.#initialState(name, clientId),
    };
    this.#lines.set(clientId, line);
    return line;
  }

  #initialState(name: string, clientId: string): ContactVerification {
    const pin = this.#store.contact(name);
    if (!pin) return 'unverified';
    return pin.clientId === clientId ? 'verified' : 'key-changed';
  }
}

function freeze(line: Line): ContactInfo {
  return { clientId: line.clientId, name: line.name, online: line.online, verification: line.verification };
}
