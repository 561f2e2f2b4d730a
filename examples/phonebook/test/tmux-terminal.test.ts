/**
 * The built program in a real terminal: leitung-phonebook (terminal UI) in an 80×24 tmux window, with
 * the real leitung-relay and a headless second phonebook (Bob) as child processes. Read off the screen
 * with `tmux capture-pane`: the header is line 1 and fits in 80 columns (the next line is the list's
 * title, not a wrapped rest), Bob is in the contact list, `?` shows the help, and Bob's call rings —
 * "Incoming call from bob · ringing", the terminal bell noted by tmux. Everything the program wrote to
 * the terminal is logged (`pipe-pane`): it never clears the scrollback (`ESC[3J`). Skips with a notice
 * where tmux is missing. The tmux server (its own socket), the relay and Bob are stopped after the test,
 * also when it fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from '@leitung/audio/node';
import { afterEach, describe, expect, it } from 'vitest';
import { stopAllChildren } from '../src/demo/child-process.js';
import { type PhonebookProcess, startPhonebookProcess } from '../src/demo/phonebook-process.js';
import { type RelayProcess, startRelayProcess } from '../src/demo/relay-process.js';
import { phonebookProgram } from '../src/demo/workspace-paths.js';
import { relayKeyPem, TEST_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';

const run = promisify(execFile);
const TMUX = findExecutable('tmux');
if (TMUX === undefined) console.warn('[phonebook tmux] skipped: tmux not installed (apt-get install tmux)');

const COLUMNS = 80;
const ROWS = 24;

let temp: string | undefined;
let socket: string | undefined;
const children: (PhonebookProcess | RelayProcess)[] = [];

afterEach(async () => {
  if (socket !== undefined) await run(TMUX!, ['-S', socket, 'kill-server']).catch(() => undefined);
  await Promise.all(children.map((c) => c.stop()));
  children.length = 0;
  await stopAllChildren();
  if (temp !== undefined) await rm(temp, { recursive: true, force: true });
  temp = undefined;
  socket = undefined;
});

async function tmux(...args: string[]): Promise<string> {
  return (await run(TMUX!, ['-S', socket!, ...args])).stdout;
}

/** The visible screen, one string per row. */
async function screen(): Promise<string[]> {
  return (await tmux('capture-pane', '-p', '-t', 'pb')).split('\n').slice(0, ROWS);
}

async function untilScreen(test: (rows: string[]) => boolean, what: string, ms = 20_000): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const rows = await screen();
    if (test(rows)) return rows;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${rows.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(TMUX === undefined)('leitung-phonebook in an 80×24 terminal (tmux)', () => {
  it('header on line 1 within 80 columns, the contact list, ? help, an incoming call ringing; no scrollback wipe', async () => {
    temp = await mkdtemp(join(tmpdir(), 'leitung-phonebook-tmux-'));
    socket = join(temp, 'tmux.sock');
    const relay = await startRelayProcess({ dataDir: join(temp, 'relay'), keyPem: await relayKeyPem() });
    children.push(relay);
    const relays = join(temp, 'relays.json');
    await writeFile(relays, JSON.stringify([relay.entry]));
    const env = { ...process.env, LEITUNG_PASSPHRASE: TEST_PASSPHRASE };
    const bobArgs = ['--data', join(temp, 'bob'), '--relays', relays, '--name', 'bob', '--tone'];
    // Bob registers first (headless), so that he is in the directory Alice's phonebook shows.
    const bobIdle = startPhonebookProcess(
      'bob',
      [
        ...bobArgs,
        '--import-identity',
        await writeEncryptedIdentity(temp, 'bob'),
        '--headless',
        '--timeout',
        '120',
      ],
      env,
    );
    children.push(bobIdle);
    await bobIdle.waitFor('registration:complete', 20_000);

    // Alice: the terminal UI in a real 80×24 terminal. ink prints nothing while CI is set (is-in-ci), as a
    // person's terminal has it not set.
    const script = join(temp, 'alice.sh');
    const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    await writeFile(
      script,
      [
        'unset CI CONTINUOUS_INTEGRATION',
        `export LEITUNG_PASSPHRASE=${quote(TEST_PASSPHRASE)} TERM=xterm-256color`,
        `exec ${quote(process.execPath)} ${quote(phonebookProgram())} --data ${quote(join(temp, 'alice'))} --relays ${quote(relays)} --name alice --import-identity ${quote(await writeEncryptedIdentity(temp, 'alice'))}`,
      ].join('\n'),
    );
    const log = join(temp, 'terminal.log');
    await run(TMUX!, [
      '-S',
      socket,
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'pb',
      '-x',
      String(COLUMNS),
      '-y',
      String(ROWS),
      `sh ${quote(script)}`,
    ]);
    await tmux('set-option', '-t', 'pb', 'remain-on-exit', 'on');
    await tmux('pipe-pane', '-o', '-t', 'pb', `cat >> ${quote(log)}`);

    const list = await untilScreen(
      (rows) => rows[0]!.includes('you are alice') && rows.some((r) => /[●○] bob/.test(r)),
      'the header and bob in the list',
    );
    // Line 1 is the header, within 80 columns: line 2 is the list's title, not a wrapped rest of it.
    expect(list[0]).toMatch(/^ Leitung · you are alice .*· relay 127\.0\.0\.1:\d+ · ● connected/);
    expect([...list[0]!.trimEnd()].length).toBeLessThanOrEqual(COLUMNS);
    expect(list[1]).toMatch(/^ Contacts/);
    expect(list.some((r) => /▶ [●○] bob\s+\? not verified yet/.test(r))).toBe(true);
    // No sound card here: said in plain words at start-up, not as an ALSA error in a call.
    const sound = await untilScreen(
      (rows) => rows.some((r) => r.includes('no microphone found')),
      'the sound notice',
    );
    expect(sound.join('\n')).toContain(
      '⚠ no microphone found — calls will send silence; use --input FILE.wav',
    );
    expect(sound.join('\n')).toContain('⚠ no speaker found — you will hear nothing; use --output FILE.wav');
    expect(sound.join('\n')).not.toMatch(/ALSA lib|snd_pcm/);
    console.log(`[phonebook tmux] the 80×24 screen:\n${list.join('\n')}`);

    await tmux('send-keys', '-t', 'pb', '?');
    const help = await untilScreen((rows) => rows.some((r) => r.includes('Keys')), 'the help screen');
    expect(help[0]).toContain('you are alice');
    for (const words of ['choose a contact', 'answer · reject', 'mute', 'volume', 'call history', 'quit'])
      expect(help.join('\n')).toContain(words);
    await tmux('send-keys', '-t', 'pb', 'Escape');
    await untilScreen((rows) => rows[1]!.startsWith(' Contacts'), 'back to the list');

    // Bob calls Alice: her screen rings, and the terminal bell rings (tmux notes it for the window).
    await bobIdle.stop();
    const bob = startPhonebookProcess(
      'bob',
      [...bobArgs, '--call', 'alice', '--duration', '6', '--timeout', '30'],
      env,
    );
    children.push(bob);
    const ringing = await untilScreen(
      (rows) => rows.some((r) => r.includes('Incoming call from bob') && r.includes('ringing')),
      'the incoming call ringing',
    );
    expect(ringing[0]).toContain('you are alice');
    // The frame is 23 rows: the keys on row 23, row 24 left free (a frame of 24 rows makes ink clear).
    expect(ringing[ROWS - 2]).toContain('a answer · r reject');
    expect(ringing[ROWS - 1]).toBe('');
    console.log(`[phonebook tmux] ringing:\n${ringing.join('\n')}`);
    // The bell repeats while it rings (every 2 s), and tmux flags the window for it.
    const count = (text: string, what: string) => text.split(what).length - 1;
    const end = Date.now() + 6_000;
    while (count(await readFile(log, 'latin1'), '\u0007') < 2 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect(count(await readFile(log, 'latin1'), '\u0007')).toBeGreaterThanOrEqual(2);
    expect((await tmux('display-message', '-p', '-t', 'pb', '#{window_bell_flag}')).trim()).toBe('1');

    // Answered: the live call re-renders every second (a frame as tall as the terminal made each render
    // a scrollback wipe); 6 s of it, then Bob hangs up.
    await tmux('send-keys', '-t', 'pb', 'a');
    const before = (await readFile(log, 'latin1')).length;
    const inCall = await untilScreen((rows) => rows.some((r) => r.includes('In call with bob')), 'the call');
    expect(inCall.join('\n')).toMatch(/m mute · \+\/- volume 100 %/);
    const quality = await untilScreen((rows) => rows.some((r) => r.includes('MOS')), 'the quality figures');
    expect(quality[0]).toContain('you are alice');
    console.log(`[phonebook tmux] in the call:\n${quality.join('\n')}`);
    await untilScreen(
      (rows) => rows.some((r) => r.includes('Call with bob ended')),
      'the end of the call',
      15_000,
    );
    const written = await readFile(log, 'latin1');
    const duringCall = written.slice(before);
    const wipes = count(written, '\u001b[3J');
    const clears = count(written, '\u001b[2J');
    console.log(
      `[phonebook tmux] ${written.length} bytes written to the terminal (${duringCall.length} during the call), ` +
        `${count(written, '\u0007')} bells, ${clears} screen clears (ESC[2J), ${wipes} scrollback wipes (ESC[3J)`,
    );
    expect(wipes).toBe(0);
    expect(clears).toBe(0);
    await tmux('send-keys', '-t', 'pb', 'q');
  }, 90_000);
});
