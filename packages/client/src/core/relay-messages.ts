/**
 * What the relay sends on the sealed channel once registered (docs/protocol.md §4.3–§4.7), routed to the
 * module that handles it — phonebook and presence (phonebook-sync.ts), key lookups (key-lookups.ts), gossip
 * proofs (head-gossip.ts), calls (call-machine.ts) — and what becomes of a request the relay leaves
 * unanswered: an ERROR naming it, its deadline, or the end of the connection fails it where it was made.
 * A message no relay may send after registration, or a fatal ERROR, ends the connection. Every method returns
 * the steps of the modules it routed to, in order, for the core to apply (core-steps.ts).
 */
import type { ControlMessage, ControlMessageOf } from '@leitung/wire';
import { displaySafe } from '../display-safe.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { CallMachine } from './call-machine.js';
import type { ConnectionMachine } from './connection-machine.js';
import type { ReadyConnection } from './connection-state.js';
import type { CoreStep } from './core-steps.js';
import { gossipConsistency, gossipFailed } from './head-gossip.js';
import type { KeyLookups } from './key-lookups.js';
import type { PhonebookSync } from './phonebook-sync.js';
import type { Pending } from './relay-requests.js';
import type { RequestTable } from './request-table.js';

/** What the call machine takes from the relay. */
export type CallMessages = Pick<
  CallMachine,
  'incoming' | 'onCallResponse' | 'onCallEnd' | 'onMediaGrant' | 'relayRefused'
>;

export interface RelayMessagesOptions {
  readonly requests: RequestTable<Pending>;
  /** The connection, read for a gossip proof that failed: evidence only while still on it. */
  readonly control: Pick<ConnectionMachine, 'state'>;
  readonly phonebook: PhonebookSync;
  readonly lookups: KeyLookups;
  readonly calls: CallMessages;
}

export class RelayMessages {
  readonly #options: RelayMessagesOptions;

  constructor(options: RelayMessagesOptions) {
    this.#options = options;
  }

  /** A message a relay may send, opened from the sealed channel of `c`. */
  handle(c: ReadyConnection, message: ControlMessage, now: number): CoreStep[] {
    try {
      return this.#route(c, message, now);
    } catch (error) {
      return [{ kind: 'fail', error }];
    }
  }

  /** Fails the requests whose deadline has passed. */
  expire(now: number): CoreStep[] {
    const error = (): Error => new ClientError(ClientErrorCode.Timeout, 'the relay did not answer in time');
    return this.#options.requests.expired(now).flatMap((pending) => this.#failed(pending, error(), now));
  }

  /** The connection is gone: every request with it. */
  dropAll(now: number): CoreStep[] {
    return this.#options.requests
      .drain()
      .flatMap((pending) => this.#failed(pending, connectionClosed(), now));
  }

  /**
   * A request that comes when no connection is ready — one that waited for the identity key (a rotation's
   * signature) while the connection dropped: it fails at once, as if it had been sent and dropped, instead
   * of waiting in the table for the request timeout.
   */
  unsendable(pending: Pending, now: number): CoreStep[] {
    return this.#failed(pending, connectionClosed(), now);
  }

  #route(c: ReadyConnection, message: ControlMessage, now: number): CoreStep[] {
    const { requests, phonebook, calls } = this.#options;
    switch (message.type) {
      case 'PHONEBOOK_PAGE':
        return requests.take(message.requestId) ? phonebook.page(message.page) : [];
      case 'PHONEBOOK_DELTA':
        return phonebook.delta(message.changes);
      case 'PUBLIC_KEY':
        return this.#onPublicKey(c, message, now);
      case 'CONSISTENCY':
        return this.#onConsistency(c, message, now);
      case 'INCOMING_CALL':
        return calls.incoming(message, now);
      case 'CALL_RESPONSE':
        return calls.onCallResponse(message, now);
      case 'CALL_END':
        return calls.onCallEnd(message, now);
      case 'MEDIA_GRANT':
        return calls.onMediaGrant(message, now);
      case 'ERROR':
        return this.#onError(message, now);
      case 'WELCOME':
      case 'CHALLENGE':
        throw new ClientError(ClientErrorCode.Protocol, `${message.type} after registration`);
      case 'REGISTER':
      case 'REGISTER_SEALED':
      case 'PROVE':
      case 'PHONEBOOK_REQUEST':
      case 'GET_PUBLIC_KEY':
      case 'GET_CONSISTENCY':
      case 'ROTATE_KEY':
      case 'CALL_REQUEST':
      case 'CALL_RESUME':
      case 'PRESENCE_WATCH':
      case 'PING':
        // Filtered by the ConnectionMachine's sender check; listed so the switch stays exhaustive.
        return [];
      case 'PONG':
        // The keepalive's, answered in the ConnectionMachine.
        return [];
    }
  }

  /** PUBLIC_KEY answers a key lookup. */
  #onPublicKey(c: ReadyConnection, message: ControlMessageOf<'PUBLIC_KEY'>, now: number): CoreStep[] {
    const pending = this.#options.requests.take(message.requestId);
    if (pending?.kind === 'lookup') return this.#options.lookups.onPublicKey(c, pending, message, now);
    return pending ? this.#answersAnother(pending, 'PUBLIC_KEY', now) : [];
  }

  /** CONSISTENCY answers a looked-up head or a gossiped one. */
  #onConsistency(c: ReadyConnection, message: ControlMessageOf<'CONSISTENCY'>, now: number): CoreStep[] {
    const pending = this.#options.requests.take(message.requestId);
    if (pending?.kind === 'consistency') return this.#options.lookups.onConsistency(c, pending, message, now);
    if (pending?.kind === 'gossip') return gossipConsistency(c, pending, message);
    return pending ? this.#answersAnother(pending, 'CONSISTENCY', now) : [];
  }

  #answersAnother(pending: Pending, type: 'PUBLIC_KEY' | 'CONSISTENCY', now: number): CoreStep[] {
    return this.#failed(
      pending,
      new ClientError(ClientErrorCode.Protocol, `${type} answers another request`),
      now,
    );
  }

  #onError(message: ControlMessageOf<'ERROR'>, now: number): CoreStep[] {
    const error = new ClientError(ClientErrorCode.RelayError, `relay error ${displaySafe(message.code)}`, {
      relayCode: message.code,
    });
    const steps: CoreStep[] = [];
    if (message.requestId !== undefined) {
      const pending = this.#options.requests.take(message.requestId);
      if (pending) steps.push(...this.#failed(pending, error, now));
    } else if (!message.fatal) {
      steps.push(...this.#options.calls.relayRefused(error, now));
    }
    if (message.fatal) steps.push({ kind: 'fail', error });
    return steps;
  }

  #failed(pending: Pending, error: Error, now: number): CoreStep[] {
    switch (pending.kind) {
      case 'phonebook':
        return [];
      case 'gossip': {
        // Evidence only while on the connection that was asked (a lost connection proves nothing).
        const c = this.#options.control.state;
        return c.kind === 'ready' ? gossipFailed(c, pending, error) : [];
      }
      case 'lookup':
      case 'consistency':
        return this.#options.lookups.failed(pending.purpose, error, now);
    }
  }
}

function connectionClosed(): Error {
  return new ClientError(ClientErrorCode.ConnectionClosed, 'connection closed');
}
