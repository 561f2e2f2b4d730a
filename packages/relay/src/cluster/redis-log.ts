/**
 * The cluster's shared transparency log on Redis (docs/operations.md "Relay cluster", decision 1): Redis
 * holds the ORDER of the directory entries; every relay applies them in that order to its local replica
 * (its DirectoryStore and Merkle log). A registration appends through one Lua script, which Redis runs
 * atomically: the name and the client id are checked, the index is assigned and the entry pushed in one
 * step, so two relays can never bind one name twice or assign one index twice. The script also keeps the UTS #39
 * skeletons of every name it bound and refuses a name sharing one with another name (docs/key-transparency.md,
 * "Names"), so two relays cannot bind two look-alike names at once either. Every entry is signed by
 * the appending relay for the index it gets (cluster-entry.ts); the script refuses to push an entry signed
 * for another index (`stale`: the log grew meanwhile) and the relay signs again for the new position.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import type { Redis } from 'ioredis';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { ClusterKeys } from './cluster-keys.js';

/** KEYS: log, names, ids, skeletons. ARGV: name key, client id hex, entry JSON, channel, name, signed index, skeletons…. */
const APPEND_SCRIPT = `
local byId = redis.call('HGET', KEYS[3], ARGV[2])
if byId then
  local stored = cjson.decode(redis.call('LINDEX', KEYS[1], tonumber(byId)))
  if stored.n == ARGV[5] then return {'login', tonumber(byId)} end
  return {'key-registered', tonumber(byId)}
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {'name-taken', -1} end
for i = 7, #ARGV do
  local other = redis.call('HGET', KEYS[4], ARGV[i])
  if other and other ~= ARGV[1] then return {'name-confusable', other} end
end
local size = redis.call('LLEN', KEYS[1])
if size ~= tonumber(ARGV[6]) then return {'stale', size} end
local index = redis.call('RPUSH', KEYS[1], ARGV[3]) - 1
redis.call('HSET', KEYS[2], ARGV[1], index)
redis.call('HSET', KEYS[3], ARGV[2], index)
for i = 7, #ARGV do redis.call('HSET', KEYS[4], ARGV[i], ARGV[1]) end
redis.call('PUBLISH', ARGV[4], index)
return {'appended', index}
`;

/** What the shared log did with a registration. */
export type AppendOutcome =
  | { readonly kind: 'appended'; readonly index: number }
  | { readonly kind: 'login'; readonly index: number }
  | { readonly kind: 'name-taken' }
  /** The name shares a UTS #39 skeleton with `existing` (a bound name's uniqueness key). */
  | { readonly kind: 'name-confusable'; readonly existing: string }
  | { readonly kind: 'key-registered' };

/** Signs the entry for `index` and returns its stored text (encodeClusterEntry). */
export type EntrySigner = (index: number) => string;

const FETCH_BATCH = 500;
/** Attempts when other relays keep appending between signing and pushing. */
const MAX_APPEND_ATTEMPTS = 16;

/**
 * The cluster's shared log on Redis: the order of the directory entries every relay applies to its replica.
 * `append` checks name and key, assigns the index and pushes the member-signed entry in one atomic Lua script,
 * so no name or index is ever bound twice.
 */
export class RedisLog {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #crypto: LeitungCrypto;

  constructor(redis: Redis, keys: ClusterKeys, crypto: LeitungCrypto) {
    this.#redis = redis;
    this.#keys = keys;
    this.#crypto = crypto;
  }

  /**
   * Appends `name` ↔ `publicKey` unless the name or the key is bound already (atomic in Redis). `sign`
   * produces the entry signed for a given index; `expected` is the first index tried (the replica size).
   */
  async append(
    name: string,
    nameKey: string,
    skeletons: readonly string[],
    publicKey: Uint8Array,
    expected: number,
    sign: EntrySigner,
  ): Promise<AppendOutcome> {
    const clientId = Buffer.from(this.#crypto.sha3_256(publicKey)).toString('hex');
    const keys = this.#keys;
    let index = expected;
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const result = (await this.#redis.eval(
        APPEND_SCRIPT,
        4,
        keys.log,
        keys.names,
        keys.ids,
        keys.skeletons,
        nameKey,
        clientId,
        sign(index),
        keys.logChannel,
        name,
        String(index),
        ...skeletons,
      )) as [string, number | string];
      const [kind, value] = result;
      switch (kind) {
        case 'appended':
        case 'login':
          return { kind, index: Number(value) };
        case 'name-taken':
          return { kind: 'name-taken' };
        case 'name-confusable':
          return { kind: 'name-confusable', existing: String(value) };
        case 'key-registered':
          return { kind: 'key-registered' };
        case 'stale':
          index = Number(value);
          continue;
        default:
          throw new RelayError(RelayErrorCode.Storage, 'unexpected answer from the cluster log');
      }
    }
    throw new RelayError(RelayErrorCode.Storage, 'the cluster log kept growing while appending');
  }

  /** Number of entries in the shared log. */
  async size(): Promise<number> {
    return this.#redis.llen(this.#keys.log);
  }

  /** The stored text of one entry (null beyond the end). */
  async entryAt(index: number): Promise<string | null> {
    return this.#redis.lindex(this.#keys.log, index);
  }

  /** The stored texts of the entries from `from` on (at most one batch), unchecked. */
  async fetch(from: number): Promise<string[]> {
    return this.#redis.lrange(this.#keys.log, from, from + FETCH_BATCH - 1);
  }
}
