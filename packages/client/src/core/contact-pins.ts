/**
 * Contact key pinning (docs/design.md §4: "clients also pin contact keys and raise an alarm when one
 * changes"): the first verified key of a name is pinned in the store; a later verified key that differs
 * is held back — calls to and from that contact are refused — until the user accepts it. A phonebook line
 * whose name is pinned to another id raises the alarm too (it proves nothing, but is worth knowing).
 */
import { ClientError, ClientErrorCode } from '../errors.js';
import type { ClientStore } from './client-store.js';
import type { ContactInfo, ContactKeyChangedEvent, ContactKeyRotatedEvent } from './events.js';
import type { Phonebook } from './phonebook.js';

export interface PinOutcome {
  readonly contact: ContactInfo;
  /** Set when the verified key differs from the pinned one (and the pinned key did not sign the change). */
  readonly alarm: ContactKeyChangedEvent | undefined;
  /** Set when the pinned key signed a rotation to the verified key: it is pinned now. */
  readonly notice: ContactKeyRotatedEvent | undefined;
  /** True when the store changed (persist it). */
  readonly stored: boolean;
}

export class ContactPins {
  readonly #store: ClientStore;
  readonly #phonebook: Phonebook;
  /** Verified keys that differ from the pin, by name, until accepted. */
  readonly #changed = new Map<string, { clientId: string; publicKey: Uint8Array }>();

  constructor(store: ClientStore, phonebook: Phonebook) {
    this.#store = store;
    this.#phonebook = phonebook;
  }

  /**
   * Records a verified key for `name`: pins it on first use, flags it when it differs from the pin. With
   * `rotatesPin` (the caller checked that the pinned key signed a rotation to this key) the new key
   * replaces the pin with a notice instead (docs/key-transparency.md, "Key rotation").
   */
  verified(
    name: string,
    clientId: string,
    publicKey: Uint8Array,
    now: number,
    rotatesPin = false,
  ): PinOutcome {
    const pin = this.#store.contact(name);
    if (!pin || (rotatesPin && pin.clientId !== clientId)) {
      this.#store.pinContact({ name, clientId, publicKey, pinnedAt: now });
      this.#changed.delete(name);
      this.#phonebook.flagConflicts(name, clientId);
      return {
        contact: this.#phonebook.setVerification(clientId, name, 'verified'),
        alarm: undefined,
        notice: pin
          ? { type: 'contact:key-rotated', name, previousClientId: pin.clientId, clientId }
          : undefined,
        stored: true,
      };
    }
    if (pin.clientId === clientId) {
      return {
        contact: this.#phonebook.setVerification(clientId, name, 'verified'),
        alarm: undefined,
        notice: undefined,
        stored: false,
      };
    }
    this.#changed.set(name, { clientId, publicKey });
    return {
      contact: this.#phonebook.setVerification(clientId, name, 'key-changed'),
      alarm: {
        type: 'contact:key-changed',
        name,
        pinnedClientId: pin.clientId,
        newClientId: clientId,
        source: 'lookup',
      },
      notice: undefined,
      stored: false,
    };
  }

  /** True while a verified key of `name` differs from its pin (calls are blocked). */
  blocked(name: string): boolean {
    return this.#changed.has(name);
  }

  /** Pins the held-back key of `name`; CLIENT_ERR_INVALID_STATE when there is none. */
  accept(name: string, now: number): void {
    const changed = this.#changed.get(name);
    if (!changed) {
      throw new ClientError(
        ClientErrorCode.InvalidState,
        'no verified new key for this contact: look it up first',
      );
    }
    this.#store.pinContact({ name, clientId: changed.clientId, publicKey: changed.publicKey, pinnedAt: now });
    this.#changed.delete(name);
    this.#phonebook.flagConflicts(name, changed.clientId);
  }

  /** Alarms for phonebook lines whose name is pinned to another id. */
  phonebookAlarms(changed: readonly ContactInfo[]): ContactKeyChangedEvent[] {
    const alarms: ContactKeyChangedEvent[] = [];
    for (const contact of changed) {
      if (contact.verification !== 'key-changed') continue;
      const pin = this.#store.contact(contact.name);
      if (!pin) continue;
      alarms.push({
        type: 'contact:key-changed',
        name: contact.name,
        pinnedClientId: pin.clientId,
        newClientId: contact.clientId,
        source: 'phonebook',
      });
    }
    return alarms;
  }
}
