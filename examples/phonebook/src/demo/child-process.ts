/**
 * Child processes the demo and the tests start: each is tracked, its output kept, and `stop` ends it
 * (SIGTERM, then SIGKILL after a grace period) and waits until it has exited — so nothing outlives the
 * run that started it, also when that run fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setPriority } from 'node:os';

export interface ManagedChild {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. Idempotent. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface ChildOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called with each line of stdout. */
  readonly onLine?: (line: string) => void;
  /**
   * Scheduling priority (nice value, −20…19). Real-time audio tested on a machine busy with other test
   * suites is given a higher priority (e.g. −10) where the OS allows it, as audio software would be.
   */
  readonly priority?: number;
}

const running = new Set<ManagedChild>();

export function startChild(
  name: string,
  command: string,
  args: readonly string[],
  options: ChildOptions = {},
): ManagedChild {
  const child = spawn(command, [...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  if (options.priority !== undefined && child.pid !== undefined) {
    try {
      setPriority(child.pid, options.priority);
    } catch {
      // Raising priority needs privileges (root or CAP_SYS_NICE); without them the child runs as it is.
    }
  }
  let out = '';
  let err = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (!options.onLine) return;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Keep the tail only: enough to explain a failure, bounded for a chatty process.
    err = (err + chunk).slice(-16_384);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn-failed'));
  });
  let stopping: Promise<number | string> | undefined;
  const managed: ManagedChild = {
    name,
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    stop: (graceMs = 3000) => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(timer);
          return code;
        }
        return exited;
      })();
      return stopping;
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  return managed;
}

/** Stops every child still running (cleanup on failure or Ctrl-C). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}
