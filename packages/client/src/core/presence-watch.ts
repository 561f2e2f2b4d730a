/**
 * The contacts whose presence this client asks for (docs/protocol.md "Presence", docs/client.md
 * "Presence"). Relays report a contact online only when both watch each other, so the client names its
 * contacts — by name or client id — and sends the resolved ids in PRESENCE_WATCH after every WELCOME and
 * whenever the resolved set changes. A name resolves to its pinned key first, else to the phonebook line
 * with that name; a name not resolvable yet is retried when the phonebook changes.
 */
import { FIELD_LIMITS } from '@leitung/wire';
import { hexBytes } from '../bytes.js';
import type { ClientStore } from './client-store.js';
import { invalid } from './core-errors.js';
import type { Phonebook } from './phonebook.js';

/**
 * A contact whose presence `Client.watchPresence` asks for: a registered name (resolved to its pinned key,
 * else to the phonebook line of that name) or `{ clientId }` with 64 hex digits (docs/client.md "Presence").
 */
export type PresenceTarget = string | { readonly clientId: string };

export class PresenceWatch {
  readonly #store: ClientStore;
  readonly #phonebook: Phonebook;
  readonly #ownId: string;
  #names: readonly string[] = [];
  #ids: readonly string[] = [];
  /** What the relay of the current connection holds (sorted, joined); undefined = nothing sent yet. */
  #sent: string | undefined;

  constructor(store: ClientStore, phonebook: Phonebook, ownId: string) {
    this.#store = store;
    this.#phonebook = phonebook;
    this.#ownId = ownId;
  }

  /** Replaces the targets; CLIENT_ERR_INVALID_ARGUMENT for a bad target or more than 256. */
  set(targets: readonly PresenceTarget[]): void {
    if (targets.length > FIELD_LIMITS.presenceWatchMaxIds) {
      throw invalid(`at most ${FIELD_LIMITS.presenceWatchMaxIds} contacts can be watched`);
    }
    const names: string[] = [];
    const ids: string[] = [];
    for (const target of targets) {
      if (typeof target === 'string' && target.normalize('NFC').length > 0)
        names.push(target.normalize('NFC'));
      else if (typeof target === 'object' && /^[0-9a-fA-F]{64}$/.test(target?.clientId ?? '')) {
        ids.push(target.clientId.toLowerCase());
      } else throw invalid('watchPresence takes names or { clientId } with 64 hex digits');
    }
    this.#names = names;
    this.#ids = ids;
  }

  /** A new connection: its relay watches nothing for this client yet. */
  connectionStarted(): void {
    this.#sent = undefined;
  }

  /** The ids to send now, or undefined when the relay already holds exactly this set. */
  pending(): Uint8Array[] | undefined {
    const resolved = new Set(this.#ids);
    for (const name of this.#names) {
      const id = this.#store.contact(name)?.clientId ?? this.#phonebook.byName(name)?.clientId;
      if (id !== undefined) resolved.add(id);
    }
    resolved.delete(this.#ownId);
    const ids = [...resolved].sort().slice(0, FIELD_LIMITS.presenceWatchMaxIds);
    const key = ids.join(',');
    // A fresh connection watches nobody: an empty set needs no message.
    if (key === (this.#sent ?? '')) return undefined;
    this.#sent = key;
    return ids.map(hexBytes);
  }
}
