// The real programs: a leitung-relay and two headless phonebooks (Alice calls Bob, Bob answers), with
// udp-proxy.mjs between the phonebooks and the relay's media port. Alice speaks the benchmark sentence;
// Bob's phonebook writes what he heard to a WAV file. The identities are created once and reused for
// every call (one call per network condition).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUdpProxy } from './udp-proxy.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RELAY = join(ROOT, 'examples', 'relay', 'src', 'main.mjs');
const PHONEBOOK = join(ROOT, 'examples', 'phonebook', 'dist', 'main.js');
const PASSPHRASE = 'audio-quality bench, not for real use';

function start(name, args, children) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  raisePriority(child.pid);
  const events = [];
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (line.startsWith('{')) {
        try {
          events.push(JSON.parse(line));
        } catch {
          // not an event line
        }
      }
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  const handle = { name, child, events, exited, stderr: () => stderr };
  children.add(handle);
  void exited.then(() => children.delete(handle));
  return handle;
}

/**
 * Real-time audio on a machine shared with other work runs at a higher scheduling priority, as audio
 * software does (nice −10, where the OS allows it); without it the figures measure the machine's load.
 */
export function raisePriority(pid) {
  try {
    setPriority(pid, -10);
  } catch {
    // not permitted here: run at normal priority
  }
}

async function waitFor(p, event, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = p.events.find((e) => e.event === event);
    if (found) return found;
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited without ${event}: ${p.stderr().trim().split('\n').at(-1)}`);
    if (Date.now() > deadline) throw new Error(`${p.name}: no ${event} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the relay and the proxy; `call(plans, speechWav, durationS)` runs one call and returns Bob's WAV. */
export async function startPrograms(dir) {
  const children = new Set();
  const stopAll = async () => {
    for (const c of [...children]) {
      c.child.kill('SIGTERM');
      await Promise.race([c.exited, new Promise((r) => setTimeout(r, 3000))]);
      if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  };
  let proxy;
  try {
    mkdirSync(join(dir, 'relay'), { recursive: true, mode: 0o700 });
    const info = join(dir, 'relay', 'info.json');
    const relay = start(
      'relay',
      [
        RELAY,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--media-port',
        '0',
        '--data',
        join(dir, 'relay'),
        '--info-out',
        info,
      ],
      children,
    );
    let entry;
    const deadline = Date.now() + 60_000;
    while (entry === undefined) {
      try {
        entry = JSON.parse(readFileSync(info, 'utf8'));
      } catch {
        if (relay.child.exitCode !== null) throw new Error(`relay exited: ${relay.stderr()}`);
        if (Date.now() > deadline) throw new Error('relay did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    proxy = await startUdpProxy({ host: entry.host, port: entry.mediaPort });
    const relays = join(dir, 'relays.json');
    writeFileSync(relays, `${JSON.stringify([{ ...entry, mediaPort: proxy.port }], null, 2)}\n`);
    const pass = join(dir, 'passphrase');
    writeFileSync(pass, `${PASSPHRASE}\n`, { mode: 0o600 });
    const common = ['--json', '--relays', relays, '--passphrase-file', pass, '--timeout', '60'];
    let calls = 0;
    return {
      async call(plans, speechWav, durationS) {
        proxy.setPlans(plans);
        const heard = join(dir, `bob-heard-${++calls}.wav`);
        const bob = start(
          'bob',
          [
            PHONEBOOK,
            ...common,
            '--data',
            join(dir, 'bob'),
            '--name',
            'bob',
            '--auto-answer',
            '--input',
            speechWav,
            '--output',
            heard,
          ],
          children,
        );
        await waitFor(bob, 'registration:complete', 90_000);
        const alice = start(
          'alice',
          [
            PHONEBOOK,
            ...common,
            ...['--data', join(dir, 'alice'), '--name', 'alice', '--call', 'bob'],
            ...[
              '--duration',
              durationS.toFixed(1),
              '--input',
              speechWav,
              '--output',
              join(dir, 'alice-heard.wav'),
            ],
          ],
          children,
        );
        const [a, b] = await Promise.all([alice.exited, bob.exited]);
        if (a !== 0 || b !== 0)
          throw new Error(`phonebooks exited ${a} / ${b}: ${alice.stderr()} ${bob.stderr()}`);
        const statsOf = (p) => p.events.find((e) => e.event === 'call:stats')?.stats;
        return { heard, stats: statsOf(bob), caller: statsOf(alice) };
      },
      async stop() {
        proxy?.close();
        await stopAll();
      },
    };
  } catch (error) {
    proxy?.close();
    await stopAll();
    throw error;
  }
}
