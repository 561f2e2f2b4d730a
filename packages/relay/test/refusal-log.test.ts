/**
 * Refusal logging is rate-limited (docs/relay.md "Events and logs"): the real leitung-relay program
 * (examples/relay, the BUILT package — run `npx tsup`) at the default log level, 1 000 connections from
 * 100 blocklisted loopback addresses (127.0.0.2–101): the log grows by a few lines and one summary, not
 * by one line per refusal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefusalLog } from '../src/shell/refusal-log.js';
import { dataDirWithKey, removeDir } from './support/keys.js';

const MAIN = resolve(import.meta.dirname, '../../../examples/relay/src/main.mjs');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

/** Connects from `localAddress`; resolves when the relay has closed the connection. */
function refusedConnection(port: number, localAddress: string): Promise<void> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('data', () => undefined);
    socket.on('error', () => done());
    socket.on('close', () => done());
  });
}

describe('refusal logging (docs/relay.md "Events and logs")', () => {
  it('1 000 refused connections from 100 addresses add a few lines and one summary to the log', async () => {
    const data = await dataDirWithKey();
    dirs.push(data);
    const blocklist = join(data, 'blocklist.txt');
    writeFileSync(
      blocklist,
      '127.0.0.2/31\n127.0.0.4/30\n127.0.0.8/29\n127.0.0.16/28\n127.0.0.32/27\n127.0.0.64/26\n',
    );
    const child = spawn(
      process.execPath,
      [MAIN, '--data', data, '--port', '0', '--media-port', '0', '--blocklist', blocklist],
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
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('leitung-relay ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`relay did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = Number(/control tcp 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);
    const before = Buffer.byteLength(stderr);

    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => refusedConnection(port, `127.0.0.${i + 2}`)));
    }
    await new Promise((r) => setTimeout(r, 300));
    const during = Buffer.byteLength(stderr) - before;

    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
    const total = Buffer.byteLength(stderr) - before;
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = lines.filter((l) => l.msg === 'request:refused');
    const summary = lines.find((l) => l.kind === 'RELAY_ERR_BLOCKED' && typeof l.refusals === 'number');
    console.warn(
      `refusal log: 1000 refused connections added ${during} bytes while refusing, ${total} bytes including the shutdown summary`,
    );
    expect(refusals.length).toBe(5);
    expect(summary).toMatchObject({ refusals: 995, addresses: 100 });
    expect(String(summary?.msg)).toMatch(
      /^995 more refusals of kind RELAY_ERR_BLOCKED from 100 addresses in the last \d+ s$/,
    );
    expect(during).toBeLessThan(4096);
    expect(total).toBeLessThan(4096);
  }, 40_000);

  it('RefusalLog: K lines per kind and interval, then one summary when the interval ends', () => {
    vi.useFakeTimers();
    try {
      const lines: Record<string, unknown>[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
      let now = 0;
      const log = new RefusalLog(logger, () => now, { linesPerInterval: 2, intervalMs: 1_000 });
      const refused = (code: string, remoteIp: string) =>
        log.record({ type: 'request:refused', connId: 1, code, remoteIp });
      for (let i = 0; i < 5; i++) refused('RELAY_ERR_BLOCKED', `10.0.0.${i % 3}`);
      refused('RELAY_ERR_RATE_LIMITED', '10.0.0.9');
      expect(lines.map((l) => l.code)).toEqual([
        'RELAY_ERR_BLOCKED',
        'RELAY_ERR_BLOCKED',
        'RELAY_ERR_RATE_LIMITED',
      ]);
      now = 1_000;
      vi.advanceTimersByTime(1_000);
      expect(lines[3]).toMatchObject({
        kind: 'RELAY_ERR_BLOCKED',
        refusals: 3,
        addresses: 3,
        msg: '3 more refusals of kind RELAY_ERR_BLOCKED from 3 addresses in the last 1 s',
      });
      // A new interval logs again; nothing is summarised for kinds with nothing held back.
      now = 1_500;
      refused('RELAY_ERR_BLOCKED', '10.0.0.1');
      log.close();
      expect(lines).toHaveLength(5);
      expect(lines[4]).toMatchObject({ code: 'RELAY_ERR_BLOCKED', msg: 'request:refused' });
      expect(() => new RefusalLog(logger, () => now, { intervalMs: 0 })).toThrow(
        expect.objectContaining({ code: 'RELAY_ERR_INVALID_OPTION' }),
      );
    } finally {
      vi.useRealTimers();
    }
  });
});
