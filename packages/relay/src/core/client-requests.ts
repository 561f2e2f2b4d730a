/**
 * What an established client sends over its sealed channel (docs/design.md §3, docs/protocol.md §4):
 * lookups (PING, PHONEBOOK_REQUEST, GET_PUBLIC_KEY, GET_CONSISTENCY), PRESENCE_WATCH, ROTATE_KEY and the
 * call messages, each within its rate limits (docs/relay.md "Limits and their defaults"). A frame that
 * fails to open closes the connection; messages a client may never send are `WIRE_ERR_WRONG_SENDER`.
 */
import { SessionError } from '@leitung/session';
import { type ControlMessage, type ControlMessageOf, MESSAGE_SENDER, WireError } from '@leitung/wire';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { CallParty, CallRefusal, CallRouter } from './call-router.js';
import type { Connection, EstablishedPhase } from './connection.js';
import type { DirectoryService } from './directory-service.js';
import type { CloseReason } from './outputs.js';
import type { Phonebook } from './phonebook.js';
import type { PresenceNotifier } from './presence-notifier.js';
import type { RelayLoadFigures } from './relay-load.js';
import type { RelayCoreStats } from './relay-stats.js';
import { fatal, type Replies } from './replies.js';
import type { RequestBuckets } from './request-buckets.js';

type Lookup = ControlMessageOf<'PING' | 'PHONEBOOK_REQUEST' | 'GET_PUBLIC_KEY' | 'GET_CONSISTENCY'>;
type CallMessage = ControlMessageOf<'CALL_REQUEST' | 'CALL_RESPONSE' | 'CALL_END' | 'CALL_RESUME'>;

export interface ClientRequestsOptions {
  readonly limits: RelayLimits;
  readonly buckets: RequestBuckets;
  readonly directoryService: DirectoryService;
  readonly phonebook: Phonebook;
  readonly presence: PresenceNotifier;
  readonly calls: CallRouter;
  readonly replies: Replies;
  readonly stats: RelayCoreStats;
  /** PONG's coarse load (docs/protocol.md §4.6). */
  readonly publicLoad: () => RelayLoadFigures;
  /** Forgets a connection whose client said it is closing. */
  readonly close: (connection: Connection, reason: CloseReason) => void;
}

export class ClientRequests {
  readonly #options: ClientRequestsOptions;

  constructor(options: ClientRequestsOptions) {
    this.#options = options;
  }

  /** A sealed frame of an established connection. */
  sealedFrame(connection: Connection, phase: EstablishedPhase, payload: Uint8Array, now: number): void {
    const message = this.#open(connection, phase, payload);
    if (message !== undefined) this.#dispatch(connection, phase, message, now);
  }

  #open(connection: Connection, phase: EstablishedPhase, payload: Uint8Array): ControlMessage | undefined {
    const { replies } = this.#options;
    try {
      return phase.channel.open(payload);
    } catch (error) {
      if (error instanceof SessionError) {
        // Tampered, replayed, reordered or injected: nothing after it can be trusted (docs/design.md §3 step 5).
        replies.refuse(connection, fatal(RelayErrorCode.ChannelAuth, 'sealed frame failed authentication'));
        return undefined;
      }
      if (error instanceof WireError) {
        // Authentic but undecodable. An unknown type keeps the channel in sync (docs/protocol.md §8).
        const unknown = error.code === 'WIRE_ERR_UNKNOWN_TYPE';
        replies.refuse(connection, { code: error.code, message: 'undecodable message', fatal: !unknown });
        return undefined;
      }
      throw error;
    }
  }

  #dispatch(connection: Connection, phase: EstablishedPhase, message: ControlMessage, now: number): void {
    if (MESSAGE_SENDER[message.type] === 'relay') {
      this.#wrongSender(connection, message.type);
      return;
    }
    switch (message.type) {
      case 'PING':
      case 'PHONEBOOK_REQUEST':
      case 'GET_PUBLIC_KEY':
      case 'GET_CONSISTENCY':
        this.#lookup(connection, phase, message, now);
        return;
      case 'PRESENCE_WATCH':
        this.#presenceWatch(connection, phase, message.clientIds, now);
        return;
      case 'ROTATE_KEY':
        this.#options.directoryService.rotateKey(connection, phase, message, now);
        return;
      case 'CALL_REQUEST':
      case 'CALL_RESPONSE':
      case 'CALL_END':
      case 'CALL_RESUME':
        this.#call(connection, phase, message, now);
        return;
      case 'ERROR':
        // A client's ERROR is informational; a fatal one means it is about to close.
        if (message.fatal) this.#options.close(connection, 'peer-closed');
        return;
      case 'REGISTER':
      case 'REGISTER_SEALED':
      case 'PROVE':
        this.#options.replies.refuse(
          connection,
          fatal(RelayErrorCode.UnexpectedMessage, 'already registered'),
        );
        return;
      case 'CHALLENGE':
      case 'WELCOME':
      case 'PHONEBOOK_PAGE':
      case 'PHONEBOOK_DELTA':
      case 'PUBLIC_KEY':
      case 'CONSISTENCY':
      case 'INCOMING_CALL':
      case 'MEDIA_GRANT':
      case 'PONG':
        this.#wrongSender(connection, message.type);
        return;
      default:
        assertNever(message);
    }
  }

  #lookup(connection: Connection, phase: EstablishedPhase, message: Lookup, now: number): void {
    const requestId = message.type === 'PING' ? undefined : message.requestId;
    if (!this.#lookupAllowed(connection, phase.clientId, now, requestId)) return;
    const { replies, directoryService } = this.#options;
    switch (message.type) {
      case 'PING':
        replies.sendSealed(connection, {
          type: 'PONG',
          nonce: message.nonce,
          load: this.#options.publicLoad(),
        });
        return;
      case 'PHONEBOOK_REQUEST': {
        const limit = Math.min(message.limit, this.#options.limits.phonebookPageSize);
        const page = this.#options.phonebook.page(phase.clientId, message.offset, limit);
        replies.sendSealed(connection, { type: 'PHONEBOOK_PAGE', requestId: message.requestId, page });
        return;
      }
      case 'GET_PUBLIC_KEY':
        directoryService.publicKey(connection, message.requestId, message.target);
        return;
      case 'GET_CONSISTENCY':
        directoryService.consistency(connection, message.requestId, message.fromSize, message.toSize);
        return;
      default:
        assertNever(message);
    }
  }

  #lookupAllowed(
    connection: Connection,
    clientId: string,
    now: number,
    requestId: number | undefined,
  ): boolean {
    const { buckets } = this.#options;
    if (
      buckets.take('lookupsPerIp', connection.remoteIp, now) &&
      buckets.take('lookupsPerIdentity', clientId, now)
    ) {
      return true;
    }
    this.#options.replies.refuse(connection, {
      code: RelayErrorCode.RateLimited,
      message: 'too many requests',
      fatal: false,
      requestId,
    });
    return false;
  }

  #presenceWatch(
    connection: Connection,
    phase: EstablishedPhase,
    ids: readonly Uint8Array[],
    now: number,
  ): void {
    if (!this.#options.buckets.take('presenceWatchesPerIdentity', phase.clientId, now)) {
      this.#options.replies.refuse(connection, {
        code: RelayErrorCode.RateLimited,
        message: 'too many watch changes',
        fatal: false,
      });
      return;
    }
    this.#options.presence.watch(phase.clientId, ids);
  }

  #call(connection: Connection, phase: EstablishedPhase, message: CallMessage, now: number): void {
    const { calls } = this.#options;
    const party: CallParty = {
      clientId: phase.clientId,
      clientIdBytes: phase.clientIdBytes,
      name: phase.name,
    };
    let refusal: CallRefusal;
    switch (message.type) {
      case 'CALL_REQUEST':
        if (!this.#callAllowed(connection, phase.clientId, now)) return;
        this.#options.stats.callsRequested++;
        refusal = calls.request(party, message, now);
        break;
      case 'CALL_RESPONSE':
        refusal = calls.respond(party, message, now);
        break;
      case 'CALL_END':
        refusal = calls.end(party, message);
        break;
      case 'CALL_RESUME':
        refusal = calls.resume(party, message, now, false);
        break;
      default:
        assertNever(message);
    }
    if (refusal !== undefined) this.#options.replies.refuse(connection, { ...refusal, fatal: false });
  }

  #callAllowed(connection: Connection, clientId: string, now: number): boolean {
    const { buckets } = this.#options;
    if (
      buckets.take('callsPerIp', connection.remoteIp, now) &&
      buckets.take('callsPerIdentity', clientId, now)
    ) {
      return true;
    }
    this.#options.replies.refuse(connection, {
      code: RelayErrorCode.RateLimited,
      message: 'too many calls',
      fatal: false,
    });
    return false;
  }

  #wrongSender(connection: Connection, type: ControlMessage['type']): void {
    this.#options.replies.refuse(
      connection,
      fatal('WIRE_ERR_WRONG_SENDER', `${type} is never sent by a client`),
    );
  }
}

function assertNever(value: never): never {
  throw new RelayError(RelayErrorCode.Internal, `unhandled message ${(value as { type?: string }).type}`);
}
