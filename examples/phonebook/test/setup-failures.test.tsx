/**
 * The terminal UI when registration fails, driven with ink-testing-library through the program's own setup
 * (createBoot: vault, imported identity, registration) against the real leitung-relay program: a taken
 * name asks for another name and registers with it (and the next run uses it), a relay that shows
 * another key than the pinned one is the SECURITY ALARM screen, and a dead relay is named with its address
 * and tried again, attempt by attempt, until --timeout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NAME_FILE, SecureVault, VAULT_FILE } from '@leitung/client';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PhonebookSession } from '../src/app/phonebook-session.js';
import { parseCommandLine } from '../src/cli/args.js';
import { PhonebookApp } from '../src/tui/phonebook-app.js';
import { createBoot } from '../src/tui/run-tui.js';
import { TEST_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';
import { RelayWorld, until } from './support/relay-world.js';

const ENTER = '\r';
let world: RelayWorld;
/** What each test started: screens and sessions, closed by afterEach also when the test failed. */
const screens: { unmount(): void }[] = [];
const sessions: PhonebookSession[] = [];

beforeAll(async () => {
  world = await RelayWorld.start('setup-failures');
  // "alice" is taken: registered by another key.
  const alice = await world.open('alice');
  await alice.session.start();
}, 60_000);

afterEach(async () => {
  for (const screen of screens.splice(0)) screen.unmount();
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await world?.close();
});

/** The screens of a first run of `keyName`'s identity with these options, as the program renders them. */
async function firstRun(label: string, keyName: string, args: readonly string[]) {
  const key = await writeEncryptedIdentity(world.temp, keyName);
  const data = join(world.temp, label);
  const parsed = parseCommandLine([
    ...['--data', data, '--import-identity', key, '--tone', '--output', join(world.temp, `${label}.wav`)],
    ...args,
  ]);
  if (parsed.kind !== 'run') throw new Error('not a run');
  let quitWith: number | undefined | 'not yet' = 'not yet';
  const boot = createBoot(parsed.options, (s) => {
    if (s !== undefined) sessions.push(s);
  });
  const screen = render(
    <PhonebookApp
      passphrase={TEST_PASSPHRASE}
      askName={false}
      firstRun
      boot={boot}
      onQuit={(status) => {
        quitWith = status;
      }}
    />,
  );
  screens.push(screen);
  return { screen, data, quitWith: () => quitWith };
}

/** A prompt that just appeared subscribes to keys in an effect, right after the frame: let it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** The frame as one line of words: borders and line breaks of the 100-column frame removed. */
const flat = (t: string) => t.replace(/[│║╭╮╰╯╔╗╚╝─═]/g, ' ').replace(/\s+/g, ' ');

describe('the setup screen when registration fails', () => {
  it('a taken name asks for another name, registers with it and keeps it for the next run', async () => {
    const { screen, data } = await firstRun('taken', 'bob', [
      '--relays',
      world.relaysFile,
      '--name',
      'Alice',
    ]);
    const asked = await until(
      screen.lastFrame,
      (t) => t.includes('Another name:'),
      'the prompt for another name',
    );
    expect(flat(asked)).toContain(
      'The name "Alice" is already taken on this relay. Choose another name. (RELAY_ERR_NAME_TAKEN)',
    );
    // An invalid one is refused at the prompt, naming the rule.
    await settle();
    screen.stdin.write('bob/2');
    screen.stdin.write(ENTER);
    const invalid = await until(screen.lastFrame, (t) => t.includes('cannot be used'), 'the invalid name');
    expect(flat(invalid)).toContain(
      'The name "bob/2" cannot be used: a name is letters and digits, separated by single spaces, dots, dashes or apostrophes. Choose another name. (PHONEBOOK_ERR_NAME_INVALID)',
    );
    await settle();
    screen.stdin.write('bobby');
    screen.stdin.write(ENTER);
    const main = await until(screen.lastFrame, (t) => t.includes('you are bobby'), 'the phonebook of bobby');
    expect(main).toContain('● connected');
    // The relay the first try pinned is still announced with its fingerprint.
    expect(flat(main)).toContain(
      `pinned relay ${world.relay.entry.host}:${world.relay.entry.port} with key fingerprint`,
    );
    // The next run finds the new name in the vault and in client_name.txt.
    expect((await readFile(join(data, NAME_FILE), 'utf8')).trim()).toBe('bobby');
    await sessions.at(-1)?.close();
    const vault = await SecureVault.open(join(data, VAULT_FILE), TEST_PASSPHRASE);
    expect(vault.name).toBe('bobby');
    vault.close();
  });

  it('a look-alike of a bound name (Cyrillic А) is explained and asks for another name', async () => {
    const { screen } = await firstRun('confusable', 'erin', [
      '--relays',
      world.relaysFile,
      '--name',
      '\u0410lice',
    ]);
    const asked = await until(
      screen.lastFrame,
      (t) => t.includes('Another name:'),
      'the prompt for another name',
    );
    expect(flat(asked)).toContain(
      'The name "\u0410lice" is too easy to mistake for a name someone else uses here (this name looks like the bound name "alice"): it differs only by look-alike letters. Choose another name. (RELAY_ERR_NAME_CONFUSABLE)',
    );
  });

  it('a relay that shows another key than the pinned one is the SECURITY ALARM screen', async () => {
    const { host, port } = world.relay.entry;
    const forged = join(world.temp, 'forged.json');
    await writeFile(forged, JSON.stringify([{ ...world.relay.entry, fingerprint: 'ab'.repeat(32) }]));
    const { screen, quitWith } = await firstRun('forged', 'carol', ['--relays', forged, '--name', 'carol']);
    const alarm = await until(screen.lastFrame, (t) => t.includes('SECURITY ALARM'), 'the alarm');
    expect(alarm).toContain("⚠  SECURITY ALARM: THE RELAY'S KEY IS NOT THE PINNED ONE  ⚠");
    expect(flat(alarm)).toContain(
      `the relay at ${host}:${port} presented a different key than the one pinned (fingerprint abababababababab…) — possible attack; do not continue.`,
    );
    expect(flat(alarm)).toContain('(SESSION_ERR_RELAY_KEY_MISMATCH)');
    expect(alarm).not.toContain('Cannot reach');
    expect(alarm).toContain('Press q to quit');
    screen.stdin.write('q');
    await until(
      () => String(quitWith()),
      (t) => t === '1',
      'quit with status 1',
    );
  });

  it('a dead relay is named with host:port and tried again until --timeout, attempt by attempt', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dead = join(world.temp, 'dead.json');
    await writeFile(dead, JSON.stringify([{ ...world.relay.entry, port }]));
    const { screen } = await firstRun('dead', 'dave', ['--relays', dead, '--name', 'dave', '--timeout', '3']);
    const retrying = await until(
      screen.lastFrame,
      (t) => flat(t).includes('(attempt 2)'),
      'the second attempt',
    );
    expect(flat(retrying)).toContain(
      `Cannot reach the relay at 127.0.0.1:${port} (attempt 2); trying again until 3 s have passed (--timeout). (CLIENT_ERR_CONNECTION_CLOSED)`,
    );
    expect(retrying).toContain('registering with the relay');
    const failed = await until(screen.lastFrame, (t) => t.includes('press q to quit'), 'the failure', 10_000);
    expect(flat(failed)).toMatch(
      new RegExp(
        `Cannot reach the relay at 127\\.0\\.0\\.1:${port}: \\d+ attempts in 3 s failed\\. Check that the relay runs and that the relay list gives its address\\. \\(CLIENT_ERR_NO_RELAY\\)`,
      ),
    );
    expect(failed).not.toContain('SECURITY ALARM');
  });
});
