/**
 * A terminal of a given size for ink, in two modes. `debug`: ink writes every frame whole (as
 * ink-testing-library does), so each frame can be read. Not `debug`: ink runs as in a real terminal —
 * log-update's incremental writes, and the full-screen path that writes `ESC[2J ESC[3J` (clear screen and
 * scrollback) when a frame is as tall as the terminal — so what the program would send a terminal can be
 * counted. Ink reads `CI` once, when it is first imported, and prints no frames at all in CI; test files
 * that use the real mode import ink (and the screens) only through `loadInk()`, after clearing it.
 */
import { EventEmitter } from 'node:events';
import type { ReactNode } from 'react';

export class FakeStdout extends EventEmitter {
  readonly isTTY = true;
  readonly writes: string[] = [];
  rows: number;
  columns: number;

  constructor(rows: number, columns: number) {
    super();
    this.rows = rows;
    this.columns = columns;
  }

  write = (chunk: string): boolean => {
    this.writes.push(String(chunk));
    return true;
  };
}

export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  #data: string | null = null;

  write = (data: string): void => {
    this.#data = data;
    this.emit('readable');
    this.emit('data', data);
  };

  read = (): string | null => {
    const data = this.#data;
    this.#data = null;
    return data;
  };

  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export interface TestTerminal {
  readonly stdout: FakeStdout;
  readonly stdin: FakeStdin;
  /** In debug mode: the last frame. */
  lastFrame(): string;
  /** Everything written, joined. */
  written(): string;
  rerender(tree: ReactNode): void;
  unmount(): void;
}

type Ink = typeof import('ink');
let ink: Ink | undefined;

/** Imports ink with CI cleared (see above); later imports of ink-based modules share this instance. */
export async function loadInk(): Promise<Ink> {
  if (ink === undefined) {
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    ink = await import('ink');
  }
  return ink;
}

export async function renderInTerminal(
  tree: ReactNode,
  size: { readonly rows: number; readonly columns: number; readonly debug: boolean },
): Promise<TestTerminal> {
  const { render } = await loadInk();
  const stdout = new FakeStdout(size.rows, size.columns);
  const stdin = new FakeStdin();
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new FakeStdout(size.rows, size.columns) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: size.debug,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdout,
    stdin,
    lastFrame: () => stdout.writes.at(-1) ?? '',
    written: () => stdout.writes.join(''),
    rerender: (next) => instance.rerender(next),
    unmount: () => instance.unmount(),
  };
}

/** Text without ANSI escape sequences. */
export function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing escape sequences is the point
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\u001b\][^\u0007]*\u0007/g, '');
}

/** Waits until `test` holds for the text `read` returns. */
export async function waitFor(
  read: () => string,
  test: (text: string) => boolean,
  what: string,
  ms = 5000,
): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = read();
    if (test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
