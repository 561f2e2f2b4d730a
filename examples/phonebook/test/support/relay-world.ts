/**
 * A real leitung-relay process for a test file, in a temporary folder with its relay list written, and
 * the phonebook sessions opened against it; `close()` ends the sessions, every child process and the
 * folder. Also `until`: polls a rendered screen (ink-testing-library) until it shows what is expected.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAllChildren } from '../../src/demo/child-process.js';
import { type RelayProcess, startRelayProcess } from '../../src/demo/relay-process.js';
import { relayKeyPem, TEST_PASSPHRASE } from './identities.js';
import { openTestSession, type TestSession } from './sessions.js';

export class RelayWorld {
  readonly temp: string;
  readonly relay: RelayProcess;
  readonly relaysFile: string;
  /** A file holding the test vault passphrase (for `--passphrase-file`). */
  readonly passFile: string;
  readonly sessions: TestSession[] = [];
  readonly #cleanups: (() => void)[] = [];

  private constructor(temp: string, relay: RelayProcess, relaysFile: string, passFile: string) {
    this.temp = temp;
    this.relay = relay;
    this.relaysFile = relaysFile;
    this.passFile = passFile;
  }

  static async start(prefix: string): Promise<RelayWorld> {
    const temp = await mkdtemp(join(tmpdir(), `leitung-phonebook-${prefix}-`));
    const relay = await startRelayProcess({ dataDir: join(temp, 'relay'), keyPem: await relayKeyPem() });
    const relaysFile = join(temp, 'relays.json');
    await writeFile(relaysFile, JSON.stringify([relay.entry]));
    const passFile = join(temp, 'passphrase');
    await writeFile(passFile, TEST_PASSPHRASE);
    return new RelayWorld(temp, relay, relaysFile, passFile);
  }

  /** Opens a session of `name` (the test identity of that name) against this relay; closed by `close()`. */
  async open(name: string, ...rest: OpenRest): Promise<TestSession> {
    const s = await openTestSession(this.temp, this.relaysFile, name, ...rest);
    this.sessions.push(s);
    return s;
  }

  /** Runs `cleanup` first when the world closes (e.g. unmounting screens). */
  onClose(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const cleanup of this.#cleanups) cleanup();
    await Promise.all(this.sessions.map((s) => s.session.close()));
    await stopAllChildren();
    await rm(this.temp, { recursive: true, force: true });
  }
}

type OpenRest = Parameters<typeof openTestSession> extends [string, string, string, ...infer R] ? R : never;

/** Polls the rendered frame until `test` holds (the UI updates asynchronously from network events). */
export async function until(
  frame: () => string | undefined,
  test: (text: string) => boolean,
  what: string,
  ms = 20_000,
): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = frame() ?? '';
    if (test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
