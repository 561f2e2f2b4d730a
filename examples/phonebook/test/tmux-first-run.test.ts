/**
 * One real run of the built program in a real terminal: tmux, 80×24. A first run whose name is taken
 * ("alice", registered by someone else): the vault passphrase is asked twice, registration is refused, the
 * program asks for another name, and with the new one it registers and shows the phonebook; q quits with
 * status 0. Skipped with a notice where tmux is missing. The tmux server (its own socket) and the program
 * are stopped in `finally`, also when the test fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/config/data-lock.js';
import { phonebookProgram } from '../src/demo/workspace-paths.js';
import { TEST_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';
import { RelayWorld } from './support/relay-world.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('tmux-first-run: tmux is missing, the real-terminal run is skipped');

let world: RelayWorld;

beforeAll(async () => {
  if (!hasTmux) return;
  world = await RelayWorld.start('tmux');
  const alice = await world.open('alice');
  await alice.session.start();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const socket = `leitung-phonebook-test-${process.pid}`;
const SESSION = 'first-run';

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args[0]}: ${result.stderr}`);
  return result.stdout;
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', SESSION);
}

/** Waits until the 80×24 screen (lines joined, borders removed) shows `text`. */
async function until(text: string | RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const raw = screen();
    const flat = raw.replace(/[│║╭╮╰╯─═]/g, ' ').replace(/\s+/g, ' ');
    if (typeof text === 'string' ? flat.includes(text) : text.test(flat)) return raw;
    if (Date.now() > end) throw new Error(`timed out waiting for ${String(text)}; screen:\n${raw}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Types `text` (literally) and Enter, once the prompt that just appeared is listening. */
async function type(text: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 150));
  tmux('send-keys', '-t', SESSION, '-l', text);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

describe('the built program in tmux (80×24)', () => {
  it.skipIf(!hasTmux)(
    'first run with a taken name: asked for another name, it registers with it',
    async () => {
      const data = join(world.temp, 'bob');
      const key = await writeEncryptedIdentity(world.temp, 'bob');
      const command = [
        process.execPath,
        phonebookProgram(),
        ...['--data', data, '--relays', world.relaysFile, '--name', 'alice', '--import-identity', key],
        ...['--tone', '--output', join(world.temp, 'bob.wav')],
      ]
        .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
        .join(' ');
      try {
        tmux(
          'new-session',
          '-d',
          '-x',
          '80',
          '-y',
          '24',
          '-s',
          SESSION,
          '-e',
          'LEITUNG_PASSPHRASE=',
          // ink prints nothing while CI is set (is-in-ci): the program runs as a person would run it.
          `unset CI CONTINUOUS_INTEGRATION; ${command}; echo "exit status $?"; sleep 60`,
        );
        await until('Vault passphrase:');
        await type(TEST_PASSPHRASE);
        await until('Repeat the passphrase:');
        await type(TEST_PASSPHRASE);
        const asked = await until('Another name:');
        console.log(`the prompt for another name, 80×24:\n${asked}`);
        expect(asked.replace(/[│╭╮╰╯─\s]+/g, ' ')).toContain(
          'The name "alice" is already taken on this relay. Choose another name. (RELAY_ERR_NAME_TAKEN)',
        );
        await type('bobby');
        const phonebook = await until(/you are bobby .*connected/);
        console.log(`registered, 80×24:\n${phonebook}`);
        expect(phonebook).toContain('alice');
        tmux('send-keys', '-t', SESSION, 'q');
        await until('exit status 0');
        expect(readFileSync(join(data, 'client_name.txt'), 'utf8').trim()).toBe('bobby');
      } finally {
        // The program's pid is in its lock file while it runs: stop it, then the tmux server.
        try {
          const pid = Number(readFileSync(join(data, LOCK_FILE), 'utf8'));
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // no lock file: the program has exited
        }
        spawnSync('tmux', ['-L', socket, 'kill-server']);
      }
    },
    60_000,
  );
});
