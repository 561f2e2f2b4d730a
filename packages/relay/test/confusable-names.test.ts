/**
 * Look-alike names (docs/key-transparency.md, "Names"): a name sharing a UTS #39 skeleton with a name bound to
 * another key is refused with RELAY_ERR_NAME_CONFUSABLE — over a real socket, after a restart (the skeleton index is
 * rebuilt from the store), and in a relay cluster's shared log, where the Lua script decides atomically even before
 * a replica has seen the first name. Names that merely resemble each other in spelling stay free.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { nameKey, nameSkeletons, SessionError } from '@leitung/session';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../src/cluster/cluster-keys.js';
import { RedisLog } from '../src/cluster/redis-log.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { RedisServer, redisAvailable } from './support/redis-server.js';

if (!redisAvailable) console.warn('confusable-names: redis-server is missing; the cluster case is skipped');

let alice: RsaPrivateKey;
let mallory: RsaPrivateKey;
let bob: RsaPrivateKey;

beforeAll(async () => {
  [alice, mallory, bob] = await Promise.all([key('alice'), key('mallory'), key('bob')]);
});

const fx = useFixture();

async function relayCodeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SessionError) return error.relayCode;
    throw error;
  }
  return undefined;
}

describe('confusable names on one relay', () => {
  it('refuses a look-alike of a bound name, names it, and keeps unlike names free', async () => {
    const relay = await fx.relay();
    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    // Cyrillic А, Cyrillic а + Latin, capital I for l, full-width is folded (taken, not confusable).
    for (const lookalike of ['\u0410lice', '\u0430lice', 'aIice']) {
      const client = await fx.client(relay);
      client.sendPlain({
        type: 'REGISTER',
        name: lookalike,
        publicKey: mallory.publicKey.toDer(),
        clientNonce: new Uint8Array(32),
        knownTreeSize: 0,
      });
      const error = await client.nextPlain();
      expect(error).toMatchObject({ type: 'ERROR', code: 'RELAY_ERR_NAME_CONFUSABLE' });
      expect(error.type === 'ERROR' ? error.message : '').toContain('"alice"');
      await client.waitClosed();
    }
    expect(relay.core.directorySize).toBe(1);
    // A name that is merely similar is a different name.
    expect(await relayCodeOf((await fx.client(relay)).register(mallory, 'alicia', relay.fingerprint))).toBe(
      undefined,
    );
    // The owner still logs in under the name as bound.
    await (await fx.client(relay)).register(alice, 'alice', relay.fingerprint);
    expect(relay.core.directorySize).toBe(2);
  });

  it('still refuses look-alikes after a restart (the skeleton index is rebuilt from the store)', async () => {
    const dataDir = await fx.dataDir();
    const first = await fx.relay({ dataDir });
    await (await fx.client(first)).register(bob, 'Oscar', first.fingerprint);
    await fx.stop(first);
    const second = await fx.relay({ dataDir });
    const code = await relayCodeOf((await fx.client(second)).register(mallory, '0scar', second.fingerprint));
    expect(code).toBe('RELAY_ERR_NAME_CONFUSABLE');
    expect(second.core.directorySize).toBe(1);
  });
});

describe.skipIf(!redisAvailable)('confusable names in a relay cluster', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it("the shared log's script refuses a look-alike atomically, before any replica applied the first name", async () => {
    const server = await RedisServer.start();
    servers.push(server);
    const redis = new Redis(server.url);
    clients.push(redis);
    const log = new RedisLog(redis, clusterKeys('confusables'), crypto);
    const append = (name: string, subject: RsaPrivateKey) =>
      log.append(name, nameKey(name), nameSkeletons(name), subject.publicKey.toDer(), 0, (index) =>
        JSON.stringify({ index, name }),
      );
    expect(await append('alice', alice)).toEqual({ kind: 'appended', index: 0 });
    expect(await append('\u0410lice', mallory)).toEqual({ kind: 'name-confusable', existing: 'alice' });
    expect(await append('ALICE', mallory)).toEqual({ kind: 'name-taken' });
    expect(await append('alicia', mallory)).toEqual({ kind: 'appended', index: 1 });
    expect(await redis.llen(clusterKeys('confusables').log)).toBe(2);
  });
});
