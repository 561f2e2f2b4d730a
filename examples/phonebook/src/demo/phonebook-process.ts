/**
 * Runs `leitung-phonebook --json` as a child process and collects its events (one JSON object per line).
 */
import type { StampedEvent } from '../app/session-events.js';
import { type ManagedChild, startChild } from './child-process.js';
import { phonebookProgram } from './workspace-paths.js';

/** Any event line of the headless mode: session events plus setup:progress, error and exit. */
export type EventLine = { readonly event: string; readonly t: number } & Record<string, unknown>;

export interface PhonebookProcess {
  readonly name: string;
  readonly process: ManagedChild;
  readonly events: EventLine[];
  /** The first event named `event` (and matching `test`), waiting for it up to `timeoutMs`. */
  waitFor(event: string, timeoutMs: number, test?: (e: EventLine) => boolean): Promise<EventLine>;
  find<K extends StampedEvent['event']>(event: K): Extract<StampedEvent, { event: K }> | undefined;
  stop(): Promise<number | string>;
}

export function startPhonebookProcess(
  name: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  priority?: number,
  cwd?: string,
): PhonebookProcess {
  const events: EventLine[] = [];
  const waiters = new Set<() => void>();
  const child = startChild(name, process.execPath, [phonebookProgram(), '--json', ...args], {
    ...(env === undefined ? {} : { env }),
    ...(priority === undefined ? {} : { priority }),
    ...(cwd === undefined ? {} : { cwd }),
    onLine: (line) => {
      if (!line.startsWith('{')) return;
      try {
        events.push(JSON.parse(line) as EventLine);
      } catch {
        return;
      }
      for (const w of [...waiters]) w();
    },
  });
  void child.exited.then(() => {
    for (const w of [...waiters]) w();
  });
  return {
    name,
    process: child,
    events,
    waitFor: (event, timeoutMs, test = () => true) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find((e) => e.event === event && test(e));
          if (found) {
            done();
            resolve(found);
          } else if (child.child.exitCode !== null || child.child.signalCode !== null) {
            done();
            reject(
              new Error(`${name} exited without ${event}: ${child.stderr().trim().split('\n').at(-1) ?? ''}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no ${event} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    find: (event) => events.find((e) => e.event === event) as never,
    stop: () => child.stop(),
  };
}
