/**
 * Phonebook (docs/design.md §3 step 6): pages on request, deltas pushed by the relay. Contacts carry an id,
 * a name and a presence bit — never an address (docs/lessons.md #21). Presence is not broadcast: a client names
 * the contacts it watches (PRESENCE_WATCH) and sees a contact online only when both watch each other
 * (docs/protocol.md "Presence").
 */
import { bytes, enumOf, list, struct, u16, u32 } from '../codec/schema.js';
import { FIELD_LIMITS as L } from './field-limits.js';
import { defineMessage } from './message-definition.js';
import { type Contact, contactSchema, type PhonebookPage, phonebookPageSchema } from './shared-structs.js';

/** Client → relay. Asks for a window of the phonebook. */
export interface PhonebookRequest {
  type: 'PHONEBOOK_REQUEST';
  /** Echoed in the PHONEBOOK_PAGE that answers. u32. */
  requestId: number;
  /** Position of the first contact wanted. u32. */
  offset: number;
  /** Most contacts wanted; the relay sends at most 256 whatever is asked. u16. */
  limit: number;
}

export const phonebookRequestMessage = defineMessage<PhonebookRequest>()(
  'PHONEBOOK_REQUEST',
  'client',
  struct({ requestId: u32, offset: u32, limit: u16 }),
);

/** Relay → client. Answers a PHONEBOOK_REQUEST. */
export interface PhonebookPageMessage {
  type: 'PHONEBOOK_PAGE';
  /** The request's `requestId`. u32. */
  requestId: number;
  /** The window asked for. */
  page: PhonebookPage;
}

export const phonebookPageMessage = defineMessage<PhonebookPageMessage>()(
  'PHONEBOOK_PAGE',
  'relay',
  struct({ requestId: u32, page: phonebookPageSchema }),
);

/** What happened to a contact. */
export type PhonebookChangeKind = 'added' | 'online' | 'offline' | 'rotated';

/** One change in a PHONEBOOK_DELTA. */
export interface PhonebookChange {
  /**
   * `added`: a new directory entry; `online`/`offline`: a presence change; `rotated`: the contact's name
   * now has this key (docs/key-transparency.md, "Key rotation"), and the line of its old key is gone.
   */
  kind: PhonebookChangeKind;
  /** The contact as it is after the change. */
  contact: Contact;
}

/** Relay → client, unsolicited. Changes since the last page or delta. */
export interface PhonebookDelta {
  type: 'PHONEBOOK_DELTA';
  /** Changes in the order they happened. ≤ 256. */
  changes: readonly PhonebookChange[];
}

export const phonebookDeltaMessage = defineMessage<PhonebookDelta>()(
  'PHONEBOOK_DELTA',
  'relay',
  struct({
    changes: list(
      struct({ kind: enumOf(['added', 'online', 'offline', 'rotated']), contact: contactSchema }),
      L.phonebookDeltaMaxChanges,
    ),
  }),
);

/**
 * Client → relay. The complete set of contacts whose presence this client wants; replaces the previous set
 * (an empty list watches nobody). The relay reports a contact `online`/`offline` only while the contact
 * watches this client too (docs/protocol.md "Presence").
 */
export interface PresenceWatch {
  type: 'PRESENCE_WATCH';
  /** Client ids (32 bytes each), no duplicates needed. ≤ 256. */
  clientIds: readonly Uint8Array[];
}

export const presenceWatchMessage = defineMessage<PresenceWatch>()(
  'PRESENCE_WATCH',
  'client',
  struct({ clientIds: list(bytes(L.clientIdBytes), L.presenceWatchMaxIds) }),
);
