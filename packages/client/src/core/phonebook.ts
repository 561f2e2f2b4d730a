/**
 * The client's phonebook (docs/design.md §3 step 6): the first page from WELCOME, further pages on request and
 * live deltas. Contacts carry their verification state: a phonebook line alone proves nothing (the relay
 * could invent it), so a contact is "verified" only after a key lookup with an inclusion proof, and a
 * line whose name is pinned to another key is flagged "key-changed" at once.
 */
import { nameKey, nameProblem } from '@leitung/session';
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
  #appended = 0;
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

  /**
   * Directory entries the relay pushed as appended since this phonebook began (`added` and `rotated`
   * changes): a tree head accepted before the last of them is no longer the newest.
   */
  get appended(): number {
    return this.#appended;
  }

  get size(): number {
    return this.#lines.size;
  }

  /**
   * Applies a page; returns the lines it added or changed. A page shows each name's current key, which may
   * be a rotation made while this client was away: a line whose name is pinned to another key stays
   * `unverified` until a lookup decides between rotation and key change (the core starts one).
   */
  applyPage(page: PhonebookPage): ContactInfo[] {
    this.#total = page.total;
    const changed: ContactInfo[] = [];
    for (const contact of page.contacts) {
      const line = this.#upsert(contact, 'unverified');
      if (line) changed.push(freeze(line));
    }
    return changed;
  }

  /**
   * Applies pushed changes; returns the lines they added or changed. A `rotated` change replaces the line of
   * the name's old key (docs/key-transparency.md, "Key rotation"); the new line stays `unverified` — not
   * `key-changed` — until a lookup checks the rotation against the pin (the core starts one).
   */
  applyDelta(changes: readonly PhonebookChange[]): ContactInfo[] {
    const changed: ContactInfo[] = [];
    for (const change of changes) {
      if (change.kind === 'added') this.#total += 1;
      if (change.kind === 'added' || change.kind === 'rotated') this.#appended += 1;
      if (change.kind === 'rotated') this.#dropOtherKeysOf(change.contact);
      const line = this.#upsert(change.contact, change.kind === 'rotated' ? 'unverified' : 'key-changed');
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

  /** Removes the lines of `contact`'s name (folded) that belong to another key. */
  #dropOtherKeysOf(contact: Contact): void {
    const clientId = toHex(contact.clientId);
    const folded = nameKey(contact.name);
    for (const [id, line] of this.#lines) {
      if (id !== clientId && nameKey(line.name) === folded) this.#lines.delete(id);
    }
  }

  /** `pinMismatch`: the state of a new line whose name is pinned to another key (default `key-changed`). */
  #upsert(contact: Contact, pinMismatch: ContactVerification = 'key-changed'): Line | undefined {
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
      verification: this.#initialState(name, clientId, pinMismatch),
    };
    this.#lines.set(clientId, line);
    return line;
  }

  #initialState(name: string, clientId: string, pinMismatch: ContactVerification): ContactVerification {
    const pin = this.#store.contact(name);
    if (!pin) return 'unverified';
    return pin.clientId === clientId ? 'verified' : pinMismatch;
  }
}

function freeze(line: Line): ContactInfo {
  return { clientId: line.clientId, name: line.name, online: line.online, verification: line.verification };
}
