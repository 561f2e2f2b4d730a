/**
 * What the other relays of a cluster hand this relay (docs/relay.md "Relay cluster (Redis)",
 * docs/operations.md "Relay cluster"): messages for clients held here, clients of a relay that died, and
 * call messages of clients held elsewhere for calls this relay carries. Presence passes this relay's half of
 * the mutual-watch rule (docs/protocol.md "Presence"); a cluster broadcast never carries presence.
 */

import { toHex } from '@leitung/crypto';
import type { ControlMessage } from '@leitung/wire';
import type { ForwardedCallMessage } from '../signalling/cluster-calls.js';
import type { Signalling } from '../signalling/signalling.js';
import type { CallParty, CallRefusal, CallRouter } from './call-router.js';
import type { Connection } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { PresenceNotifier } from './presence-notifier.js';
import type { Replies } from './replies.js';

/** One client held here, or every client here except one. */
export type ClusterTarget = { readonly clientId: string } | { readonly except: string | undefined };

export interface ClusterAdapterOptions {
  readonly connections: ConnectionTable;
  readonly presence: PresenceNotifier;
  readonly calls: CallRouter;
  readonly signalling: Signalling;
  readonly replies: Replies;
}

export class ClusterAdapter {
  readonly #options: ClusterAdapterOptions;

  constructor(options: ClusterAdapterOptions) {
    this.#options = options;
  }

  /** A message another relay sent for a client of this relay, or for all except one. */
  delivery(target: ClusterTarget, message: ControlMessage): void {
    if ('clientId' in target) {
      const connection = this.#options.connections.established(target.clientId);
      if (connection !== undefined) this.#deliverTo(connection, target.clientId, message);
      return;
    }
    const forward =
      message.type === 'PHONEBOOK_DELTA'
        ? { ...message, changes: message.changes.filter((change) => change.kind === 'added') }
        : message;
    if (forward.type === 'PHONEBOOK_DELTA' && forward.changes.length === 0) return;
    for (const [clientId, connection] of this.#options.connections.clients()) {
      if (clientId !== target.except) this.#options.replies.sendSealed(connection, forward);
    }
  }

  /** The clients of a relay that died are offline; whoever saw them online is told. */
  remoteClientsOffline(clientIds: readonly string[]): void {
    this.#options.presence.remoteOffline(clientIds);
  }

  /**
   * A call message of a client held by another relay, for a call this relay carries. `party` is the
   * identity the other relay authenticated; a refusal goes back to that client as a non-fatal ERROR.
   */
  forwardedCallMessage(party: CallParty, message: ForwardedCallMessage, now: number): void {
    const { calls } = this.#options;
    let refusal: CallRefusal;
    switch (message.type) {
      case 'CALL_RESPONSE':
        refusal = calls.respond(party, message, now);
        break;
      case 'CALL_END':
        refusal = calls.end(party, message);
        break;
      case 'CALL_RESUME':
        refusal = calls.resume(party, message, now, true);
        break;
    }
    if (refusal === undefined) return;
    this.#options.replies.count(refusal.code);
    this.#options.signalling.deliver(party.clientId, {
      type: 'ERROR',
      code: refusal.code,
      message: refusal.message,
      fatal: false,
    });
  }

  /** A presence change is checked against the recipient's half of the rule; anything else is sealed on. */
  #deliverTo(connection: Connection, clientId: string, message: ControlMessage): void {
    if (message.type !== 'PHONEBOOK_DELTA') {
      this.#options.replies.sendSealed(connection, message);
      return;
    }
    for (const change of message.changes) {
      if (change.kind === 'added')
        this.#options.replies.sendSealed(connection, { type: 'PHONEBOOK_DELTA', changes: [change] });
      else
        this.#options.presence.tellHere(clientId, toHex(change.contact.clientId), change.kind === 'online');
    }
  }
}
