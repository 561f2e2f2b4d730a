/**
 * SecurityMonitor (docs/design.md §7): the /proc parsers, every rule on injected /proc contents, the
 * "unsupported" behaviour off Linux, and on Linux real child processes: one run with --inspect, one traced
 * by strace and one by gdb (each skipped with a notice when the tool is missing), one with LD_PRELOAD and
 * NODE_OPTIONS. Every child a test starts is killed by that test, even on failure.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SecurityFinding, SecurityMonitor } from '../src/index.js';
import {
  environValue,
  inspectorFlags,
  parseCoreLimit,
  parseRealUid,
  parseTracerPid,
  riskyNodeOptions,
} from '../src/monitor/proc-parsers.js';
import { waitFor } from './support/fixtures.js';

const linux = process.platform === 'linux';
const has = (tool: string): boolean => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasStrace = linux && has('strace');
const hasGdb = linux && has('gdb');
if (!linux) console.warn('security-monitor: not on Linux — the /proc tests with child processes are skipped');
else if (!hasStrace || !hasGdb)
  console.warn(
    `security-monitor: missing ${[!hasStrace && 'strace', !hasGdb && 'gdb'].filter(Boolean).join(', ')} — that tracer test is skipped`,
  );

const children: ChildProcess[] = [];
/** Pids the children reported (under strace the node process is a grandchild of the test). */
const pids: number[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Starts `command`; resolves with the pid the node script inside prints first. */
function launch(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('child did not report its pid')), 10_000);
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        pids.push(Number(line));
        resolve({ child, pid: Number(line) });
      }
    });
    child.on('error', reject);
  });
}

const sleeper = ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)'];
const codes = (findings: SecurityFinding[]) => findings.map((f) => f.code);

describe('proc parsers', () => {
  it('read TracerPid, Uid, the core limit, environ and inspector flags', () => {
    const status = 'Name:\tnode\nState:\tS\nTracerPid:\t123\nUid:\t1000\t1000\t1000\t1000\n';
    expect(parseTracerPid(status)).toBe(123);
    expect(parseRealUid(status)).toBe(1000);
    expect(parseTracerPid('Name:\tx\n')).toBeUndefined();
    const limits =
      'Limit  Soft Limit  Hard Limit  Units\nMax core file size        0                    unlimited            bytes\n';
    expect(parseCoreLimit(limits)).toBe(0);
    expect(parseCoreLimit(limits.replace(/ 0 /, ' unlimited '))).toBe(Number.POSITIVE_INFINITY);
    expect(parseCoreLimit('nothing')).toBeUndefined();
    expect(environValue('A=1\0NODE_OPTIONS=--inspect\0B=2\0', 'NODE_OPTIONS')).toBe('--inspect');
    expect(
      inspectorFlags(['node', '--inspect=127.0.0.1:0', '--inspect-brk', '--inspectx', '-e', 'x']),
    ).toEqual(['--inspect=127.0.0.1:0', '--inspect-brk']);
    expect(riskyNodeOptions('--max-old-space-size=100')).toBe(false);
    expect(riskyNodeOptions('--require ./hook.js')).toBe(true);
    expect(riskyNodeOptions('--import=./x.mjs')).toBe(true);
  });
});

describe('SecurityMonitor rules on injected /proc contents', () => {
  const proc: Record<string, string> = {
    '/proc/7/status': 'Name:\tnode\nTracerPid:\t99\nUid:\t0\t0\t0\t0\n',
    '/proc/99/comm': 'gdb\n',
    '/proc/7/limits': 'Max core file size        unlimited            unlimited            bytes\n',
    '/proc/sys/kernel/core_pattern': '|/usr/lib/systemd/systemd-coredump %P\n',
    '/proc/sys/kernel/yama/ptrace_scope': '0\n',
    '/proc/7/cmdline': 'node\0--inspect-brk\0app.js\0',
    '/proc/7/environ': 'NODE_OPTIONS=--require ./evil.js\0LD_PRELOAD=/tmp/hook.so\0',
  };

  it('reports each weakness with its severity, once', () => {
    const monitor = new SecurityMonitor({ platform: 'linux', pid: 7, readFile: (p) => proc[p] });
    const emitted: SecurityFinding[] = [];
    monitor.on('security:finding', (f) => emitted.push(f));
    const findings = monitor.scan();
    expect(Object.fromEntries(findings.map((f) => [f.code, f.severity]))).toEqual({
      'debugger-attached': 'critical',
      'core-dumps-enabled': 'medium',
      'ptrace-unrestricted': 'medium',
      'inspector-enabled': 'critical',
      'node-options': 'high',
      'ld-preload': 'high',
      'running-as-root': 'medium',
    });
    expect(findings.find((f) => f.code === 'debugger-attached')?.detail).toEqual({
      tracerPid: 99,
      tracer: 'gdb',
    });
    expect(monitor.debuggerAttached()).toBe(true);
    expect(emitted).toHaveLength(findings.length);
    monitor.scan();
    expect(emitted).toHaveLength(findings.length);
  });

  it('reports nothing for a hardened process', () => {
    const clean: Record<string, string> = {
      '/proc/7/status': 'TracerPid:\t0\nUid:\t1000\t1000\t1000\t1000\n',
      '/proc/7/limits': 'Max core file size        0                    0                    bytes\n',
      '/proc/sys/kernel/yama/ptrace_scope': '1\n',
      '/proc/7/cmdline': 'node\0app.js\0',
      '/proc/7/environ': 'HOME=/home/x\0',
    };
    const monitor = new SecurityMonitor({ platform: 'linux', pid: 7, readFile: (p) => clean[p] });
    expect(monitor.scan()).toEqual([]);
    expect(monitor.debuggerAttached()).toBe(false);
  });

  it('off Linux reports "unsupported" and does nothing else', () => {
    let reads = 0;
    const monitor = new SecurityMonitor({
      platform: 'darwin',
      readFile: () => {
        reads += 1;
        return 'TracerPid:\t1\n';
      },
    });
    expect(monitor.supported).toBe(false);
    expect(codes(monitor.scan())).toEqual(['unsupported-platform']);
    expect(monitor.debuggerAttached()).toBe(false);
    monitor.start();
    monitor.stop();
    expect(reads).toBe(0);
  });
});

describe.skipIf(!linux)('SecurityMonitor on real processes (Linux)', () => {
  it('reports a child run with --inspect', async () => {
    const { pid } = await launch(process.execPath, ['--inspect=127.0.0.1:0', ...sleeper]);
    const findings = new SecurityMonitor({ pid }).scan();
    expect(findings.find((f) => f.code === 'inspector-enabled')).toMatchObject({
      severity: 'critical',
      detail: { flags: '--inspect=127.0.0.1:0' },
    });
    expect(codes(findings)).not.toContain('debugger-attached');
  });

  it.skipIf(!hasStrace)('reports a child traced by strace', async () => {
    const { pid } = await launch('strace', ['-f', '-o', '/dev/null', process.execPath, ...sleeper]);
    const monitor = new SecurityMonitor({ pid });
    expect(monitor.debuggerAttached()).toBe(true);
    expect(monitor.scan().find((f) => f.code === 'debugger-attached')?.detail).toMatchObject({
      tracer: 'strace',
    });
  });

  it.skipIf(!hasGdb)('reports a child once gdb attaches to it', async () => {
    const { pid } = await launch(process.execPath, sleeper);
    const monitor = new SecurityMonitor({ pid });
    expect(monitor.debuggerAttached()).toBe(false);
    // Interactive gdb reading commands from a pipe stays attached until killed (no helper processes).
    const gdb = spawn('gdb', ['-q', '-nx', '-p', String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(gdb);
    await waitFor(() => monitor.debuggerAttached(), 15_000, 'gdb to attach');
    expect(monitor.scan().find((f) => f.code === 'debugger-attached')?.detail).toMatchObject({
      tracer: 'gdb',
    });
  });

  it('reports LD_PRELOAD and NODE_OPTIONS of a child', async () => {
    const { pid } = await launch(process.execPath, sleeper, {
      ...process.env,
      LD_PRELOAD: '/nonexistent/leitung-test.so',
      NODE_OPTIONS: '--max-old-space-size=64',
    });
    const findings = new SecurityMonitor({ pid }).scan();
    expect(findings.find((f) => f.code === 'ld-preload')?.severity).toBe('high');
    expect(findings.find((f) => f.code === 'node-options')?.severity).toBe('low');
  });

  it('reports vault permissions and root for this process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leitung-monitor-'));
    try {
      const vaultPath = join(dir, 'vault.leitung');
      await writeFile(vaultPath, 'x', { mode: 0o600 });
      expect(codes(new SecurityMonitor({ vaultPath }).scan())).not.toContain('vault-permissions');
      await chmod(vaultPath, 0o644);
      const findings = new SecurityMonitor({ vaultPath }).scan();
      expect(findings.find((f) => f.code === 'vault-permissions')?.detail).toEqual({ mode: '0644' });
      expect(codes(findings).includes('running-as-root')).toBe(process.getuid?.() === 0);
      expect(new SecurityMonitor().debuggerAttached()).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
