/**
 * The leitung-relay program (examples/relay): flags, --version, port 0, --info-out, SIGHUP, and a clean shutdown
 * on SIGTERM that ends open calls and closes the database; a taken port or an unusable data directory fails before
 * anything is created, in words with the code once; logs are readable lines on a terminal and JSON otherwise. It imports the built package (run `npx tsup`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
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
      '--crypto-workers',
      '--media-io',
      '--media-thread-nice',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    for (const [flag, value] of [
      ['--media-io', 'fast'],
      ['--media-thread-nice', '-21'],
      ['--media-thread-nice', '20'],
      ['--media-thread-nice', 'x'],
    ]) {
      expect(spawnSync(process.execPath, [MAIN, flag!, value!], { encoding: 'utf8' }).status).toBe(2);
    }
    for (const workers of ['-1', 'x', '1.5']) {
      const run = spawnSync(process.execPath, [MAIN, '--crypto-workers', workers], { encoding: 'utf8' });
      expect(run.status).toBe(2);
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

  it('--version names the program, the library and Node.js', () => {
    const run = spawnSync(process.execPath, [MAIN, '--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(
      /^leitung-relay \d+\.\d+\.\d+ \(@leitung\/relay \d+\.\d+\.\d+, Node\.js v\d+\.\d+\.\d+\)$/,
    );
  });

  it('a taken TCP or UDP port fails before the key or database exist, in words, the code once', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'leitung-relay-ports-'));
    dirs.push(parent);
    const data = join(parent, 'data');
    const tcp: Server = createServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    try {
      const tcpPort = (tcp.address() as { port: number }).port;
      const udpPort = udp.address().port;
      const cases: [string[], string][] = [
        [
          ['--port', String(tcpPort), '--media-port', '0'],
          `the control port 127.0.0.1:${tcpPort} (TCP) is in use`,
        ],
        [
          ['--port', '0', '--media-port', String(udpPort)],
          `the media port 127.0.0.1:${udpPort} (UDP) is in use`,
        ],
      ];
      for (const [ports, words] of cases) {
        const run = spawnSync(process.execPath, [MAIN, '--data', data, ...ports], { encoding: 'utf8' });
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(words);
        expect(run.stderr.match(/RELAY_ERR_PORT_UNAVAILABLE/g)).toHaveLength(1);
        expect(run.stderr).not.toMatch(/EADDRINUSE|at .*\.js/);
        // Nothing was created: no key generated, no database, not even the directory.
        expect(existsSync(data)).toBe(false);
      }
    } finally {
      tcp.close();
      udp.close();
    }
  });

  it('an unusable --data says why in words (no raw "ENOTDIR: …" line), the code once', () => {
    const parent = mkdtempSync(join(tmpdir(), 'leitung-relay-data-'));
    dirs.push(parent);
    const file = join(parent, 'a-file');
    writeFileSync(file, '');
    const run = spawnSync(
      process.execPath,
      [MAIN, '--data', join(file, 'data'), '--port', '0', '--media-port', '0'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `cannot use the data directory ${join(file, 'data')}: a part of the path is a file, not a directory (ENOTDIR) (RELAY_ERR_DATA_DIR)`,
    );
    expect(run.stderr.match(/ENOTDIR/g)).toHaveLength(1);
  });

  it('logs JSON lines without a terminal and readable lines with --log-format pretty', async () => {
    for (const [format, check] of [
      [[], (line: string) => expect(JSON.parse(line)).toMatchObject({ msg: 'relay started', level: 30 })],
      [
        ['--log-format', 'pretty'],
        (line: string) => expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: relay started$/),
      ],
    ] as const) {
      const data = await dataDirWithKey();
      dirs.push(data);
      const child = spawn(
        process.execPath,
        [MAIN, '--data', data, '--port', '0', '--media-port', '0', ...format],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (chunk) => {
        stderr += String(chunk);
      });
      child.stdout!.resume();
      const deadline = Date.now() + 20_000;
      while (!stderr.includes('relay started') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const line = stderr.split('\n').find((l) => l.includes('relay started'));
      expect(line).toBeDefined();
      check(line!);
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });

  it.skipIf(spawnSync('script', ['--version']).status !== 0)(
    'chooses readable lines by itself when stderr is a terminal (run under script(1))',
    async () => {
      const data = await dataDirWithKey();
      dirs.push(data);
      const command = [process.execPath, MAIN, '--data', data, '--port', '0', '--media-port', '0']
        .map((a) => `'${a}'`)
        .join(' ');
      // script gives the relay a pseudo-terminal; timeout stops it after it started.
      const run = spawnSync('script', ['-qec', `timeout -s INT 4 ${command}`, '/dev/null'], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.stdout).toContain('leitung-relay ready');
      expect(run.stdout).toMatch(/INFO.*relay started/);
      expect(run.stdout).not.toContain('"msg":"relay started"');
    },
  );
});
