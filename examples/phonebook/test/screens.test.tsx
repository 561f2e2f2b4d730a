/**
 * The screens at a real terminal's size (80×24), on a stand-in session: a 60-contact phonebook keeps the
 * header on line 1 while the list scrolls, every frame stays shorter than the terminal and nothing makes
 * ink clear the screen or the scrollback (ESC[2J / ESC[3J — counted on what ink would write to a real
 * terminal, with a control that does write them); `/` filters, Esc clears; `?` lists every key; quitting
 * during a call asks "Hang up and quit? y/n"; the call screen shows mute and volume; the header fits
 * 80 columns with a long name; missed calls and call waiting are said in words; the cursor resting on a
 * contact prepares its call.
 *
 * Ink and the screens are imported after CI is cleared (support/terminal.ts): ink prints nothing in CI.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MainScreen as MainScreenType } from '../src/tui/main-screen.js';
import { FakeSession, fakeContacts, fakeState, liveCall } from './support/fake-session.js';
import { loadInk, plain, renderInTerminal, type TestTerminal, waitFor } from './support/terminal.js';

const DOWN = '\u001B[B';
const ESC = '\u001B';
const ROWS = 24;
const COLUMNS = 80;

let MainScreen: typeof MainScreenType;
let HELP: typeof import('../src/tui/keys.js').HELP;
let headerParts: typeof import('../src/tui/header.js').headerParts;
let headerText: typeof import('../src/tui/header.js').headerText;
let ink: Awaited<ReturnType<typeof loadInk>>;

beforeAll(async () => {
  ink = await loadInk();
  ({ MainScreen } = await import('../src/tui/main-screen.js'));
  ({ HELP } = await import('../src/tui/keys.js'));
  ({ headerParts, headerText } = await import('../src/tui/header.js'));
});

const terminals: TestTerminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.unmount();
});

async function show(
  session: FakeSession,
  debug = true,
  onQuit: () => void = () => undefined,
): Promise<TestTerminal> {
  const t = await renderInTerminal(<MainScreen session={session} onQuit={onQuit} />, {
    rows: ROWS,
    columns: COLUMNS,
    debug,
  });
  terminals.push(t);
  return t;
}

const screenText = (t: TestTerminal) => () => plain(t.lastFrame());
const BELLS = new RegExp(`^${String.fromCharCode(7)}+`);
const rowsOf = (frame: string) => plain(frame).replace(BELLS, '').split('\n');

async function press(t: TestTerminal, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    t.stdin.write(key);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a long phonebook at 80×24', () => {
  it('keeps the header on line 1 and every frame shorter than the terminal while the list scrolls', async () => {
    const session = new FakeSession(fakeState({ contacts: fakeContacts(60) }));
    const t = await show(session);
    const first = await waitFor(screenText(t), (s) => s.includes('1 of 60'), 'the list, measured');
    expect(first.split('\n')[0]).toMatch(
      /^ Leitung · you are alice \(9c12 09dd\) · relay 127\.0\.0\.1:5060 · ● connected$/,
    );
    expect(first.split('\n')[1]).toMatch(/^ Contacts \(60\) · 1 of 60, ↑↓ scroll · \/ search/);
    expect(first).toMatch(/▶ ● contact-01/);

    await press(t, ...Array.from({ length: 40 }, () => DOWN));
    const scrolled = await waitFor(screenText(t), (s) => s.includes('41 of 60'), 'the 41st contact selected');
    expect(scrolled).toMatch(/▶ [●○] contact-41/);
    expect(scrolled).not.toContain('contact-01');
    expect(scrolled.split('\n')[0]).toContain('Leitung · you are alice');

    // Every frame ink wrote: header on line 1, at most 23 rows (the terminal has 24), at most 80 columns.
    for (const frame of t.stdout.writes) {
      const rows = rowsOf(frame);
      expect(rows[0]).toContain('Leitung · you are alice');
      expect(rows.length).toBeLessThanOrEqual(ROWS - 1);
      for (const row of rows) expect([...row].length).toBeLessThanOrEqual(COLUMNS);
    }
    console.log(
      `[screens] 60 contacts at ${COLUMNS}×${ROWS}: ${t.stdout.writes.length} frames, ` +
        `${Math.max(...t.stdout.writes.map((f) => rowsOf(f).length))} rows at most`,
    );
  });

  it('never makes ink clear the screen or the scrollback (ESC[2J, ESC[3J), unlike a frame as tall as the terminal', async () => {
    const session = new FakeSession(fakeState({ contacts: fakeContacts(60) }));
    const t = await show(session, false);
    await waitFor(
      () => plain(t.written()),
      (s) => s.includes('1 of 60'),
      'the list',
    );
    await press(t, ...Array.from({ length: 45 }, () => DOWN));
    await waitFor(
      () => plain(t.written()),
      (s) => s.includes('46 of 60'),
      'the 46th contact',
    );
    // A live call re-renders every second: with frames as tall as the terminal, each render was a wipe.
    session.set({ call: liveCall('contact-46') });
    await new Promise((r) => setTimeout(r, 2200));
    const written = t.written();
    const count = (what: string) => written.split(what).length - 1;
    console.log(
      `[screens] real-terminal mode, 60 contacts at 24 rows: ${t.stdout.writes.length} writes, ` +
        `${count('\u001b[2J')} ESC[2J, ${count('\u001b[3J')} ESC[3J`,
    );
    expect(t.stdout.writes.length).toBeGreaterThan(10);
    expect(count('\u001b[3J')).toBe(0);
    expect(count('\u001b[2J')).toBe(0);

    // Control: the same terminal with a frame of 60 rows — ink clears screen and scrollback at the next
    // render, so the count above could see it.
    const tall = (mark: string) => (
      <ink.Box flexDirection="column">
        {fakeContacts(60).map((c) => (
          <ink.Text key={c.clientId}>
            {c.name} {mark}
          </ink.Text>
        ))}
      </ink.Box>
    );
    const control = await renderInTerminal(tall('a'), { rows: ROWS, columns: COLUMNS, debug: false });
    terminals.push(control);
    control.rerender(tall('b'));
    await new Promise((r) => setTimeout(r, 50));
    expect(control.written()).toContain('\u001b[3J');
  });
});

describe('search, help and quitting', () => {
  it('/ filters as you type (q is a letter then), Enter keeps the filter, Esc clears it', async () => {
    let quit = 0;
    const session = new FakeSession(fakeState({ contacts: fakeContacts(60) }));
    const t = await show(session, true, () => quit++);
    await waitFor(screenText(t), (s) => s.includes('Contacts (60)'), 'the list');
    await press(t, '/', 'c', 'o', 'n', 't', 'a', 'c', 't', '-', '5');
    const found = await waitFor(screenText(t), (s) => s.includes('Search: contact-5'), 'the search');
    expect(found).toMatch(/\(10 of 60\)/);
    const names = found.match(/contact-\d\d/g) ?? [];
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => `contact-5${i}`));
    await press(t, 'q');
    await waitFor(screenText(t), (s) => s.includes('Nobody matches "contact-5q"'), 'no match');
    expect(quit).toBe(0);
    await press(t, '\u007f', '\r');
    const kept = await waitFor(
      screenText(t),
      (s) => s.includes('(10 of 60)') && !s.includes('Enter keep'),
      'kept',
    );
    expect(kept).toContain('Esc clears');
    await press(t, '\r');
    await waitFor(
      () => session.commands.join(','),
      (c) => c.includes('call contact-50'),
      'Enter calls the match',
    );
    await press(t, ESC);
    await waitFor(screenText(t), (s) => s.includes('Contacts (60)'), 'the full list again');
  });

  it('? lists every key; Esc goes back', async () => {
    const session = new FakeSession(fakeState({ contacts: fakeContacts(3) }));
    const t = await show(session);
    await waitFor(screenText(t), (s) => s.includes('Contacts (3)'), 'the list');
    await press(t, '?');
    const help = await waitFor(screenText(t), (s) => s.includes('Keys'), 'the help screen');
    for (const { group, keys } of HELP) {
      expect(help).toContain(group);
      for (const [key, what] of keys) expect(help).toMatch(new RegExp(`${literal(key)}\\s+${literal(what)}`));
    }
    expect(help).toContain('Hang up and quit? y/n');
    expect(rowsOf(t.lastFrame()).length).toBeLessThanOrEqual(ROWS - 1);
    await press(t, ESC);
    await waitFor(screenText(t), (s) => s.includes('Contacts (3)'), 'back');
  });

  it('prepares the call to the contact the cursor rests on, not to those it passes, and none during a call', async () => {
    const session = new FakeSession(fakeState({ contacts: fakeContacts(6) }));
    const t = await show(session);
    await waitFor(
      () => session.prepared.join(' '),
      (p) => p === 'contact-01',
      'the first contact prepared',
    );
    // Down four times, faster than the cursor counts as resting: only where it stops is prepared.
    await press(t, DOWN, DOWN, DOWN, DOWN);
    await waitFor(
      () => session.prepared.join(' '),
      (p) => p === 'contact-01 contact-05',
      'the fifth contact prepared',
    );
    session.set({ call: liveCall('contact-05') });
    await waitFor(screenText(t), (s) => s.includes('In call with contact-05'), 'the call');
    await press(t, DOWN);
    await new Promise((r) => setTimeout(r, 500));
    expect(session.prepared).toEqual(['contact-01', 'contact-05']);
  });

  it('q during a call asks "Hang up and quit? y/n": n stays, y hangs up and quits', async () => {
    let quit = 0;
    const session = new FakeSession(fakeState({ contacts: fakeContacts(3), call: liveCall('contact-01') }));
    const t = await show(session, true, () => quit++);
    await waitFor(screenText(t), (s) => s.includes('In call with contact-01'), 'the call');
    await press(t, 'q');
    await waitFor(screenText(t), (s) => s.includes('Hang up and quit? y/n'), 'the question');
    await press(t, 'n');
    await waitFor(screenText(t), (s) => !s.includes('Hang up and quit?'), 'the question gone');
    expect(quit).toBe(0);
    expect(session.commands).not.toContain('hang-up');
    await press(t, 'q', 'y');
    await waitFor(
      () => String(quit),
      (q) => q === '1',
      'quit',
    );
    expect(session.commands).toContain('hang-up');

    // Without a call, q quits at once.
    let quitIdle = 0;
    const idle = await show(
      new FakeSession(fakeState({ contacts: fakeContacts(1) })),
      true,
      () => quitIdle++,
    );
    await waitFor(screenText(idle), (s) => s.includes('Contacts (1)'), 'the list');
    await press(idle, 'q');
    await waitFor(
      () => String(quitIdle),
      (q) => q === '1',
      'quit at once',
    );
  });
});

describe('sound', () => {
  it('s lists the devices the probe found and says what is missing; Enter chooses one; t says why no check runs', async () => {
    const state = fakeState({ contacts: fakeContacts(2) });
    const session = new FakeSession({
      ...state,
      sound: {
        ...state.sound,
        environment: {
          input: {
            tool: 'arecord',
            works: true,
            reason: undefined,
            devices: [{ name: 'hw:0,0', description: 'HDA Intel PCH' }],
          },
          output: { tool: 'aplay', works: false, reason: 'ALSA: Unknown PCM default', devices: [] },
        },
        problems: ['no speaker found — you will hear nothing; use --output FILE.wav'],
      },
    });
    const t = await show(session);
    const main = await waitFor(screenText(t), (s) => s.includes('Contacts (2)'), 'the list');
    expect(main).toContain('⚠ no speaker found — you will hear nothing; use --output FILE.wav');
    await press(t, 's');
    const sound = await waitFor(screenText(t), (s) => s.includes('Sound'), 'the sound screen');
    expect(sound).toContain('microphone: ✔ works (arecord)');
    expect(sound).toContain('✘ no speaker found — you will hear nothing; use --output FILE.wav (ALSA');
    expect(sound).toMatch(/▶ mic\s+✔ system default/);
    expect(sound).toContain('hw:0,0  HDA Intel PCH');
    await press(t, DOWN, '\r');
    await waitFor(
      () => session.commands.join(','),
      (c) => c.includes('devices {"input":"hw:0,0"}'),
      'the choice',
    );
    await press(t, 't');
    const check = await waitFor(screenText(t), (s) => s.includes('Audio check'), 'the check screen');
    expect(check).toContain('no speaker found — the recording');
    await press(t, ESC);
    await waitFor(screenText(t), (s) => s.includes('Contacts (2)'), 'back');
  });
});

describe('the call screen, the header, missed calls and call waiting', () => {
  it('m shows "muted", + and - change the volume shown in %', async () => {
    const session = new FakeSession(fakeState({ contacts: fakeContacts(1), call: liveCall('bob') }));
    const t = await show(session);
    const call = await waitFor(screenText(t), (s) => s.includes('In call with bob'), 'the call');
    expect(call).toContain('m mute · +/- volume 100 %');
    await press(t, 'm');
    const muted = await waitFor(
      screenText(t),
      (s) => s.includes('muted — the other side hears silence'),
      'muted',
    );
    expect(muted).toContain('m unmute');
    await press(t, '+');
    await waitFor(screenText(t), (s) => s.includes('volume 110 %'), '110 %');
    await press(t, '-', '-');
    await waitFor(screenText(t), (s) => s.includes('volume 90 %'), '90 %');
    expect(session.commands).toEqual(['mute', 'volume 10', 'volume -10', 'volume -10']);
  });

  it('the header stays on one line at 80 columns: a long name is shortened with an ellipsis', async () => {
    const long = 'bartholomew-the-longest-name-yes';
    const state = fakeState({
      self: { name: long, clientId: 'ab'.repeat(32) },
      relay: {
        host: 'relay.example.org',
        port: 5060,
        mediaPort: 5061,
        fingerprint: 'f'.repeat(64),
      },
      missed: 3,
    });
    const text = headerText(headerParts(state, COLUMNS - 1));
    expect([...text].length).toBeLessThanOrEqual(COLUMNS - 1);
    expect(text).toContain('…');
    expect(text).toContain('☎ 3 missed');
    expect(text).toContain('● connected');
    expect(text).toMatch(
      /^ Leitung · bartholomew-th[a-z-]*… · relay\.example\.org:5060 · ● connected · ☎ 3 missed$/,
    );
    const t = await show(new FakeSession(state));
    const frame = await waitFor(screenText(t), (s) => s.includes('Contacts'), 'the screen');
    expect(frame.split('\n')[0]).toBe(text);
    expect(frame.split('\n')[1]).toMatch(/^ Contacts/);
  });

  it('a missed call is said in words and counted in the header until the history is opened; call waiting shows who is calling', async () => {
    const at = new Date();
    at.setHours(14, 3, 0, 0);
    const session = new FakeSession(
      fakeState({
        contacts: fakeContacts(2),
        history: [
          {
            at: at.getTime(),
            peer: 'bob',
            direction: 'incoming',
            durationMs: 0,
            outcome: 'missed',
            seen: false,
          },
        ],
        missed: 1,
      }),
    );
    const t = await show(session);
    const frame = await waitFor(screenText(t), (s) => s.includes('missed call from bob'), 'the missed call');
    expect(frame).toContain('☎ missed call from bob (14:03) · c call history');
    expect(frame.split('\n')[0]).toContain('☎ 1 missed');
    await press(t, 'c');
    const history = await waitFor(screenText(t), (s) => s.includes('Call history (1)'), 'the history');
    expect(history).toMatch(/14:03\s+← bob\s+missed/);
    expect(history.split('\n')[0]).not.toContain('missed');
    expect(session.commands).toContain('seen');
    await press(t, ESC);

    session.set({ call: liveCall('alice'), waiting: { name: 'carol', at: Date.now() } });
    await waitFor(screenText(t), (s) => s.includes('☎ carol is calling — busy'), 'call waiting');
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
