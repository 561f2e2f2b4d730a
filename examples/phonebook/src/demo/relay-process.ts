/**
 * Runs the `leitung-relay` program as a child process on loopback with its own data directory, waits for
 * its relay-list entry (`--info-out`), and reads its Prometheus metrics. The phonebook may not import
 * @leitung/relay (docs/design.md §1), and a real call goes through the real program anyway.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseRelayEntry, type RelayEntry } from '@leitung/client';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';
import { type ManagedChild, startChild } from './child-process.js';
import { relayProgram } from './workspace-paths.js';

export interface RelayProcess {
  readonly entry: RelayEntry;
  readonly metricsPort: number;
  readonly process: ManagedChild;
  /** The metrics page (Prometheus text format). */
  metrics(): Promise<string>;
  /** One sample of a metric without labels, e.g. `leitung_relay_media_sessions`. */
  metric(name: string): Promise<number | undefined>;
  stop(): Promise<number | string>;
}

export interface RelayProcessOptions {
  /** The relay's data directory (key, directory database). */
  readonly dataDir: string;
  /** A PKCS#8 PEM to use as the relay key (saves the RSA-4096 generation; tests use cached keys). */
  readonly keyPem?: string;
  /** How long to wait for the relay to come up (its first start generates a key). */
  readonly timeoutMs?: number;
  /** Scheduling priority of the relay process (child-process.ts). */
  readonly priority?: number;
  /** Chooses the metrics port (default: one free on 127.0.0.1 right now); tests pass one that is taken. */
  readonly choosePort?: () => Promise<number>;
}

/** How often a start is tried again when the metrics port chosen for it was taken before the relay bound it. */
const PORT_RACE_ATTEMPTS = 3;

export async function startRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  if (options.keyPem !== undefined) {
    await writeFile(join(options.dataDir, 'relay-key.pem'), options.keyPem, { mode: 0o600 });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await (options.choosePort ?? freePort)());
    } catch (error) {
      // The port was free when chosen; another process (a parallel test suite) may bind it before the
      // relay does. Only that is retried, with a new port; every other failure is the caller's to see.
      const raced =
        error instanceof PhonebookError && /EADDRINUSE|RELAY_ERR_PORT_UNAVAILABLE/.test(error.message);
      if (!raced || attempt >= PORT_RACE_ATTEMPTS) throw error;
    }
  }
}

async function startOnce(options: RelayProcessOptions, metricsPort: number): Promise<RelayProcess> {
  const infoFile = join(options.dataDir, 'relay-info.json');
  const child = startChild(
    'relay',
    process.execPath,
    [
      relayProgram(),
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--media-port',
      '0',
      '--data',
      options.dataDir,
      '--info-out',
      infoFile,
      '--metrics-port',
      String(metricsPort),
    ],
    options.priority === undefined ? {} : { priority: options.priority },
  );
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let entry: RelayEntry | undefined;
  while (entry === undefined) {
    const exited = await Promise.race([child.exited, sleep(50).then(() => undefined)]);
    if (exited !== undefined) {
      throw new PhonebookError(
        PhonebookErrorCode.RelayStart,
        `the relay exited (${exited}) before it was ready: ${lastLine(child.stderr())}`,
      );
    }
    entry = await readEntry(infoFile);
    if (entry === undefined && Date.now() > deadline) {
      await child.stop();
      throw new PhonebookError(
        PhonebookErrorCode.RelayStart,
        'the relay did not write its relay-list entry in time',
      );
    }
  }
  const url = `http://127.0.0.1:${metricsPort}/metrics`;
  const metrics = async () => {
    const response = await fetch(url);
    if (!response.ok)
      throw new PhonebookError(PhonebookErrorCode.RelayStart, `metrics: HTTP ${response.status}`);
    return response.text();
  };
  return {
    entry,
    metricsPort,
    process: child,
    metrics,
    metric: async (name) => sampleOf(await metrics(), name),
    stop: () => child.stop(),
  };
}

/** The value of an unlabelled sample `name` in Prometheus text, if present. */
export function sampleOf(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `))
      return Number(
        line
          .slice(name.length + 1)
          .trim()
          .split(' ')[0],
      );
  }
  return undefined;
}

async function readEntry(file: string): Promise<RelayEntry | undefined> {
  try {
    // The relay writes the file atomically or at least completely before we can parse it; a half-written
    // file simply fails to parse and is read again.
    return parseRelayEntry(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * A TCP port free right now on 127.0.0.1, for the metrics endpoint: the relay-list entry does not carry it,
 * and choosing it here keeps this independent of the relay's log format.
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
