/**
 * `npm run demo:web`: starts the leitung-relay program with its WebSocket listener and serves the built
 * page on 127.0.0.1, then prints the URL to open and how to put a terminal phonebook on the same relay.
 * Runs until Ctrl-C (or SIGTERM); then stops the relay and the server and removes the temporary folder.
 *
 *   node dist/demo.js [--port PORT]   (default: a free port)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RelayProcess, startRelayProcess } from './relay-process.js';
import { type PageServer, startPageServer } from './static-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = resolve(here, '..');
const repoRoot = resolve(packageRoot, '..', '..');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('leitung web demo: --port takes a port number');
    return 2;
  }
  const temp = await mkdtemp(join(tmpdir(), 'leitung-web-demo-'));
  let server: PageServer | undefined;
  let relay: RelayProcess | undefined;
  const stopped = new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  try {
    server = await startPageServer(join(packageRoot, 'dist', 'www'), port);
    process.stdout.write('starting leitung-relay (its first start creates an RSA-4096 key) …\n');
    relay = await startRelayProcess({
      program: join(repoRoot, 'examples', 'relay', 'src', 'main.mjs'),
      dataDir: join(temp, 'relay'),
      origin: server.origin,
    });
    server.setRelays([relay.entry]);
    const relaysFile = join(temp, 'relays.json');
    await writeFile(relaysFile, JSON.stringify([relay.entry]));
    process.stdout.write(
      [
        '',
        'Leitung in the browser',
        '',
        `  open        ${server.origin}/   (in Chromium; allow the microphone)`,
        `  relay       ${relay.entry.webSocket} (WebSocket), fingerprint ${relay.entry.fingerprint.slice(0, 16)}…`,
        '  a second    open the URL in a private window, or (after npm run build) a terminal phonebook:',
        `              node examples/phonebook/dist/main.js --data ./bob --relays ${relaysFile}`,
        '',
        'Ctrl-C stops the relay and the server.',
        '',
      ].join('\n'),
    );
    await stopped;
    return 0;
  } catch (error) {
    console.error(`leitung web demo: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await relay?.stop();
    await server?.close();
    await rm(temp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
