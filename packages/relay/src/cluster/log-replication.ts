/**
 * Replication of a cluster's shared log into this relay's directory replica (docs/operations.md "Relay
 * cluster", "Trust model"). Every entry is applied only after its checks: canonical form and name policy,
 * signed by a configured member for this log id and index, name and key not bound yet. The first entry
 * that fails stops replication there: the valid entries before it are applied, it is reported once (error
 * log, metric), and later syncs stay halted while that entry is unchanged in Redis.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import { toHex } from '@leitung/crypto';
import type { DirectoryEntry } from '@leitung/wire';
import type { Logger } from 'pino';
import type { LocalKeyDirectory } from '../directory/key-directory.js';
import { nameKey } from '../directory/name-policy.js';
import { RelayErrorCode } from '../errors.js';
import { clusterEntryMessage, decodeClusterEntry } from './cluster-entry.js';
import type { ClusterMembers } from './cluster-members.js';
import type { RedisLog } from './redis-log.js';

/** Why replication of the shared log stopped: the first entry that failed its checks. */
export interface ReplicationHalt {
  readonly index: number;
  readonly code: string;
  readonly reason: string;
}

export interface LogReplicationOptions {
  readonly log: RedisLog;
  readonly members: ClusterMembers;
  readonly crypto: LeitungCrypto;
  readonly directory: LocalKeyDirectory;
  readonly now: () => number;
  readonly logger: Logger;
  /** The replica grew (entries applied). */
  readonly replicated: (size: number) => void;
}

interface CheckedBatch {
  readonly accepted: DirectoryEntry[];
  readonly refused: ReplicationHalt | undefined;
}

export class LogReplication {
  readonly #options: LogReplicationOptions;
  #halt: (ReplicationHalt & { readonly text: string }) | undefined;
  #refusedEntries = 0;
  #syncing: Promise<void> | undefined;
  #syncAgain = false;

  constructor(options: LogReplicationOptions) {
    this.#options = options;
  }

  /** Set when an entry of the shared log failed its checks: replication stopped there. */
  get halt(): ReplicationHalt | undefined {
    const halt = this.#halt;
    return halt === undefined ? undefined : { index: halt.index, code: halt.code, reason: halt.reason };
  }

  /** Entries of the shared log refused so far (each distinct refusal counted once). */
  get refusedEntries(): number {
    return this.#refusedEntries;
  }

  /** Applies every entry of the shared log the replica does not hold yet (one sync at a time). */
  sync(): Promise<void> {
    if (this.#syncing !== undefined) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      try {
        do {
          this.#syncAgain = false;
          while (await this.#syncBatch()) {
            // Next batch.
          }
        } while (this.#syncAgain);
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  /** One batch; true when entries were applied and more may follow. */
  async #syncBatch(): Promise<boolean> {
    const { directory, log } = this.#options;
    const from = directory.size();
    const halt = this.#halt;
    if (halt !== undefined && halt.index === from && (await log.entryAt(from)) === halt.text) {
      return false;
    }
    const texts = await log.fetch(from);
    if (texts.length === 0) return false;
    const { accepted, refused } = await this.#check(texts, from);
    if (accepted.length > 0) {
      directory.applyReplicated(accepted, this.#options.now());
      this.#options.replicated(directory.size());
    }
    if (refused !== undefined) {
      this.#halted(refused, texts[accepted.length] ?? '');
      return false;
    }
    if (this.#halt !== undefined) {
      this.#options.logger.warn({ index: this.#halt.index }, 'cluster log replication resumed');
      this.#halt = undefined;
    }
    return true;
  }

  /** Replication stops at `refused`; a refusal not reported before is logged and counted. */
  #halted(refused: ReplicationHalt, text: string): void {
    const previous = this.#halt;
    if (previous?.index !== refused.index || previous.text !== text) {
      this.#refusedEntries++;
      this.#options.logger.error(
        { code: refused.code, index: refused.index, reason: refused.reason },
        'cluster log entry refused; replication of the cluster log stopped',
      );
    }
    this.#halt = { ...refused, text };
  }

  /**
   * Checks entries `from`, `from + 1`, … in order: canonical form and name policy (decodeClusterEntry),
   * signed by a configured member for this log id and this index, name and key not bound yet (in the
   * replica or earlier in the batch). Returns the valid prefix and the first failure.
   */
  async #check(texts: readonly string[], from: number): Promise<CheckedBatch> {
    const accepted: DirectoryEntry[] = [];
    const names = new Set<string>();
    const ids = new Set<string>();
    for (const [i, text] of texts.entries()) {
      const index = from + i;
      const result = await this.#checkEntry(text, index, names, ids);
      if (typeof result === 'string') {
        return { accepted, refused: { index, code: RelayErrorCode.ClusterEntryInvalid, reason: result } };
      }
      accepted.push(result);
    }
    return { accepted, refused: undefined };
  }

  /** One entry: the entry when it passes (its name and id join the batch's), else why it is refused. */
  async #checkEntry(
    text: string,
    index: number,
    names: Set<string>,
    ids: Set<string>,
  ): Promise<DirectoryEntry | string> {
    const { crypto, directory, members } = this.#options;
    let stored: ReturnType<typeof decodeClusterEntry>;
    try {
      stored = decodeClusterEntry(crypto, text, index);
    } catch (error) {
      return (error as Error).message;
    }
    const { entry, signer, signature } = stored;
    if (!members.isMember(signer)) {
      return `cluster log entry ${index}: signed by ${signer}, not a configured member`;
    }
    const key = await members.keyOf(signer);
    if (key === undefined) return `cluster log entry ${index}: no valid published key for member ${signer}`;
    if (!crypto.verify(key, clusterEntryMessage(directory.logId, entry), signature)) {
      return `cluster log entry ${index}: the signature does not verify`;
    }
    const folded = nameKey(entry.name);
    const id = toHex(entry.clientId);
    if (names.has(folded) || directory.entryByName(entry.name) !== undefined) {
      return `cluster log entry ${index}: the name is already bound`;
    }
    if (ids.has(id) || directory.entryByClientId(entry.clientId) !== undefined) {
      return `cluster log entry ${index}: the key is already bound`;
    }
    names.add(folded);
    ids.add(id);
    return entry;
  }
}
