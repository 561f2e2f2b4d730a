/**
 * The leitung-relay program (examples/relay): flags, port 0, --info-out, SIGHUP, and a clean shutdown on
 * SIGTERM that ends open calls and closes the database. It imports the built package (run `npx tsup`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { clientIdOf } from '@leitung/session';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDirectoryStore } from '../src/index.js';
import { crypto, dataDirWithKey, key, removeDir } from './support/keys.js';
import { TestClient } from './support/test-client.js';

const MAIN = resolve(import.meta.dirname, '../../../examples/relay/src/main.mjs');

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

const children: ChildProcess[] = [];
const dirs: string[] = [];
const clients: TestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

function start(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  child.stdout!.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr!.resume();
  const waitFor = async (text: string, ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (!stdout.includes(text)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" in: ${stdout}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, waitFor, exited, output: () => stdout };
}

describe('leitung-relay program', () => {
  it('--help prints the flags and exits 0; an unknown flag exits 2', () => {
    const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of [
      '--host',
      '--port',
      '--media-port',
      '--data',
      '--metrics-port',
      '--info-out',
      '--blocklist',
      '--new-names-per-address',
      '--new-names-global',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    for (const budget of ['0', '-1', 'x']) {
      const run = spawnSync(process.execPath, [MAIN, '--new-names-per-address', budget], {
        encoding: 'utf8',
      });
      expect(run.status).toBe(2);
    }
    const bad = spawnSync(process.execPath, [MAIN, '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(spawnSync(process.execPath, [MAIN, '--port', '70000'], { encoding: 'utf8' }).status).toBe(2);
    // docs/operations.md "Trust model": a cluster relay needs its configured member list.
    expect(help.stdout).toContain('--cluster-members');
    const noMembers = spawnSync(process.execPath, [MAIN, '--redis', 'redis://127.0.0.1:1'], {
      encoding: 'utf8',
    });
    expect(noMembers.status).toBe(2);
    expect(noMembers.stderr).toContain('--cluster-members');
  });

  it('--new-names-per-address sets the registration budget of one address (docs/relay.md)', async () => {
    const data = await dataDirWithKey();
    dirs.push(data);
    const info = join(data, 'relay.json');
    const relay = start([
      '--data',
      data,
      '--port',
      '0',
      '--media-port',
      '0',
      '--info-out',
      info,
      '--new-names-per-address',
      '1',
    ]);
    await relay.waitFor('leitung-relay ready');
    const entry = JSON.parse(readFileSync(info, 'utf8')) as {
      host: string;
      port: number;
      fingerprint: string;
    };
    const a = await TestClient.connect(entry);
    const b = await TestClient.connect(entry);
    clients.push(a, b);
    await a.register(alice, 'alice', entry.fingerprint);
    const refused = await b.register(bob, 'bob', entry.fingerprint).then(
      () => undefined,
      (error: { relayCode?: string }) => error.relayCode,
    );
    expect(refused).toBe('RELAY_ERR_REGISTRATION_BUDGET');
  });

  it('starts on port 0, writes the relay-list entry, reloads on SIGHUP and shuts down cleanly on SIGTERM', async () => {
    const data = await dataDirWithKey();
    dirs.push(data);
    const info = join(data, 'relay.json');
    const blocklist = join(data, 'blocklist.txt');
    writeFileSync(blocklist, '');
    const relay = start([
      '--data',
      data,
      '--port',
      '0',
      '--media-port',
      '0',
      '--metrics-port',
      '0',
      '--info-out',
      info,
      '--blocklist',
      blocklist,
    ]);
    await relay.waitFor('leitung-relay ready');
    const entry = JSON.parse(readFileSync(info, 'utf8')) as {
      host: string;
      port: number;
      mediaPort: number;
      fingerprint: string;
    };
    expect(entry.host).toBe('127.0.0.1');
    expect(entry.port).toBeGreaterThan(0);
    expect(entry.mediaPort).toBeGreaterThan(0);
    expect(relay.output()).toContain(`fingerprint ${entry.fingerprint}`);
    expect(relay.output()).toContain(`control tcp 127.0.0.1:${entry.port}`);

    const a = await TestClient.connect(entry);
    const b = await TestClient.connect(entry);
    clients.push(a, b);
    await a.register(alice, 'alice', entry.fingerprint);
    await b.register(bob, 'bob', entry.fingerprint);
    const callId = new Uint8Array(16).fill(8);
    a.send({
      type: 'CALL_REQUEST',
      callId,
      callee: clientIdOf(crypto, bob.publicKey),
      sealedCallData: new Uint8Array(4),
    });
    await b.next('INCOMING_CALL');
    b.send({ type: 'CALL_RESPONSE', callId, decision: 'accept', ephemeral: new Uint8Array(32).fill(2) });
    await a.next('MEDIA_GRANT');

    relay.child.kill('SIGHUP');
    await relay.waitFor('blocklist reloaded');

    relay.child.kill('SIGTERM');
    expect(await a.next('CALL_END')).toMatchObject({ callId, reason: 'relay-shutdown' });
    expect(await b.next('CALL_END')).toMatchObject({ callId, reason: 'relay-shutdown' });
    expect(await relay.exited).toBe(0);
    expect(relay.output()).toContain('leitung-relay stopped');
    // The database was closed (its exclusive lock released) and holds both registrations.
    const store = new SqliteDirectoryStore(join(data, 'directory.sqlite'));
    expect(store.count()).toBe(2);
    store.close();
  });

  it('refuses to start with a relay key file others can read', async () => {
    const data = await dataDirWithKey();
    dirs.push(data);
    spawnSync('chmod', ['644', join(data, 'relay-key.pem')]);
    const result = spawnSync(process.execPath, [MAIN, '--data', data, '--port', '0', '--media-port', '0'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('RELAY_ERR_KEY_FILE');
  });
});
