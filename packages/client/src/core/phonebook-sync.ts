/**
 * The phonebook and presence as they follow the relay (docs/protocol.md §4.3 and its "Presence";
 * docs/client.md "Contacts, pins, safety numbers" and "Presence"): WELCOME's page and the pages after it,
 * PHONEBOOK_DELTA, each change reported — refused lines, the alarm for a line whose name is pinned to
 * another key (docs/design.md §4), `phonebook:update` — then PRESENCE_WATCH kept in step with the
 * resolved contacts, and the lines that contradict a pin looked up again (key-lookups.ts).
 */
import type { ControlMessageOf } from '@leitung/wire';
import type { ContactPins } from './contact-pins.js';
import type { CoreLink } from './core-link.js';
import type { ContactInfo } from './events.js';
import type { KeyLookups } from './key-lookups.js';
import type { Phonebook } from './phonebook.js';
import type { PresenceWatch } from './presence-watch.js';

export type PhonebookPage = ControlMessageOf<'PHONEBOOK_PAGE'>['page'];

/** Contacts asked for per PHONEBOOK_REQUEST. */
const PAGE_LIMIT = 256;

export interface PhonebookSyncOptions {
  readonly phonebook: Phonebook;
  readonly pins: ContactPins;
  readonly presence: PresenceWatch;
  readonly lookups: Pick<KeyLookups, 'refreshChangedPins'>;
  readonly link: CoreLink;
}

export class PhonebookSync {
  readonly #options: PhonebookSyncOptions;
  readonly #link: CoreLink;

  constructor(options: PhonebookSyncOptions) {
    this.#options = options;
    this.#link = options.link;
  }

  /** A new connection: its relay watches nothing for this client yet, and WELCOME brings the first page. */
  connectionStarted(page: PhonebookPage, now: number): void {
    this.#options.presence.connectionStarted();
    this.page(page, now);
  }

  /** A page of the phonebook: applied, and the next one asked for while the relay has more. */
  page(page: PhonebookPage, now: number): void {
    this.#changed(this.#options.phonebook.applyPage(page), now);
    const next = page.offset + page.contacts.length;
    if (page.contacts.length > 0 && next < page.total) {
      this.#link.request({ kind: 'phonebook' }, now, {
        type: 'PHONEBOOK_REQUEST',
        offset: next,
        limit: PAGE_LIMIT,
      });
    }
  }

  delta(changes: ControlMessageOf<'PHONEBOOK_DELTA'>['changes'], now: number): void {
    this.#changed(this.#options.phonebook.applyDelta(changes), now);
  }

  /**
   * The user accepted the new key of `name` (after `contact:key-changed`): pinned, calls unblocked, and a
   * watched name now resolves to that key. CLIENT_ERR_INVALID_STATE when no verified new key is known.
   */
  keyAccepted(name: string, now: number): void {
    this.#options.pins.accept(name, now);
    this.#link.persist();
    this.syncPresence(now);
    this.#link.emit({ type: 'phonebook:update', contacts: this.#options.phonebook.contacts(), changed: [] });
  }

  /** Sends PRESENCE_WATCH when the resolved set differs from what the relay holds. */
  syncPresence(now: number): void {
    if (!this.#link.connected()) return;
    const ids = this.#options.presence.pending();
    if (ids !== undefined) this.#link.sendSealed({ type: 'PRESENCE_WATCH', clientIds: ids }, now);
  }

  #changed(changed: ContactInfo[], now: number): void {
    const { phonebook, pins, lookups } = this.#options;
    for (const rejected of phonebook.takeRejected()) this.#link.emit(rejected);
    for (const alarm of pins.phonebookAlarms(changed)) this.#link.emit(alarm);
    this.#link.emit({ type: 'phonebook:update', contacts: phonebook.contacts(), changed });
    this.syncPresence(now);
    if (this.#link.connected()) lookups.refreshChangedPins(changed, now);
  }
}
