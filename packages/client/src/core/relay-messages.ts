/**
 * What the relay sends on the sealed channel once registered (docs/protocol.md §4.3–§4.7), routed to the
 * module that handles it — phonebook and presence (phonebook-sync.ts), key lookups (key-lookups.ts), gossip
 * proofs (head-gossip.ts), calls (call-machine.ts) — and what becomes of a request the relay leaves
 * unanswered: an ERROR naming it, its deadline, or the end of the connection fails it where it was made.
 * A message no relay may send after registration, or a fatal ERROR, ends the connection.
 */
import type { ControlMessage, ControlMessageOf } from '@leitung/wire';
import { displaySafe } from '../display-safe.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { CallMachine } from './call-machine.js';
import type { ConnectionMachine } from './connection-machine.js';
import type { ReadyConnection } from './connection-state.js';
import type { HeadGossip } from './head-gossip.js';
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
  readonly control: Pick<ConnectionMachine, 'state' | 'fail'>;
  readonly phonebook: PhonebookSync;
  readonly lookups: KeyLookups;
  readonly gossip: HeadGossip;
  readonly calls: CallMessages;
}

export class RelayMessages {
  readonly #options: RelayMessagesOptions;

  constructor(options: RelayMessagesOptions) {
    this.#options = options;
  }

  /** A message a relay may send, opened from the sealed channel of `c`. */
  handle(c: ReadyConnection, message: ControlMessage, now: number): void {
    const { requests, phonebook, calls } = this.#options;
    try {
      switch (message.type) {
        case 'PHONEBOOK_PAGE':
          if (requests.take(message.requestId)) phonebook.page(message.page, now);
          return;
        case 'PHONEBOOK_DELTA':
          phonebook.delta(message.changes, now);
          return;
        case 'PUBLIC_KEY':
          this.#onPublicKey(c, message, now);
          return;
        case 'CONSISTENCY':
          this.#onConsistency(c, message, now);
          return;
        case 'INCOMING_CALL':
          calls.incoming(message, now);
          return;
        case 'CALL_RESPONSE':
          calls.onCallResponse(message, now);
          return;
        case 'CALL_END':
          calls.onCallEnd(message, now);
          return;
        case 'MEDIA_GRANT':
          calls.onMediaGrant(message, now);
          return;
        case 'ERROR':
          this.#onError(message, now);
          return;
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
          return;
        case 'PONG':
          // The keepalive's, answered in the ConnectionMachine.
          return;
      }
    } catch (error) {
      this.#options.control.fail(error, now);
    }
  }

  /** Fails the requests whose deadline has passed. */
  expire(now: number): void {
    for (const pending of this.#options.requests.expired(now)) {
      this.#failed(
        pending,
        new ClientError(ClientErrorCode.Timeout, 'the relay did not answer in time'),
        now,
      );
    }
  }

  /** The connection is gone: every request with it. */
  dropAll(now: number): void {
    for (const pending of this.#options.requests.drain()) {
      this.#failed(pending, new ClientError(ClientErrorCode.ConnectionClosed, 'connection closed'), now);
    }
  }

  /** PUBLIC_KEY answers a key lookup. */
  #onPublicKey(c: ReadyConnection, message: ControlMessageOf<'PUBLIC_KEY'>, now: number): void {
    const pending = this.#options.requests.take(message.requestId);
    if (pending?.kind === 'lookup') this.#options.lookups.onPublicKey(c, pending, message, now);
    else if (pending) this.#answersAnother(pending, 'PUBLIC_KEY', now);
  }

  /** CONSISTENCY answers a looked-up head or a gossiped one. */
  #onConsistency(c: ReadyConnection, message: ControlMessageOf<'CONSISTENCY'>, now: number): void {
    const pending = this.#options.requests.take(message.requestId);
    if (pending?.kind === 'consistency') this.#options.lookups.onConsistency(c, pending, message, now);
    else if (pending?.kind === 'gossip') this.#options.gossip.onConsistency(c, pending, message);
    else if (pending) this.#answersAnother(pending, 'CONSISTENCY', now);
  }

  #answersAnother(pending: Pending, type: 'PUBLIC_KEY' | 'CONSISTENCY', now: number): void {
    this.#failed(pending, new ClientError(ClientErrorCode.Protocol, `${type} answers another request`), now);
  }

  #onError(message: ControlMessageOf<'ERROR'>, now: number): void {
    const error = new ClientError(ClientErrorCode.RelayError, `relay error ${displaySafe(message.code)}`, {
      relayCode: message.code,
    });
    if (message.requestId !== undefined) {
      const pending = this.#options.requests.take(message.requestId);
      if (pending) this.#failed(pending, error, now);
    } else if (!message.fatal) {
      this.#options.calls.relayRefused(error, now);
    }
    if (message.fatal) this.#options.control.fail(error, now);
  }

  #failed(pending: Pending, error: Error, now: number): void {
    switch (pending.kind) {
      case 'phonebook':
        return;
      case 'gossip': {
        // Evidence only while on the connection that was asked (a lost connection proves nothing).
        const c = this.#options.control.state;
        if (c.kind === 'ready') this.#options.gossip.failed(c, pending, error);
        return;
      }
      case 'lookup':
      case 'consistency':
        this.#options.lookups.failed(pending.purpose, error, now);
        return;
    }
  }
}
