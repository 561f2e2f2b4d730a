/**
 * The relay cluster does not trust Redis with the directory's content (docs/operations.md "Relay
 * cluster", "Trust model"): a real redis-server, two relays of one cluster (startRelay with `cluster`,
 * real sockets), an honest registration, then a raw Redis writer appends entries to the shared log and
 * announces them. No relay applies (i) an entry with a terminal-escape name, even signed by a member,
 * (ii) an entry binding the existing name to another key with a forged signature, (iii) an entry signed
 * by a relay key that is not a configured member, (iv) an unsigned entry in the old format; replication
 * stops with RELAY_ERR_CLUSTER_ENTRY_INVALID and the alarm metrics, the honest entry stays intact and the
 * relays keep serving. Skipped with a notice when redis-server is missing.
 */
import { Writable } from 'node:stream';
import type { RsaPrivateKey } from '@leitung/crypto';
import { encodeMessage } from '@leitung/wire';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys, encodeClusterEntry } from '../src/cluster/index.js';
import type { Relay } from '../src/index.js';
import { useFixture } from './support/fixture.js';
import { crypto, dataDirWithKey, key, removeDir } from './support/keys.js';
import { RedisServer, redisAvailable } from './support/redis-server.js';
import type { TestClient } from './support/test-client.js';

if (!redisAvailable)
  console.warn('cluster-trust: redis-server is missing; relay-cluster trust tests skipped');

const CLUSTER_ID = 'trust';
let alice: RsaPrivateKey;
let mallory: RsaPrivateKey;
let relayKey: RsaPrivateKey;
let relay2Key: RsaPrivateKey;
let outsiderKey: RsaPrivateKey;

beforeAll(async () => {
  [alice, mallory, relayKey, relay2Key, outsiderKey] = await Promise.all([
    key('alice'),
    key('mallory'),
    key('relay'),
    key('relay-2'),
    key('relay-4'),
  ]);
});

const fx = useFixture();
const servers: RedisServer[] = [];
const writers: Redis[] = [];
const dirs: string[] = [];
const started: Relay[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) w.disconnect();
  // Relays first (they withdraw their presence from Redis), then Redis.
  await Promise.all(started.splice(0).map((r) => fx.stop(r)));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) removeDir(d);
});

interface TrustCluster {
  readonly relays: readonly Relay[];
  readonly writer: Redis;
  readonly logs: string[];
}

/** Redis, two member relays, and alice registered through the first. */
async function cluster(): Promise<TrustCluster> {
  const redis = await RedisServer.start();
  servers.push(redis);
  const members = [relayKey.publicKey.fingerprint(), relay2Key.publicKey.fingerprint()];
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const relays: Relay[] = [];
  for (const keyName of ['relay', 'relay-2']) {
    const dataDir = await dataDirWithKey(keyName);
    dirs.push(dataDir);
    const relay = await fx.relay({
      dataDir,
      logger: pino({ level: 'info' }, sink),
      cluster: { redisUrl: redis.url, clusterId: CLUSTER_ID, members, heartbeatMs: 100 },
    });
    started.push(relay);
    relays.push(relay);
  }
  const client = await fx.client(relays[0]!);
  await register(client, alice, 'alice', relays[0]!);
  client.close();
  await until(() => relays.every((r) => r.core.directorySize === 1), 'alice replicated');
  const writer = new Redis(redis.url);
  writers.push(writer);
  return { relays, writer, logs };
}

/** The registration handshake against a cluster relay (its heads name the cluster's log id). */
async function register(client: TestClient, privateKey: RsaPrivateKey, name: string, relay: Relay) {
  await client.register(
    privateKey,
    name,
    relay.fingerprint,
    undefined,
    Uint8Array.from(Buffer.from(relay.info().logId!, 'hex')),
  );
}

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What a raw Redis writer does: push a text onto the shared log and announce its index. */
async function inject(c: TrustCluster, text: string): Promise<number> {
  const keys = clusterKeys(CLUSTER_ID);
  const index = (await c.writer.rpush(keys.log, text)) - 1;
  await c.writer.publish(keys.logChannel, String(index));
  return index;
}

function signedBy(signer: RsaPrivateKey, index: number, name: string, subject: RsaPrivateKey, logId: string) {
  return encodeClusterEntry(
    crypto,
    Buffer.from(logId, 'hex'),
    {
      index,
      clientId: crypto.sha3_256(subject.publicKey.toDer()),
      name,
      publicKey: subject.publicKey.toDer(),
      time: Date.now(),
    },
    { privateKey: signer, fingerprint: signer.publicKey.fingerprint() },
  );
}

/** Both relays refuse the entry at `index`, keep alice, and keep serving. */
async function expectRefused(c: TrustCluster, index: number): Promise<void> {
  await until(
    () =>
      c.relays.every((r) => r.cluster?.replicationHalt !== undefined) ||
      c.relays.some((r) => r.core.directorySize !== 1),
    'both relays stop replication (or one applies the entry)',
  );
  for (const relay of c.relays) {
    expect(relay.core.directorySize).toBe(1);
    expect(relay.cluster?.replicationHalt).toMatchObject({ index, code: 'RELAY_ERR_CLUSTER_ENTRY_INVALID' });
    const metrics = await relay.metrics.metrics();
    expect(metrics).toMatch(/leitung_relay_cluster_replication_halted 1/);
    expect(metrics).toMatch(/leitung_relay_cluster_entries_refused_total 1/);
  }
  // The refusal is logged loudly, with the code and the index — never the injected name.
  const refusals = c.logs.filter((l) => l.includes('cluster log entry refused'));
  expect(refusals.length).toBe(2);
  for (const line of refusals) {
    expect(line).toContain('RELAY_ERR_CLUSTER_ENTRY_INVALID');
    expect(line).not.toContain('\\u001b');
  }
  // The honest binding is intact on the second relay: alice logs in there; mallory cannot take "alice".
  const relay = c.relays[1]!;
  const again = await fx.client(relay);
  await register(again, alice, 'alice', relay);
  const thief = await fx.client(relay);
  await expect(register(thief, mallory, 'alice', relay)).rejects.toThrow();
  // A heartbeat later nothing more is logged for the same entry (one alarm, not a flood).
  await new Promise((r) => setTimeout(r, 300));
  expect(c.logs.filter((l) => l.includes('cluster log entry refused')).length).toBe(2);
}

describe.skipIf(!redisAvailable)('relay cluster: Redis is not trusted with directory entries', () => {
  it('(i) an entry with a terminal-escape name is not applied, even signed by a member relay', async () => {
    const c = await cluster();
    const logId = c.relays[0]!.info().logId!;
    const index = await inject(c, signedBy(relay2Key, 1, '\u001b[2J\u001b[31mroot', mallory, logId));
    await expectRefused(c, index);
  }, 30_000);

  it('(ii) a forged-signature entry binding the existing name to another key is not applied', async () => {
    const c = await cluster();
    const logId = c.relays[0]!.info().logId!;
    const honest = JSON.parse(signedBy(relayKey, 1, 'alice', mallory, logId)) as Record<string, unknown>;
    const forged = { ...honest, s: Buffer.alloc(512, 7).toString('base64') };
    const index = await inject(c, JSON.stringify(forged));
    await expectRefused(c, index);
  }, 30_000);

  it('(iii) an entry signed by a relay key that is not a configured member is not applied', async () => {
    const c = await cluster();
    const logId = c.relays[0]!.info().logId!;
    // The outsider even publishes its key where members publish theirs.
    await c.writer.hset(
      clusterKeys(CLUSTER_ID).relayKeys,
      outsiderKey.publicKey.fingerprint(),
      Buffer.from(outsiderKey.publicKey.toDer()).toString('base64'),
    );
    const index = await inject(c, signedBy(outsiderKey, 1, 'bob', mallory, logId));
    await expectRefused(c, index);
  }, 30_000);

  it('(iv) an unsigned entry in the old format is not applied', async () => {
    const c = await cluster();
    const text = JSON.stringify({
      n: 'bob',
      k: Buffer.from(mallory.publicKey.toDer()).toString('base64'),
      t: 1,
    });
    const index = await inject(c, text);
    await expectRefused(c, index);
    // The operator repairs the log (the honest entry signed by a member, in place): replication resumes.
    const logId = c.relays[0]!.info().logId!;
    await c.writer.lset(
      clusterKeys(CLUSTER_ID).log,
      index,
      signedBy(relay2Key, index, 'bob', mallory, logId),
    );
    await until(() => c.relays.every((r) => r.core.directorySize === 2), 'the repaired entry is applied');
    for (const relay of c.relays) expect(relay.cluster?.replicationHalt).toBeUndefined();
  }, 30_000);

  it('(v) a message for a client published on a relay inbox is dropped when a name in it breaks the policy', async () => {
    const c = await cluster();
    const relay = c.relays[1]!;
    const victim = await fx.client(relay);
    await register(victim, alice, 'alice', relay);
    const deliver = (callerName: string) =>
      Buffer.concat([
        Buffer.from([1]), // INBOX_DELIVER
        Buffer.from(alice.publicKey.fingerprint(), 'hex'),
        encodeMessage({
          type: 'INCOMING_CALL',
          callId: new Uint8Array(16).fill(9),
          caller: crypto.sha3_256(mallory.publicKey.toDer()),
          callerName,
          sealedCallData: new Uint8Array(4),
        }),
      ]);
    const inbox = clusterKeys(CLUSTER_ID).inbox(relay.fingerprint);
    await c.writer.publish(inbox, deliver('\u001b]0;pwned\u0007boss'));
    // Malformed presence and call-table messages are dropped too (ids must be hex of the right length).
    const keys = clusterKeys(CLUSTER_ID);
    await c.writer.publish(keys.presenceChannel, JSON.stringify({ r: 'x', c: '../../etc', o: true }));
    await c.writer.publish(keys.callsChannel, JSON.stringify({ op: 'set', call: { key: 1, caller: [] } }));
    // A well-formed one still passes (the path works; clients check call data end to end).
    await c.writer.publish(inbox, deliver('boss'));
    const incoming = await victim.next('INCOMING_CALL');
    expect(incoming.callerName).toBe('boss');
    expect(victim.history.filter((m) => m.type === 'INCOMING_CALL')).toHaveLength(1);
  }, 30_000);

  it('honest registrations racing on both relays are all signed for their index and applied everywhere', async () => {
    const c = await cluster();
    const names = ['bob', 'carol', 'dave', 'eve'];
    const keys = await Promise.all(names.map((n) => key(n)));
    await Promise.all(
      names.map(async (name, i) => {
        const relay = c.relays[i % 2]!;
        await register(await fx.client(relay), keys[i]!, name, relay);
      }),
    );
    await until(() => c.relays.every((r) => r.core.directorySize === 5), 'every entry replicated');
    for (const relay of c.relays) expect(relay.cluster?.replicationHalt).toBeUndefined();
  }, 30_000);
});
