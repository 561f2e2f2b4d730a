/**
 * Runs the terminal phonebook (examples/phonebook, built) in headless mode with `--json` and collects its
 * events, one JSON object per line. Every process started here is stopped by `stopAll()` (the suites call
 * it in afterEach/afterAll, also after a failure): SIGTERM, then SIGKILL after 5 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's root: the nearest folder up with package-lock.json (also from a bundled copy of this file). */
function repoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package-lock.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const REPO_ROOT = repoRoot(import.meta.dirname);
export const PHONEBOOK_PROGRAM = join(REPO_ROOT, 'examples', 'phonebook', 'dist', 'main.js');
export const RELAY_PROGRAM = join(REPO_ROOT, 'examples', 'relay', 'src', 'main.mjs');
export const programsBuilt =
  existsSync(PHONEBOOK_PROGRAM) && existsSync(join(REPO_ROOT, 'packages', 'relay', 'dist', 'index.js'));

export type EventLine = { readonly event: string; readonly t: number } & Record<string, unknown>;

export interface TerminalPhonebook {
  readonly events: EventLine[];
  readonly exited: Promise<number | string>;
  /** The `nth` (from 1) event of that name, as soon as it is there. */
  waitFor(event: string, timeoutMs: number, nth?: number): Promise<EventLine>;
  stderr(): string;
}

const running = new Set<ChildProcess>();

export function startTerminalPhonebook(args: readonly string[], passphrase: string): TerminalPhonebook {
  const child = spawn(process.execPath, [PHONEBOOK_PROGRAM, '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LEITUNG_PASSPHRASE: passphrase },
  });
  running.add(child);
  const events: EventLine[] = [];
  const waiters = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    let newline = stdout.indexOf('\n');
    while (newline >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      newline = stdout.indexOf('\n');
      if (!line.startsWith('{')) continue;
      try {
        events.push(JSON.parse(line) as EventLine);
      } catch {
        continue;
      }
      for (const w of [...waiters]) w();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      for (const w of [...waiters]) w();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    events,
    exited,
    stderr: () => stderr,
    waitFor: (event, timeoutMs, nth = 1) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.filter((e) => e.event === event)[nth - 1];
          if (found !== undefined) {
            done();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`the phonebook exited without ${event}: ${lastError(events, stderr)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${event} within ${timeoutMs} ms: ${lastError(events, stderr)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}

function lastError(events: readonly EventLine[], stderr: string): string {
  const error = [...events].reverse().find((e) => e.event === 'error');
  return error === undefined ? (stderr.trim().split('\n').at(-1) ?? '') : JSON.stringify(error);
}

/** Stops every terminal phonebook still running. */
export async function stopAllTerminalPhonebooks(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
