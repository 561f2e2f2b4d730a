/**
 * Presence changes (docs/protocol.md "Presence"): `online` / `offline` reach a client only for contacts it
 * watches (PRESENCE_WATCH) that watch it back. The rule has two halves — the subject's (it watches the
 * recipient) and the recipient's (it watches the subject back) — and in a cluster each is checked by the
 * relay that holds that client; {@link PresenceTable} keeps this relay's halves. Nothing here is O(clients
 * online): a login, logout or watch change costs O(size of one watch set).
 */

import { fromHex, toHex } from '@leitung/crypto';
import type { KeyDirectory } from '../directory/key-directory.js';
import type { Signalling } from '../signalling/signalling.js';
import type { ConnectionTable } from './connection-table.js';
import { contactOf } from './phonebook.js';
import type { PresenceTable } from './presence-table.js';
import type { Replies } from './replies.js';

export interface PresenceNotifierOptions {
  readonly table: PresenceTable;
  readonly connections: ConnectionTable;
  readonly directory: KeyDirectory;
  readonly signalling: Signalling;
  readonly replies: Replies;
}

export class PresenceNotifier {
  readonly #table: PresenceTable;
  readonly #connections: ConnectionTable;
  readonly #directory: KeyDirectory;
  readonly #signalling: Signalling;
  readonly #replies: Replies;

  constructor(options: PresenceNotifierOptions) {
    this.#table = options.table;
    this.#connections = options.connections;
    this.#directory = options.directory;
    this.#signalling = options.signalling;
    this.#replies = options.replies;
  }

  /** A client was established here: it watches nobody until its PRESENCE_WATCH. */
  joined(clientId: string): void {
    this.#table.join(clientId);
  }

  /** A client's connection here is gone: only those who were told it was online hear that it is gone. */
  left(clientId: string): void {
    const watched = this.#table.leave(clientId);
    if (this.#signalling.isOnline(clientId)) return;
    for (const recipient of watched) this.tellFor(recipient, clientId, false);
  }

  /** A PRESENCE_WATCH: the new set replaces the old; whoever the change concerns is told. */
  watch(clientId: string, ids: readonly Uint8Array[]): void {
    const { added, removed } = this.#table.setWatching(
      clientId,
      ids.map((id) => toHex(id)),
    );
    for (const subject of removed) {
      // Neither side sees the other any more.
      this.tellHere(clientId, subject, false);
      this.tellFor(subject, clientId, false);
    }
    // clientId watches each added contact: its half of the rule holds; the contact's relay checks the other.
    // The `offline` first resets what the contact was told about an earlier connection of clientId that
    // another relay of a cluster has not noticed closing yet (a no-op otherwise), so the `online` is news
    // there and is answered with the contact's own presence.
    for (const subject of added) {
      this.tellFor(subject, clientId, false);
      this.tellFor(subject, clientId, true);
    }
  }

  /** Relay cluster: clients of a relay that died are offline for whoever here saw them online. */
  remoteOffline(clientIds: readonly string[]): void {
    for (const clientId of clientIds) {
      if (this.#signalling.isOnline(clientId)) continue;
      for (const recipient of this.#table.toldAbout(clientId)) this.tellHere(recipient, clientId, false);
    }
  }

  /**
   * Tells `recipient` that `subject` is online or offline. The caller guarantees the subject's half of the
   * rule (`subject` watches `recipient`) for `online`; the relay that holds `recipient` checks the other.
   */
  tellFor(recipient: string, subject: string, online: boolean): void {
    if (this.#connections.hasClient(recipient)) {
      this.tellHere(recipient, subject, online);
      return;
    }
    if (!this.#signalling.isOnline(recipient)) return;
    const entry = this.#directory.entryByClientId(fromHex(subject));
    if (entry === undefined) return;
    // Relay cluster: the recipient's relay applies its half in clusterDelivery.
    this.#signalling.deliver(recipient, {
      type: 'PHONEBOOK_DELTA',
      changes: [{ kind: online ? 'online' : 'offline', contact: contactOf(entry, online) }],
    });
  }

  /** `recipient` is connected here: its half of the rule, then the change (and the mutual answer). */
  tellHere(recipient: string, subject: string, online: boolean): void {
    const connection = this.#connections.established(recipient);
    if (connection === undefined) return;
    const told = online
      ? this.#table.tellOnline(recipient, subject)
      : this.#table.tellOffline(recipient, subject);
    if (!told) return;
    const entry = this.#directory.entryByClientId(fromHex(subject));
    if (entry === undefined) return;
    this.#replies.sendSealed(connection, {
      type: 'PHONEBOOK_DELTA',
      changes: [{ kind: online ? 'online' : 'offline', contact: contactOf(entry, online) }],
    });
    // Mutual: the recipient watches the subject, so the subject may see the recipient (if it watches back).
    if (online) this.tellFor(subject, recipient, true);
  }
}
