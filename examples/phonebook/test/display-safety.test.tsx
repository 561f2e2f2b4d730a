/**
 * Terminal injection through relay-provided names (docs/client.md "Displaying relay text"). A lying relay
 * — the client package's relay double, over real TCP — serves directory names holding a window-title
 * change (OSC 0 … BEL), a fake green "✔ verified" (SGR) and a bidi override. The terminal UI of a real
 * PhonebookSession and the output of the real leitung-phonebook program in headless mode (JSON and text)
 * must not contain a single ESC or BEL byte or bidi control; the dropped names are reported with visible
 * escapes instead.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoubleDirectory } from '../../../packages/client/test/support/double-directory.js';
import { crypto, key } from '../../../packages/client/test/support/fixtures.js';
import { RelayDouble } from '../../../packages/client/test/support/relay-double.js';
import { startChild, stopAllChildren } from '../src/demo/child-process.js';
import { phonebookProgram } from '../src/demo/workspace-paths.js';
import { MainScreen } from '../src/tui/main-screen.js';
import { publicKeyDer, TEST_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';
import { openTestSession, type TestSession } from './support/sessions.js';

const TITLE = '\x1b]0;pwned\x07carol';
const FAKE_MARK = 'dave \x1b[32m✔ verified\x1b[0m';
const BIDI = 'eve\u202eexe.txt';
/** Bytes a terminal would act on: ESC, BEL, C1 CSI/OSC, bidi embeddings/overrides/isolates. */
const DANGEROUS_CODES = new Set([
  0x07, 0x1b, 0x9b, 0x9d, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);
const DANGEROUS = { test: (text: string) => [...text].some((ch) => DANGEROUS_CODES.has(ch.codePointAt(0)!)) };

let temp: string;
let relay: RelayDouble;
let relaysFile: string;
const sessions: TestSession[] = [];

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'leitung-phonebook-display-'));
  const directory = new DoubleDirectory(crypto, await key('relay'));
  directory.add(TITLE, await publicKeyDer('carol'));
  directory.add(FAKE_MARK, await publicKeyDer('dave'));
  directory.add(BIDI, await publicKeyDer('mallory'));
  relay = await RelayDouble.start({ crypto, key: await key('relay'), directory });
  relaysFile = join(temp, 'relays.json');
  await writeFile(relaysFile, JSON.stringify([relay.entry]));
}, 60_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.session.close()));
  await stopAllChildren();
  await relay?.stop();
  await rm(temp, { recursive: true, force: true });
});

describe('relay-provided names on screen', () => {
  it('the terminal UI shows no escape, bell or bidi character, and reports the names with visible escapes', async () => {
    const s = await openTestSession(temp, relaysFile, 'alice');
    sessions.push(s);
    const rejected: string[] = [];
    s.session.onEvent((e) => {
      if (e.event === 'contact:rejected') rejected.push(e.name);
    });
    await s.session.start();
    const screen = render(<MainScreen session={s.session} onQuit={() => undefined} />);
    try {
      const end = Date.now() + 10_000;
      const arrived = () => rejected.length + s.session.getState().contacts.length >= 3;
      while (!arrived() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      const frames = screen.frames.join('\n');
      expect(DANGEROUS.test(frames)).toBe(false);
      expect(frames).toContain('invalid name');
      expect(rejected).toEqual([
        '\\x1b]0;pwned\\x07carol',
        'dave \\x1b[32m✔ verified\\x1b[0m',
        'eve\\u202eexe.txt',
      ]);
      expect(s.session.getState().contacts.map((c) => c.name)).toEqual([]);
    } finally {
      screen.unmount();
    }
  });

  it('the headless program prints no escape, bell or bidi character (JSON and text)', async () => {
    for (const mode of ['--json', '--headless']) {
      const name = mode === '--json' ? 'bob' : 'sam';
      const identity = await writeEncryptedIdentity(temp, name);
      const passFile = join(temp, `${name}-pass`);
      await writeFile(passFile, TEST_PASSPHRASE);
      const child = startChild(name, process.execPath, [
        phonebookProgram(),
        mode,
        ...['--data', join(temp, name), '--relays', relaysFile, '--passphrase-file', passFile],
        ...['--name', name, '--import-identity', identity, '--duration', '1.5'],
      ]);
      expect(await child.exited).toBe(0);
      const out = child.stdout() + child.stderr();
      expect(DANGEROUS.test(out)).toBe(false);
      expect(out).toContain('contact:rejected');
      expect(out).toContain('\\x1b]0;pwned');
    }
  }, 60_000);
});
