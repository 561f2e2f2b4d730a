/**
 * The last step of a registration (docs/design.md §3 step 5, docs/protocol.md §4.2): the connection
 * becomes its client's established connection — an older connection of the same identity is replaced
 * (`RELAY_ERR_REPLACED`), WELCOME goes out sealed, signalling can deliver to the client, and a new binding
 * is announced to everyone (the directory is public). A login is not broadcast; presence follows only
 * PRESENCE_WATCH (docs/protocol.md "Presence").
 */
import type { SealedChannel } from '@leitung/session';
import type { ControlMessage, DirectoryEntry } from '@leitung/wire';
import { RelayErrorCode } from '../errors.js';
import type { Signalling } from '../signalling/signalling.js';
import type { Connection } from './connection.js';
import type { ConnectionTable } from './connection-table.js';
import type { DirectoryService } from './directory-service.js';
import type { Outbox } from './outbox.js';
import { contactOf } from './phonebook.js';
import type { PresenceNotifier } from './presence-notifier.js';
import type { RelayCoreStats } from './relay-stats.js';
import { fatal, type Replies } from './replies.js';

/** What the handshake established: the sealed channel, the client and the head CHALLENGE showed. */
export interface VerifiedClient {
  readonly channel: SealedChannel;
  readonly clientId: string;
  readonly challengeSize: number;
}

export interface ClientWelcomeOptions {
  readonly connections: ConnectionTable;
  readonly presence: PresenceNotifier;
  readonly directoryService: DirectoryService;
  readonly signalling: Signalling;
  readonly replies: Replies;
  readonly outbox: Outbox;
  readonly stats: RelayCoreStats;
}

export class ClientWelcome {
  readonly #options: ClientWelcomeOptions;

  constructor(options: ClientWelcomeOptions) {
    this.#options = options;
  }

  /** `created`: the binding was appended by this registration (false for a login). */
  welcome(connection: Connection, client: VerifiedClient, entry: DirectoryEntry, created: boolean): void {
    const { connections, replies, stats } = this.#options;
    const previous = connections.established(client.clientId);
    if (previous !== undefined) {
      // The same identity logged in again (e.g. after a network change): the newest connection wins.
      replies.refuse(previous, fatal(RelayErrorCode.Replaced, 'this identity connected again elsewhere'));
    }
    const deliver = (message: ControlMessage) => replies.sendSealed(connection, message);
    connection.phase = {
      kind: 'established',
      channel: client.channel,
      clientId: client.clientId,
      clientIdBytes: entry.clientId,
      name: entry.name,
      deliver,
    };
    connections.establish(connection, client.clientId);
    this.#options.presence.joined(client.clientId);
    stats.handshakesCompleted++;
    if (created) stats.registrations++;
    else stats.logins++;
    const message = this.#options.directoryService.welcome(client.clientId, entry, client.challengeSize);
    replies.sendSealed(connection, message);
    this.#options.signalling.attach(client.clientId, deliver);
    this.#announce(client.clientId, entry, created, message.treeHead.size);
  }

  #announce(clientId: string, entry: DirectoryEntry, created: boolean, size: number): void {
    const { outbox } = this.#options;
    outbox.emit({ type: 'client:registered', clientId, name: entry.name, index: entry.index, created });
    if (created) outbox.emit({ type: 'directory:appended', index: entry.index, size });
    outbox.emit({ type: 'client:online', clientId, name: entry.name });
    if (created) {
      this.#options.signalling.broadcast(
        { type: 'PHONEBOOK_DELTA', changes: [{ kind: 'added', contact: contactOf(entry, false) }] },
        clientId,
      );
    }
  }
}
