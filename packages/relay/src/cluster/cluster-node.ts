/**
 * One relay's membership in a relay cluster on Redis (docs/operations.md "Relay cluster"): two Redis
 * connections (commands, and pub/sub), the catch-up and live replication of the shared log into the
 * local directory replica, the heartbeat (a key with a short TTL; a relay that stops refreshing it is
 * dead and its clients offline within `ttlMs`), and the subscriptions that feed presence, the call table,
 * broadcasts and this relay's inbox to the relay (through {@link ClusterHandlers}).
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import type { ControlMessage } from '@leitung/wire';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LocalKeyDirectory } from '../directory/key-directory.js';
import { checkName, nameSkeletons } from '../directory/name-policy.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { ForwardedCallMessage, ForwardingParty } from '../signalling/cluster-calls.js';
import { encodeClusterEntry } from './cluster-entry.js';
import { type ClusterKeys, clusterKeys } from './cluster-keys.js';
import { ClusterMembers } from './cluster-members.js';
import {
  parseBroadcast,
  parseCall,
  parseCallChange,
  parseInbox,
  parsePresence,
  relayMessage,
} from './cluster-messages.js';
import { LogReplication, type ReplicationHalt } from './log-replication.js';
import { RedisLog } from './redis-log.js';
import { RedisSignalling } from './redis-signalling.js';

export type { ReplicationHalt } from './log-replication.js';

/**
 * What a {@link ClusterNode} joins with: the Redis URL and cluster name, this relay's id and signing key, the
 * configured members, its local directory replica, a clock and logger, and the heartbeat, presence TTL and
 * resume-window timings.
 */
export interface ClusterNodeOptions {
  /** `redis://host:port[/db]`. */
  readonly redisUrl: string;
  /** The cluster's name; its log id is SHA3-256 of the UTF-8 name (`clusterLogId`). */
  readonly clusterId: string;
  /** This relay's fingerprint (hex). */
  readonly relayId: string;
  /** This relay's key: it signs every entry it appends to the shared log. */
  readonly privateKey: RsaPrivateKey;
  /**
   * Fingerprints of the relays whose signed entries this relay applies (checkClusterMembers: includes
   * this relay). Configured, never read from Redis (docs/operations.md "Trust model").
   */
  readonly members: readonly string[];
  readonly crypto: LeitungCrypto;
  readonly directory: LocalKeyDirectory;
  readonly now: () => number;
  readonly logger: Logger;
  /** Heartbeat period (default 500 ms). */
  readonly heartbeatMs?: number;
  /** Presence TTL: a relay silent this long is dead (default 2 000 ms). */
  readonly ttlMs?: number;
  /** How long a dead relay's calls stay resumable (default 60 000 ms). */
  readonly resumeWindowMs?: number;
}

/** What the cluster hands to the relay core (via the shell). */
export interface ClusterHandlers {
  /** A message for a client of this relay (`clientId`), or for all of them except `except`. */
  deliver(
    target: { readonly clientId: string } | { readonly except: string | undefined },
    message: ControlMessage,
  ): void;
  /** A call message another relay forwarded for its authenticated client. */
  forwarded(party: ForwardingParty, message: ForwardedCallMessage): void;
  /** Clients of a dead relay went offline. */
  clientsGone(clientIds: readonly string[]): void;
  /** The replica grew (entries applied). */
  replicated(size: number): void;
}

/** The log id of a cluster: SHA3-256 of its name (UTF-8). */
export function clusterLogId(crypto: LeitungCrypto, clusterId: string): Uint8Array {
  return crypto.sha3_256(new TextEncoder().encode(clusterId));
}

/** Registration outcome for the core: appended or logged in, or a refusal code. */
export type ClusterAppendResult =
  | { readonly ok: true; readonly created: boolean }
  | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * One relay's membership in a relay cluster on Redis (docs/operations.md "Relay cluster"):
 * `ClusterNode.connect` opens the Redis connections, `start` catches the local directory replica up with the
 * shared log and keeps it current, heartbeats, and feeds presence, calls and this relay's inbox to the relay
 * through {@link ClusterHandlers}. Entries not signed by a configured member stop replication
 * (`replicationHalt`). `startRelay({ cluster })` creates one.
 */
export class ClusterNode {
  readonly signalling: RedisSignalling;
  readonly keys: ClusterKeys;
  readonly #options: ClusterNodeOptions;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #log: RedisLog;
  readonly #members: ClusterMembers;
  readonly #replication: LogReplication;
  #dropped = 0;
  #handlers: ClusterHandlers | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #knownRelays = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(options: ClusterNodeOptions, redis: Redis, subscriber: Redis) {
    this.#options = options;
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.keys = clusterKeys(options.clusterId);
    this.#log = new RedisLog(redis, this.keys, options.crypto);
    const keys = this.keys;
    this.#members = new ClusterMembers(options.crypto, options.members, (fingerprint) =>
      redis.hget(keys.relayKeys, fingerprint),
    );
    this.#members.remember(options.privateKey.publicKey);
    this.#replication = new LogReplication({
      log: this.#log,
      members: this.#members,
      crypto: options.crypto,
      directory: options.directory,
      now: options.now,
      logger: options.logger,
      replicated: (size) => this.#handlers?.replicated(size),
    });
    const ttl = this.#ttl;
    this.signalling = new RedisSignalling({
      relayId: options.relayId,
      inbox: keys.inbox,
      broadcastChannel: keys.broadcastChannel,
      callsChannel: keys.callsChannel,
      publisher: {
        publish: (channel, payload) => this.#fire(this.#redis.publish(channel, payload)),
        presence: (clientId, online) => {
          const set = keys.clients(options.relayId);
          const pipeline = this.#redis.multi();
          if (online) pipeline.sadd(set, clientId).pexpire(set, ttl);
          else pipeline.srem(set, clientId);
          pipeline.publish(
            keys.presenceChannel,
            JSON.stringify({ r: options.relayId, c: clientId, o: online }),
          );
          this.#fire(pipeline.exec());
        },
        storeCall: (key, call) =>
          this.#fire(
            call === undefined
              ? this.#redis.hdel(keys.calls, key)
              : this.#redis.hset(keys.calls, key, JSON.stringify(call)),
          ),
      },
    });
  }

  /** Connects to Redis and brings the local replica up to the shared log (before the relay serves). */
  static async connect(options: ClusterNodeOptions): Promise<ClusterNode> {
    const connect = (): Redis =>
      new Redis(options.redisUrl, {
        lazyConnect: true,
        // Fail a command after a short outage instead of queueing it forever: a registration then gets
        // RELAY_ERR_STORAGE and the client retries (possibly on another relay).
        maxRetriesPerRequest: 2,
        retryStrategy: (times) => Math.min(times * 100, 1000),
      });
    const redis = connect();
    const subscriber = connect();
    redis.on('error', () => undefined);
    subscriber.on('error', () => undefined);
    try {
      await Promise.all([redis.connect(), subscriber.connect()]);
    } catch (error) {
      redis.disconnect();
      subscriber.disconnect();
      throw new RelayError(RelayErrorCode.Storage, `cannot connect to Redis at ${options.redisUrl}`, {
        cause: error,
      });
    }
    const node = new ClusterNode(options, redis, subscriber);
    try {
      // Publish this relay's key so the other members can check its entries (they pin its fingerprint).
      await redis.hset(
        node.keys.relayKeys,
        options.relayId,
        Buffer.from(options.privateKey.publicKey.toDer()).toString('base64'),
      );
      await node.sync();
      const shared = await node.#log.size();
      if (options.directory.size() > shared) {
        throw new RelayError(
          RelayErrorCode.Storage,
          `the local directory (${options.directory.size()} entries) is ahead of the cluster log (${shared})`,
        );
      }
    } catch (error) {
      await node.close();
      throw error;
    }
    return node;
  }

  /** Set when an entry of the shared log failed its checks: replication stopped there. */
  get replicationHalt(): ReplicationHalt | undefined {
    return this.#replication.halt;
  }

  /** Entries of the shared log refused so far (each distinct refusal counted once). */
  get refusedEntries(): number {
    return this.#replication.refusedEntries;
  }

  get #ttl(): number {
    return this.#options.ttlMs ?? 2000;
  }

  /** Subscribes, loads presence and the call table, and starts the heartbeat. */
  async start(handlers: ClusterHandlers): Promise<void> {
    this.#handlers = handlers;
    const { keys } = this;
    const me = this.#options.relayId;
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      try {
        this.#onMessage(channel.toString(), message);
      } catch (error) {
        // Logged at the 1st, 2nd, 4th, 8th, … drop: a Redis writer flooding the channels cannot flood the log.
        this.#dropped++;
        if ((this.#dropped & (this.#dropped - 1)) === 0) {
          this.#options.logger.warn(
            { err: (error as Error).message, dropped: this.#dropped },
            'cluster message dropped',
          );
        }
      }
    });
    // After a Redis restart or a lost connection: catch up what the notifications missed.
    this.#subscriber.on('ready', () => this.#fire(this.sync()));
    await this.#subscriber.subscribe(
      keys.logChannel,
      keys.presenceChannel,
      keys.callsChannel,
      keys.broadcastChannel,
      keys.inbox(me),
    );
    await this.#redis.del(keys.clients(me));
    await this.#beat();
    const relays = await this.#redis.smembers(keys.relays);
    for (const relay of relays) {
      if (relay === me || (await this.#redis.exists(keys.alive(relay))) === 0) continue;
      this.#knownRelays.add(relay);
      for (const client of await this.#redis.smembers(keys.clients(relay))) {
        this.signalling.onPresence(relay, client, true);
      }
    }
    const calls = await this.#redis.hgetall(keys.calls);
    for (const text of Object.values(calls)) {
      const call = parseCall(text);
      if (call !== undefined) this.signalling.onCallChange({ op: 'set', call });
    }
    const period = this.#options.heartbeatMs ?? 500;
    const tick = () => {
      if (this.#closed) return;
      this.#fire(
        this.#beat().finally(() => {
          if (!this.#closed) this.#heartbeat = setTimeout(tick, period);
        }),
      );
    };
    this.#heartbeat = setTimeout(tick, period);
  }

  /** Appends a registration through the shared log, then waits until the local replica holds it. */
  async append(name: string, publicKey: Uint8Array, time: number): Promise<ClusterAppendResult> {
    const checked = checkName(name);
    const { crypto, directory, privateKey, relayId } = this.#options;
    const clientId = crypto.sha3_256(publicKey);
    const sign = (index: number) =>
      encodeClusterEntry(
        crypto,
        directory.logId,
        { index, clientId, name: checked.name, publicKey, time },
        { privateKey, fingerprint: relayId },
      );
    let outcome: Awaited<ReturnType<RedisLog['append']>>;
    try {
      const skeletons = nameSkeletons(checked.name);
      outcome = await this.#log.append(
        checked.name,
        checked.key,
        skeletons,
        publicKey,
        directory.size(),
        sign,
      );
    } catch (error) {
      this.#options.logger.warn({ err: (error as Error).message }, 'cluster append failed');
      return { ok: false, code: RelayErrorCode.Storage, message: 'the cluster directory is unavailable' };
    }
    switch (outcome.kind) {
      case 'name-taken':
        return { ok: false, code: RelayErrorCode.NameTaken, message: 'this name is bound to another key' };
      case 'name-confusable':
        return {
          ok: false,
          code: RelayErrorCode.NameConfusable,
          message: `this name looks like the bound name "${directory.entryByName(outcome.existing)?.name ?? outcome.existing}"`,
        };
      case 'key-registered':
        return {
          ok: false,
          code: RelayErrorCode.KeyRegistered,
          message: 'this key is bound to another name',
        };
      case 'appended':
      case 'login':
        while (this.#options.directory.size() <= outcome.index) {
          const before = this.#options.directory.size();
          try {
            await this.sync();
          } catch (error) {
            this.#options.logger.warn({ err: (error as Error).message }, 'cluster sync failed');
            return {
              ok: false,
              code: RelayErrorCode.Storage,
              message: 'the cluster directory is unavailable',
            };
          }
          if (this.#options.directory.size() === before && this.#options.directory.size() <= outcome.index) {
            return { ok: false, code: RelayErrorCode.Storage, message: 'the cluster log is behind' };
          }
        }
        return { ok: true, created: outcome.kind === 'appended' };
    }
  }

  /**
   * Applies every entry of the shared log the replica does not hold yet, each only after its checks; the
   * first entry that fails stops replication there (log-replication.ts, docs/operations.md "Trust model").
   */
  sync(): Promise<void> {
    return this.#replication.sync();
  }

  /** Stops the heartbeat, withdraws this relay's presence and closes both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearTimeout(this.#heartbeat);
    for (const timer of this.#timers) clearTimeout(timer);
    const me = this.#options.relayId;
    try {
      if (this.#redis.status === 'ready') {
        await this.#redis.multi().del(this.keys.alive(me), this.keys.clients(me)).exec();
      }
    } catch {
      // Redis gone: the TTL withdraws the presence anyway.
    }
    this.#subscriber.disconnect();
    this.#redis.disconnect();
  }

  async #beat(): Promise<void> {
    const { keys } = this;
    const me = this.#options.relayId;
    const ttl = this.#ttl;
    const results = await this.#redis
      .multi()
      .set(keys.alive(me), '1', 'PX', ttl)
      .sadd(keys.relays, me)
      .pexpire(keys.clients(me), ttl)
      .smembers(keys.relays)
      .llen(keys.log)
      .exec();
    if (results === null) return;
    const relays = (results[3]?.[1] ?? []) as string[];
    const size = Number(results[4]?.[1] ?? 0);
    if (size > this.#options.directory.size()) this.#fire(this.sync());
    const others = relays.filter((r) => r !== me);
    if (others.length === 0) return;
    const alive = await this.#redis.multi(others.map((r) => ['exists', keys.alive(r)])).exec();
    others.forEach((relay, i) => {
      const up = Number(alive?.[i]?.[1] ?? 0) === 1;
      if (up) {
        this.#knownRelays.add(relay);
        return;
      }
      this.#fire(this.#redis.srem(keys.relays, relay));
      if (!this.#knownRelays.delete(relay) && this.signalling.isDead(relay)) return;
      this.#relayDead(relay);
    });
  }

  #relayDead(relay: string): void {
    this.#options.logger.warn({ relay }, 'cluster relay is gone');
    const gone = this.signalling.relayDead(relay);
    if (gone.length > 0) this.#handlers?.clientsGone(gone);
    // Its calls stay resumable for a while (CALL_RESUME takes them over), then they are forgotten.
    const calls = this.signalling.callsOf(relay);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      for (const key of calls) this.signalling.forgetCall(key);
    }, this.#options.resumeWindowMs ?? 60_000);
    timer.unref();
    this.#timers.add(timer);
  }

  /**
   * A pub/sub message. Everything but the log notification comes from Redis, which is not trusted with
   * content: cluster-messages.ts checks it, and what fails is dropped (logged at the 1st, 2nd, 4th, … drop).
   */
  #onMessage(channel: string, message: Buffer): void {
    const { keys } = this;
    const handlers = this.#handlers;
    if (handlers === undefined) return;
    switch (channel) {
      case keys.logChannel:
        this.#fire(this.sync());
        return;
      case keys.presenceChannel: {
        const change = parsePresence(message.toString());
        if (change === undefined) return;
        if (change.relay !== this.#options.relayId) this.#knownRelays.add(change.relay);
        this.signalling.onPresence(change.relay, change.client, change.online);
        return;
      }
      case keys.callsChannel: {
        const change = parseCallChange(message.toString());
        if (change !== undefined) this.signalling.onCallChange(change);
        return;
      }
      case keys.broadcastChannel: {
        const broadcast = parseBroadcast(message);
        if (broadcast === undefined || broadcast.from === this.#options.relayId) return;
        handlers.deliver({ except: broadcast.except }, relayMessage(broadcast.payload));
        return;
      }
    }
    // This relay's inbox.
    const frame = parseInbox(message);
    if (frame?.kind === 'deliver') handlers.deliver({ clientId: frame.clientId }, frame.message);
    else if (frame?.kind === 'forward') handlers.forwarded(frame.party, frame.message);
  }

  #fire(promise: Promise<unknown>): void {
    promise.catch((error: unknown) => {
      if (!this.#closed)
        this.#options.logger.warn({ err: (error as Error).message }, 'cluster operation failed');
    });
  }
}
