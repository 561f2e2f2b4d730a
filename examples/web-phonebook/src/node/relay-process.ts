/**
 * Runs the `leitung-relay` program (examples/relay) on 127.0.0.1 with its WebSocket listener for the page
 * (`--ws-port 0`, `--ws-origin` = the page's origin; docs/relay.md "WebSocket listener") and waits for its
 * relay-list entry (`--info-out`), which then carries the `webSocket` URL. Ports are all chosen by the
 * system. `stop()` sends SIGTERM and, after the relay's grace period, SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RelayProcess {
  /** The relay-list entry `{host, port, mediaPort, fingerprint, webSocket}`. */
  readonly entry: Record<string, unknown> & { readonly webSocket: string; readonly fingerprint: string };
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export interface RelayProcessOptions {
  /** examples/relay/src/main.mjs */
  readonly program: string;
  readonly dataDir: string;
  readonly origin: string;
  /** A PKCS#8 PEM for the relay key (tests use a cached key; otherwise the relay generates one). */
  readonly keyPem?: string;
  /** Fixed ports (to start a relay again where its pinned entry says it is); default: chosen by the system. */
  readonly ports?: { readonly port: number; readonly mediaPort: number; readonly wsPort: number };
  readonly timeoutMs?: number;
}

const STOP_GRACE_MS = 5000;

export async function startRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  if (options.keyPem !== undefined) {
    await writeFile(join(options.dataDir, 'relay-key.pem'), options.keyPem, { mode: 0o600 });
  }
  const infoFile = join(options.dataDir, 'relay-info.json');
  await rm(infoFile, { force: true });
  const ports = options.ports ?? { port: 0, mediaPort: 0, wsPort: 0 };
  const args = [
    options.program,
    ...['--host', '127.0.0.1', '--port', String(ports.port), '--media-port', String(ports.mediaPort)],
    ...['--ws-port', String(ports.wsPort)],
    ...['--ws-origin', options.origin, '--data', options.dataDir, '--info-out', infoFile],
    ...['--log-level', 'warn', '--log-format', 'json'],
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`leitung-relay exited before it was ready: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    }
    const entry = await readEntry(infoFile);
    if (entry !== undefined) return { entry, child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error('leitung-relay did not write its relay-list entry in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function readEntry(file: string): Promise<RelayProcess['entry'] | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as RelayProcess['entry'];
    return typeof value.webSocket === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
