/**
 * A real `redis-server` for the relay-cluster tests, on a free loopback port, started and stopped by the
 * test (`--save ''`, or append-only persistence in a directory for the restart test). `redisAvailable`
 * says whether the program is installed (the tests skip with a notice otherwise).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const redisAvailable = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export async function freePort(): Promise<number> {
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

export class RedisServer {
  readonly port: number;
  readonly #persistDir: string | undefined;
  #child: ChildProcess | undefined;

  private constructor(port: number, persistDir: string | undefined) {
    this.port = port;
    this.#persistDir = persistDir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server; with `persistDir`, append-only persistence (fsync always) in that directory. */
  static async start(persistDir?: string): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), persistDir);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const persistence =
      this.#persistDir === undefined
        ? ['--save', '', '--appendonly', 'no']
        : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.#persistDir];
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--daemonize', 'no', ...persistence],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      child.stdout!.on('data', (chunk) => {
        out += String(chunk);
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  }

  /** SIGTERM (redis flushes the append-only file), SIGKILL after 5 s. */
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
}
