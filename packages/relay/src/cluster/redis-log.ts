/**
 * The cluster's shared transparency log on Redis (docs/operations.md "Relay cluster", decision 1): Redis
 * holds the ORDER of the directory entries; every relay applies them in that order to its local replica
 * (its DirectoryStore and Merkle log). A registration appends through one Lua script, which Redis runs
 * atomically: the name and the client id are checked, the index is assigned and the entry pushed in one
 * step, so two relays can never bind one name twice or assign one index twice.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import type { DirectoryEntry } from '@leitung/wire';
import type { Redis } from 'ioredis';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { ClusterKeys } from './cluster-keys.js';

/** KEYS: log, names, ids. ARGV: name key, client id hex, entry JSON, channel, name. */
const APPEND_SCRIPT = `
local byId = redis.call('HGET', KEYS[3], ARGV[2])
if byId then
  local stored = cjson.decode(redis.call('LINDEX', KEYS[1], tonumber(byId)))
  if stored.n == ARGV[5] then return {'login', tonumber(byId)} end
  return {'key-registered', tonumber(byId)}
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {'name-taken', -1} end
local index = redis.call('RPUSH', KEYS[1], ARGV[3]) - 1
redis.call('HSET', KEYS[2], ARGV[1], index)
redis.call('HSET', KEYS[3], ARGV[2], index)
redis.call('PUBLISH', ARGV[4], index)
return {'appended', index}
`;

/** What the shared log did with a registration. */
export type AppendOutcome =
  | { readonly kind: 'appended'; readonly index: number }
  | { readonly kind: 'login'; readonly index: number }
  | { readonly kind: 'name-taken' }
  | { readonly kind: 'key-registered' };

interface StoredEntry {
  readonly n: string;
  readonly k: string;
  readonly t: number;
}

const FETCH_BATCH = 500;

export class RedisLog {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #crypto: LeitungCrypto;

  constructor(redis: Redis, keys: ClusterKeys, crypto: LeitungCrypto) {
    this.#redis = redis;
    this.#keys = keys;
    this.#crypto = crypto;
  }

  /** Appends `name` ↔ `publicKey` unless the name or the key is bound already (atomic in Redis). */
  async append(name: string, nameKey: string, publicKey: Uint8Array, time: number): Promise<AppendOutcome> {
    const clientId = Buffer.from(this.#crypto.sha3_256(publicKey)).toString('hex');
    const stored: StoredEntry = { n: name, k: Buffer.from(publicKey).toString('base64'), t: time };
    const keys = this.#keys;
    const result = (await this.#redis.eval(
      APPEND_SCRIPT,
      3,
      keys.log,
      keys.names,
      keys.ids,
      nameKey,
      clientId,
      JSON.stringify(stored),
      keys.logChannel,
      name,
    )) as [string, number];
    const [kind, index] = result;
    switch (kind) {
      case 'appended':
      case 'login':
        return { kind, index: Number(index) };
      case 'name-taken':
        return { kind: 'name-taken' };
      case 'key-registered':
        return { kind: 'key-registered' };
      default:
        throw new RelayError(RelayErrorCode.Storage, 'unexpected answer from the cluster log');
    }
  }

  /** Number of entries in the shared log. */
  async size(): Promise<number> {
    return this.#redis.llen(this.#keys.log);
  }

  /** Entries from `from` on (at most one batch), decoded, with their indices. */
  async fetch(from: number): Promise<DirectoryEntry[]> {
    const raw = await this.#redis.lrange(this.#keys.log, from, from + FETCH_BATCH - 1);
    return raw.map((text, i) => this.#decode(text, from + i));
  }

  #decode(text: string, index: number): DirectoryEntry {
    let stored: StoredEntry;
    try {
      stored = JSON.parse(text) as StoredEntry;
    } catch (error) {
      throw new RelayError(RelayErrorCode.Storage, `cluster log entry ${index} is not JSON`, {
        cause: error,
      });
    }
    if (typeof stored.n !== 'string' || typeof stored.k !== 'string' || !Number.isSafeInteger(stored.t)) {
      throw new RelayError(RelayErrorCode.Storage, `cluster log entry ${index} is malformed`);
    }
    const publicKey = Uint8Array.from(Buffer.from(stored.k, 'base64'));
    return {
      index,
      clientId: this.#crypto.sha3_256(publicKey),
      name: stored.n,
      publicKey,
      time: stored.t,
    };
  }
}
