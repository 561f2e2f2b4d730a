/**
 * The leitung-relay program's WebSocket flags (docs/operations.md "Flags"): `--ws-port` turns the listener
 * on and `--info-out` then carries its URL; `--ws-origin` and `--ws-public-url` need it. The program
 * imports the built package (run `npx tsup`). A registration and a call over the listener through this
 * program are in packages/client/test/web-socket-transport.test.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirWithKey, removeDir } from './support/keys.js';

const MAIN = resolve(import.meta.dirname, '../../../examples/relay/src/main.mjs');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

describe('leitung-relay --ws-port', () => {
  it('checks the WebSocket flags', () => {
    expect(run(['--help']).stdout).toContain('--ws-port');
    expect(run(['--ws-port', '70000']).status).toBe(2);
    expect(run(['--ws-origin', 'https://phone.example']).status).toBe(2);
    expect(run(['--ws-public-url', 'wss://relay.example']).status).toBe(2);
  });

  it('refuses an origin that is not scheme://host[:port] (RELAY_ERR_INVALID_OPTION)', async () => {
    const data = await dataDirWithKey();
    dirs.push(data);
    const bad = run([
      '--data',
      data,
      '--port',
      '0',
      '--media-port',
      '0',
      '--ws-port',
      '0',
      '--ws-origin',
      'https://a.example/x',
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('RELAY_ERR_INVALID_OPTION');
  });

  it('listens and writes the webSocket URL to --info-out', async () => {
    const data = await dataDirWithKey();
    dirs.push(data);
    const info = join(data, 'relay.json');
    const child = spawn(
      process.execPath,
      [MAIN, '--data', data, '--port', '0', '--media-port', '0', '--ws-port', '0', '--info-out', info],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    child.stderr!.resume();
    let stdout = '';
    await new Promise<void>((resolveReady, reject) => {
      child.stdout!.on('data', (chunk) => {
        stdout += String(chunk);
        if (stdout.includes('leitung-relay ready')) resolveReady();
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stdout}`)));
    });
    const entry = JSON.parse(readFileSync(info, 'utf8')) as { webSocket?: string };
    expect(entry.webSocket).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toContain(`leitung-relay websocket ${entry.webSocket}`);
    const response = await fetch(`${entry.webSocket!.replace('ws:', 'http:')}/control`);
    expect(response.status).toBe(426);
  });
});
