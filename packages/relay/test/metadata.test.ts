/**
 * Metadata the relay gives away (docs/relay.md "Metadata the relay reveals"): an unauthenticated PING must
 * not count clients or calls, and the leitung-relay program's default log must not record who called whom.
 * The log test runs the real program (examples/relay, built package: run `npx tsup` first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { toHex } from '@leitung/crypto';
import { clientIdOf } from '@leitung/session';
import type { ControlMessageOf } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFixture } from './support/fixture.js';
import { crypto, dataDirWithKey, key, removeDir } from './support/keys.js';
import { type Endpoint, TestClient } from './support/test-client.js';

const MAIN = resolve(import.meta.dirname, '../../../examples/relay/src/main.mjs');

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const fx = useFixture();
const children: ChildProcess[] = [];
const dirs: string[] = [];
const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

async function client(relay: Endpoint): Promise<TestClient> {
  const c = await TestClient.connect(relay);
  clients.push(c);
  return c;
}

/** A probe as relay selection sends it: a fresh connection, one unsealed PING. */
async function probe(relay: Endpoint): Promise<ControlMessageOf<'PONG'>['load']> {
  const c = await client(relay);
  c.sendPlain({ type: 'PING', nonce: new Uint8Array(8).fill(5), sentAt: 0 });
  const pong = await c.nextPlain();
  c.close();
  if (pong.type !== 'PONG') throw new Error(`expected PONG, got ${pong.type}`);
  return pong.load;
}

/** alice calls bob through the relay; the call is answered and media granted. */
async function call(relay: Endpoint, fingerprint: string, names: readonly [string, string]): Promise<void> {
  const a = await client(relay);
  const b = await client(relay);
  await a.register(alice, names[0], fingerprint);
  await b.register(bob, names[1], fingerprint);
  const callId = crypto.randomBytes(16);
  a.send({
    type: 'CALL_REQUEST',
    callId,
    callee: clientIdOf(crypto, bob.publicKey),
    sealedCallData: new Uint8Array(4),
  });
  await b.next('INCOMING_CALL');
  b.send({ type: 'CALL_RESPONSE', callId, decision: 'accept', ephemeral: new Uint8Array(32).fill(2) });
  await a.next('MEDIA_GRANT');
  a.send({ type: 'CALL_END', callId, reason: 'hangup' });
  await b.next('CALL_END');
}

describe('PING reveals no exact load (docs/protocol.md §4.6)', () => {
  it('an unauthenticated PONG is the same with 0, 1 and 2 clients and a call', async () => {
    const relay = await fx.relay();
    const endpoint = { host: relay.host, port: relay.port };
    const empty = await probe(endpoint);
    const a = await client(endpoint);
    await a.register(alice, 'alice', relay.fingerprint);
    const one = await probe(endpoint);
    const b = await client(endpoint);
    await b.register(bob, 'bob', relay.fingerprint);
    const callId = crypto.randomBytes(16);
    a.send({
      type: 'CALL_REQUEST',
      callId,
      callee: clientIdOf(crypto, bob.publicKey),
      sealedCallData: new Uint8Array(4),
    });
    await b.next('INCOMING_CALL');
    const ringing = await probe(endpoint);
    expect(relay.core.clientCount).toBe(2);
    expect(relay.core.callCount).toBe(1);
    expect(empty).toEqual({ clients: 0, calls: 0, packetsPerSecond: 0, capacity: 100 });
    expect(one).toEqual(empty);
    expect(ringing).toEqual(empty);
    // A registered client learns no more than a stranger.
    a.send({ type: 'PING', nonce: new Uint8Array(8), sentAt: 0 });
    expect((await a.next('PONG')).load).toEqual(empty);
  });
});

describe('the default log keeps no call graph (docs/relay.md "Events and logs")', () => {
  async function run(flags: string[]): Promise<string> {
    const data = await dataDirWithKey();
    dirs.push(data);
    const info = join(data, 'relay.json');
    const child = spawn(
      process.execPath,
      [MAIN, '--data', data, '--port', '0', '--media-port', '0', '--info-out', info, ...flags],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('leitung-relay ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`relay did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const entry = JSON.parse(readFileSync(info, 'utf8')) as Endpoint & { fingerprint: string };
    await call(entry, entry.fingerprint, ['Alice Wonder', 'Bob Builder']);
    for (const c of clients.splice(0)) c.close();
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    return stderr;
  }

  const identities = () => [
    'Alice Wonder',
    'Bob Builder',
    toHex(clientIdOf(crypto, alice.publicKey)),
    toHex(clientIdOf(crypto, bob.publicKey)),
  ];

  it('a call through leitung-relay leaves no caller or callee name or id in the default log, even at trace level', async () => {
    for (const flags of [[], ['--log-level', 'trace']]) {
      const log = await run(flags);
      expect(log).toContain('client:registered');
      expect(log).not.toContain('call:started');
      for (const identity of identities()) expect(log).not.toContain(identity);
    }
  });

  it('--log-metadata (debugging only) logs them, and says so', async () => {
    const log = await run(['--log-metadata']);
    expect(log).toContain('logging communication metadata');
    expect(log).toContain('call:started');
    for (const identity of identities()) expect(log).toContain(identity);
  }, 30_000);
});
