/**
 * How the modules of the relay core are wired together (docs/relay.md "Architecture"). `RelayCore` owns the
 * shared state — limits, directory, signalling, media router, counters, the outbox and the blocklist — and
 * hands it in here; each module gets only what it uses, so a module's options say what it depends on.
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import type { KeyDirectory } from '../directory/key-directory.js';
import type { RelayLimits } from '../limits.js';
import type { MediaRouter } from '../media/media-router.js';
import { RegistrationBudget } from '../protection/registration-budget.js';
import type { ClusterCalls } from '../signalling/cluster-calls.js';
import type { Signalling } from '../signalling/signalling.js';
import type { BlockPolicy } from './block-policy.js';
import { CallRouter } from './call-router.js';
import { ClientRequests } from './client-requests.js';
import { ClusterAdapter } from './cluster-adapter.js';
import type { Connection } from './connection.js';
import { ConnectionTable } from './connection-table.js';
import { DirectoryService } from './directory-service.js';
import type { Outbox } from './outbox.js';
import type { CloseReason } from './outputs.js';
import { Phonebook } from './phonebook.js';
import { PresenceNotifier } from './presence-notifier.js';
import { PresenceTable } from './presence-table.js';
import { Registration } from './registration.js';
import type { RelayLoadFigures } from './relay-load.js';
import type { RelayCoreStats } from './relay-stats.js';
import { Replies } from './replies.js';
import { RequestBuckets } from './request-buckets.js';
import { ClientWelcome } from './welcome.js';

/** The state `RelayCore` owns, and the few things only it can answer. */
export interface CoreShared {
  readonly crypto: LeitungCrypto;
  readonly privateKey: RsaPrivateKey;
  readonly limits: RelayLimits;
  readonly directory: KeyDirectory;
  readonly signalling: Signalling;
  readonly media: MediaRouter;
  readonly stats: RelayCoreStats;
  readonly outbox: Outbox;
  readonly asyncAppend: boolean;
  readonly offloadKeyOperations: boolean;
  readonly clusterCalls: ClusterCalls | undefined;
  /** The current blocklist (replaced on SIGHUP). */
  readonly blocklist: () => BlockPolicy;
  /** PONG's coarse load (docs/protocol.md §4.6). */
  readonly publicLoad: () => RelayLoadFigures;
  /** Removes every trace of a connection and closes it. */
  readonly close: (connection: Connection, reason: CloseReason) => void;
}

/** The modules `RelayCore` routes its inputs to. */
export interface CoreModules {
  readonly connections: ConnectionTable;
  readonly buckets: RequestBuckets;
  readonly replies: Replies;
  readonly calls: CallRouter;
  readonly presence: PresenceNotifier;
  readonly registration: Registration;
  readonly requests: ClientRequests;
  readonly cluster: ClusterAdapter;
}

/** What every client-facing module may need besides the shared state. */
interface Foundation {
  readonly connections: ConnectionTable;
  readonly buckets: RequestBuckets;
  readonly replies: Replies;
  readonly calls: CallRouter;
  readonly presence: PresenceNotifier;
  readonly phonebook: Phonebook;
  readonly budget: RegistrationBudget;
  readonly directoryService: DirectoryService;
}

export function assembleCore(shared: CoreShared): CoreModules {
  const base = foundation(shared);
  const { connections, buckets, replies, calls, presence, phonebook, directoryService } = base;
  const { signalling, outbox, stats } = shared;
  const welcome = new ClientWelcome({
    connections,
    presence,
    directoryService,
    signalling,
    replies,
    outbox,
    stats,
  });
  const registration = new Registration({
    crypto: shared.crypto,
    privateKey: shared.privateKey,
    directory: shared.directory,
    blocklist: shared.blocklist,
    publicLoad: shared.publicLoad,
    asyncAppend: shared.asyncAppend,
    offloadKeyOperations: shared.offloadKeyOperations,
    outbox,
    directoryService,
    connections,
    buckets,
    budget: base.budget,
    welcome,
    replies,
  });
  const requests = new ClientRequests({
    limits: shared.limits,
    publicLoad: shared.publicLoad,
    close: shared.close,
    stats,
    buckets,
    directoryService,
    phonebook,
    presence,
    calls,
    replies,
  });
  const cluster = new ClusterAdapter({ connections, presence, calls, signalling, replies });
  return { connections, buckets, replies, calls, presence, registration, requests, cluster };
}

function foundation(shared: CoreShared): Foundation {
  const { limits, directory, signalling, media, stats, outbox } = shared;
  const connections = new ConnectionTable(limits);
  const replies = new Replies({ outbox, stats, close: shared.close });
  const calls = new CallRouter({
    media,
    signalling,
    limits,
    emit: (event) => outbox.emit(event),
    ...(shared.clusterCalls === undefined ? {} : { cluster: shared.clusterCalls }),
  });
  const presenceTable = new PresenceTable();
  const presence = new PresenceNotifier({
    table: presenceTable,
    connections,
    directory,
    signalling,
    replies,
  });
  const phonebook = new Phonebook(directory, presenceTable);
  // Starts full: a bucket created at time 0 is at its burst for any later `now`.
  const budget = new RegistrationBudget(limits, 0);
  const directoryService = new DirectoryService({
    directory,
    limits,
    signalling,
    outbox,
    asyncAppend: shared.asyncAppend,
    phonebook,
    budget,
    replies,
  });
  const buckets = new RequestBuckets(limits);
  return { connections, buckets, replies, calls, presence, phonebook, budget, directoryService };
}
