/**
 * Runs the real `leitung-relay` program (examples/relay) as a child process on 127.0.0.1 with ports 0 —
 * the client may not import @leitung/relay, not even in tests (tests/layers.ts). The relay key is
 * pre-written into the data directory from the cached test keys (no RSA keygen per test); `stop()` sends
 * SIGTERM (SIGKILL after 5 s) and `start()` again reuses the data directory and ports (a restart).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testKeyPair } from '../../../../scripts/test-keys.mjs';
import { parseRelayEntry, type RelayEntry } from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const RELAY_PROGRAM = join(root, 'examples', 'relay', 'src', 'main.mjs');
const RELAY_DIST = join(root, 'packages', 'relay', 'dist', 'index.js');

/** Whether the program and the built @leitung/relay it imports are there. */
export const realRelayAvailable = existsSync(RELAY_PROGRAM) && existsSync(RELAY_DIST);

export class RealRelay {
  readonly dataDir: string;
  /** Extra program arguments (e.g. `--redis URL` for a relay cluster). */
  readonly extraArgs: readonly string[];
  #child: ChildProcess | undefined;
  #entry: RelayEntry | undefined;
  stderr = '';

  private constructor(dataDir: string, extraArgs: readonly string[]) {
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
  }

  /** Starts a relay in `dataDir` whose key is the cached test key `keyName`. */
  static async start(
    dataDir: string,
    keyName: string,
    extraArgs: readonly string[] = [],
  ): Promise<RealRelay> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const pem = (await testKeyPair(keyName)).privateKeyPem;
    await writeFile(join(dataDir, 'relay-key.pem'), pem, { mode: 0o600 });
    const relay = new RealRelay(dataDir, extraArgs);
    await relay.start();
    return relay;
  }

  get entry(): RelayEntry {
    if (!this.#entry) throw new Error('relay not started');
    return this.#entry;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const info = join(this.dataDir, 'info.json');
    const args = [
      RELAY_PROGRAM,
      '--host',
      '127.0.0.1',
      '--port',
      String(this.#entry?.port ?? 0),
      '--media-port',
      String(this.#entry?.mediaPort ?? 0),
      '--data',
      this.dataDir,
      '--info-out',
      info,
      '--log-level',
      'warn',
      ...this.extraArgs,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stderr!.on('data', (chunk) => {
      this.stderr += String(chunk);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`leitung-relay did not start: ${this.stderr}`)),
        20_000,
      );
      child.stdout!.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('leitung-relay ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`leitung-relay exited with ${code}: ${this.stderr}`));
      });
    });
    this.#entry = parseRelayEntry(JSON.parse(await readFile(info, 'utf8')));
  }

  /** SIGTERM (clean shutdown), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Kills without a clean shutdown (a crash). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
