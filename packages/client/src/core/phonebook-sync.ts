/**
 * The phonebook and presence as they follow the relay (docs/protocol.md §4.3 and its "Presence";
 * docs/client.md "Contacts, pins, safety numbers" and "Presence"): WELCOME's page and the pages after it,
 * PHONEBOOK_DELTA, each change reported — refused lines, the alarm for a line whose name is pinned to
 * another key (docs/design.md §4), `phonebook:update` — then PRESENCE_WATCH kept in step with the
 * resolved contacts, and the lines that contradict a pin looked up again (key-lookups.ts).
 */
import type { ControlMessageOf } from '@leitung/wire';
import type { ContactPins } from './contact-pins.js';
import { emit, type ProtocolStep, seal } from './core-steps.js';
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
}

/**
 * Pages and deltas arrive on a registered connection only; the commands that may come while none is
 * (`syncPresence`, `keyAccepted`) are told whether one is. Every method returns its steps for the core.
 */
export class PhonebookSync {
  readonly #options: PhonebookSyncOptions;

  constructor(options: PhonebookSyncOptions) {
    this.#options = options;
  }

  /** A new connection: its relay watches nothing for this client yet, and WELCOME brings the first page. */
  connectionStarted(page: PhonebookPage): ProtocolStep[] {
    this.#options.presence.connectionStarted();
    return this.page(page);
  }

  /** A page of the phonebook: applied, and the next one asked for while the relay has more. */
  page(page: PhonebookPage): ProtocolStep[] {
    const steps = this.#changed(this.#options.phonebook.applyPage(page));
    const next = page.offset + page.contacts.length;
    if (page.contacts.length > 0 && next < page.total) {
      steps.push({
        kind: 'request',
        pending: { kind: 'phonebook' },
        message: { type: 'PHONEBOOK_REQUEST', offset: next, limit: PAGE_LIMIT },
      });
    }
    return steps;
  }

  delta(changes: ControlMessageOf<'PHONEBOOK_DELTA'>['changes']): ProtocolStep[] {
    return this.#changed(this.#options.phonebook.applyDelta(changes));
  }

  /**
   * The user accepted the new key of `name` (after `contact:key-changed`): pinned, calls unblocked, and a
   * watched name now resolves to that key. CLIENT_ERR_INVALID_STATE when no verified new key is known.
   */
  keyAccepted(name: string, connected: boolean, now: number): ProtocolStep[] {
    this.#options.pins.accept(name, now);
    return [
      { kind: 'persist' },
      ...this.syncPresence(connected),
      emit({ type: 'phonebook:update', contacts: this.#options.phonebook.contacts(), changed: [] }),
    ];
  }

  /** PRESENCE_WATCH when `connected` and the resolved set differs from what the relay holds. */
  syncPresence(connected: boolean): ProtocolStep[] {
    if (!connected) return [];
    const ids = this.#options.presence.pending();
    return ids === undefined ? [] : [seal({ type: 'PRESENCE_WATCH', clientIds: ids })];
  }

  #changed(changed: ContactInfo[]): ProtocolStep[] {
    const { phonebook, pins, lookups } = this.#options;
    return [
      ...phonebook.takeRejected().map(emit),
      ...pins.phonebookAlarms(changed).map(emit),
      emit({ type: 'phonebook:update', contacts: phonebook.contacts(), changed }),
      ...this.syncPresence(true),
      ...lookups.refreshChangedPins(changed),
    ];
  }
}
