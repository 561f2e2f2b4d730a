/**
 * The terminal UI, driven with keystrokes through ink-testing-library: real
 * PhonebookSessions registered with the leitung-relay program over loopback, rendered as the program
 * renders them. Alice's screen lists Bob online; Enter calls him; Bob's screen shows the incoming-call
 * prompt with the safety number; `a` answers and both screens show the call with live quality; `h` hangs
 * up. A contact whose key differs from the pinned one raises the alarm, which `l` (verify) and `k`
 * (accept) resolve. The setup screens (passphrase, name, key-generation progress) run on a stand-in boot.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhonebookSession } from '../src/app/phonebook-session.js';
import { stopAllChildren } from '../src/demo/child-process.js';
import { type RelayProcess, startRelayProcess } from '../src/demo/relay-process.js';
import { MainScreen } from '../src/tui/main-screen.js';
import { PhonebookApp } from '../src/tui/phonebook-app.js';
import type { SetupStep } from '../src/tui/setup-screen.js';
import { relayKeyPem } from './support/identities.js';
import { until } from './support/relay-world.js';
import { openTestSession, pinWrongKey, type TestSession } from './support/sessions.js';

const ENTER = '\r';
const DOWN = '\u001B[B';

let temp: string;
let relay: RelayProcess;
let relaysFile: string;
const sessions: TestSession[] = [];
const screens: { unmount(): void }[] = [];

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'leitung-phonebook-tui-'));
  relay = await startRelayProcess({ dataDir: join(temp, 'relay'), keyPem: await relayKeyPem() });
  relaysFile = join(temp, 'relays.json');
  await writeFile(relaysFile, JSON.stringify([relay.entry]));
}, 60_000);

afterAll(async () => {
  for (const s of screens) s.unmount();
  await Promise.all(sessions.map((s) => s.session.close()));
  await stopAllChildren();
  await rm(temp, { recursive: true, force: true });
});

const started = new Map<string, Promise<PhonebookSession>>();

/** The registered session of `name`, started on first use (so each test can also run on its own). */
function start(name: string, before?: Parameters<typeof openTestSession>[3]): Promise<PhonebookSession> {
  let session = started.get(name);
  if (session === undefined) {
    session = (async () => {
      const s = await openTestSession(temp, relaysFile, name, before);
      sessions.push(s);
      await s.session.start();
      return s.session;
    })();
    started.set(name, session);
  }
  return session;
}

function show(session: PhonebookSession) {
  const screen = render(<MainScreen session={session} onQuit={() => undefined} />);
  screens.push(screen);
  return screen;
}

describe('the phonebook screen, driven by keystrokes', () => {
  it('renders the phonebook, places a call with Enter, shows the incoming prompt, answers with a, hangs up with h', async () => {
    const [alice, bob] = await Promise.all([start('alice'), start('bob')]);
    // Presence needs a mutual watch (docs/protocol.md "Presence"): they are each other's contacts.
    alice.watch(['bob']);
    bob.watch(['alice']);
    const a = show(alice);
    const b = show(bob);

    const list = await until(a.lastFrame, (t) => /● bob/.test(t), "bob online on alice's screen");
    expect(list).toContain('you are alice');
    expect(list).toContain('● connected');
    expect(list).toMatch(/▶ ● bob\s+\? not verified yet/);

    a.stdin.write(ENTER);
    const prompt = await until(
      b.lastFrame,
      (t) => t.includes('Incoming call from alice'),
      'the incoming-call prompt',
    );
    expect(prompt).toMatch(/safety number \d{5}( \d{5})+/);
    expect(prompt).toMatch(/a answer · r reject/);
    const dialing = a.lastFrame() ?? '';
    expect(dialing).toMatch(/Calling bob|In call with bob/);

    b.stdin.write('a');
    const inCallA = await until(
      a.lastFrame,
      (t) => /In call with bob/.test(t) && /MOS \d\.\d\d/.test(t),
      'quality on alice',
    );
    const inCallB = await until(
      b.lastFrame,
      (t) => /In call with alice/.test(t) && /MOS \d\.\d\d/.test(t),
      'quality on bob',
    );
    // Both show the same safety number and live figures: level meters, loss, jitter, RTT, bitrate, MOS.
    const number = (t: string) => /safety number ([\d ]+)/.exec(t)?.[1]?.trim();
    expect(number(inCallA)).toBe(number(inCallB));
    for (const t of [inCallA, inCallB]) {
      expect(t).toMatch(/out [█░]{24} /);
      expect(t).toMatch(/in {3}[█░]{24} /);
      expect(t).toMatch(/loss \d+\.\d % · jitter \d+\.\d ms · RTT/);
      expect(t).toMatch(/bitrate \d+\.\d\/\d+\.\d kbit\/s/);
      // Every call's keys are the post-quantum hybrid (docs/session-protocol.md §3), and the screen says so.
      expect(t).toContain('post-quantum call keys (ML-KEM-768 + X25519 + RSA-OAEP-4096)');
    }
    // The tone Alice sends reaches Bob's meter.
    await until(b.lastFrame, (t) => /in {3}█{6,}/.test(t), "level on bob's input meter");
    expect(list).not.toMatch(/\d+\.\d+\.\d+\.\d+:\d+.*bob/); // no addresses next to contacts

    a.stdin.write('h');
    await until(a.lastFrame, (t) => t.includes('Call with bob ended (hangup, by you)'), 'hang-up on alice');
    await until(
      b.lastFrame,
      (t) => t.includes('Call with alice ended (hangup, by the other side)'),
      'hang-up on bob',
    );

    // The cursor rests on Bob, now pinned, with no call up: his next call's offer is prepared.
    const prepared: string[] = [];
    const prepare = alice.client.prepareCall.bind(alice.client);
    alice.client.prepareCall = (target) => {
      prepared.push(String(target));
      prepare(target);
    };
    await until(
      () => prepared.join(' '),
      (t) => t === 'bob',
      'the call to bob prepared',
    );

    // Once more, and Bob rejects with r.
    a.stdin.write(ENTER);
    await until(b.lastFrame, (t) => t.includes('Incoming call from alice'), 'the second incoming call');
    b.stdin.write('r');
    await until(a.lastFrame, (t) => t.includes('CLIENT_ERR_CALL_REJECTED'), 'the rejection on alice');
  }, 60_000);

  it('shows a changed key as an alarm that blocks calls until verified and accepted', async () => {
    // Carol once verified "bob" with another key (mallory's): now the directory shows Bob's real key.
    const [bob] = await Promise.all([start('bob'), start('alice')]);
    const carol = await start('carol', (setup) => pinWrongKey(setup, 'bob', 'mallory'));
    const c = show(carol);
    await until(c.lastFrame, (t) => /bob/.test(t), "bob on carol's screen");
    // Contacts are sorted online first, then by name: alice, bob.
    c.stdin.write(DOWN);
    await until(c.lastFrame, (t) => /▶ . bob/.test(t), 'bob selected');
    c.stdin.write(ENTER);
    // The call to Bob is refused before anything is sent: his key is not the pinned one.
    const alarm = await until(
      c.lastFrame,
      (t) =>
        t.includes('SECURITY ALARM') &&
        t.includes('The key of "bob" has changed') &&
        t.includes('CLIENT_ERR_CONTACT_KEY_CHANGED'),
      'the key-change alarm and the blocked call',
    );
    expect(alarm).toContain('THE KEY OF BOB HAS CHANGED');
    expect(alarm).toContain('Calls to bob are');
    expect(alarm).toMatch(/bob\s+⚠ KEY CHANGED/);
    expect(alarm).not.toContain('In call with bob');
    // The number to compare out of band is the one Bob's own phonebook computes for him and Carol.
    const expected = bob!.client.crypto.safetyNumber(bob!.client.clientId, carol.client.clientId);
    expect(alarm.replace(/[║│\s]+/g, ' ')).toContain(`safety number with the new key ${expected}`);

    // A phonebook line showing a pinned name with another key is looked up at once (it could be a signed
    // key rotation, docs/key-transparency.md): the alarm comes verified and offers to accept the key (k).
    await until(c.lastFrame, (t) => t.includes('press k to accept the new key'), 'the verified alarm');
    c.stdin.write('k');
    const after = await until(c.lastFrame, (t) => !t.includes('SECURITY ALARM'), 'the alarm to clear');
    expect(after).toContain('new key of bob accepted');
    expect(after).toMatch(/bob\s+✔ verified/);
  }, 60_000);
});

describe('the setup screens', () => {
  it('asks for the passphrase (masked, twice) and the name, then shows key-generation progress', async () => {
    let seen: { passphrase: string; name: string | undefined } | undefined;
    let report: ((step: SetupStep) => void) | undefined;
    const app = render(
      <PhonebookApp
        passphrase={undefined}
        askName
        firstRun
        onQuit={() => undefined}
        boot={(input, onStep) => {
          seen = input;
          report = onStep;
          return new Promise(() => undefined);
        }}
      />,
    );
    screens.push(app);
    await until(app.lastFrame, (t) => t.includes('Vault passphrase:'), 'the passphrase prompt');
    expect(app.lastFrame()).toContain('First run');
    // A new vault's passphrase: too short is refused at once, two that differ are asked again.
    app.stdin.write('s3cret');
    await until(app.lastFrame, (t) => t.includes('••••••'), 'the masked passphrase');
    expect(app.lastFrame()).not.toContain('s3cret');
    app.stdin.write(ENTER);
    await until(app.lastFrame, (t) => t.includes('at least 12 characters (it has 6)'), 'the weak passphrase');
    app.stdin.write('s3cret passphrase');
    app.stdin.write(ENTER);
    await until(app.lastFrame, (t) => t.includes('Repeat the passphrase:'), 'the repeat prompt');
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.stdin.write('s3cret passphrasf');
    app.stdin.write(ENTER);
    await until(app.lastFrame, (t) => t.includes('the two passphrases differ'), 'the mismatch');
    // The prompt that appeared subscribes to keys in an effect after its frame: typing sooner is lost.
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.stdin.write('s3cret passphrase');
    app.stdin.write(ENTER);
    await until(app.lastFrame, (t) => t.includes('Repeat the passphrase:'), 'the repeat prompt again');
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.stdin.write('s3cret passphrase');
    app.stdin.write(ENTER);
    await until(app.lastFrame, (t) => t.includes('Your name:'), 'the name prompt');
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.stdin.write('dora');
    app.stdin.write(ENTER);
    await until(app.lastFrame, (t) => t.includes('opening the vault'), 'setup progress');
    expect(seen).toEqual({ passphrase: 's3cret passphrase', name: 'dora' });
    report!({ kind: 'keygen', elapsedMs: 1500 });
    const progress = await until(app.lastFrame, (t) => t.includes('RSA-4096'), 'key generation progress');
    expect(progress).toMatch(/creating your identity: an RSA-4096 key pair \(1\.5 s\)/);
    expect(progress).toMatch(/\[█+░+\]/);
    report!({ kind: 'registering' });
    await until(app.lastFrame, (t) => t.includes('registering with the relay'), 'registration progress');
  });

  it('asks again after a wrong passphrase', async () => {
    let attempts = 0;
    const app = render(
      <PhonebookApp
        passphrase={undefined}
        askName={false}
        firstRun={false}
        onQuit={() => undefined}
        boot={() => {
          attempts++;
          return Promise.reject(
            Object.assign(new Error('wrong passphrase'), { code: 'CLIENT_ERR_VAULT_WRONG_PASSPHRASE' }),
          );
        }}
      />,
    );
    screens.push(app);
    await until(app.lastFrame, (t) => t.includes('Unlock the vault'), 'the unlock prompt');
    app.stdin.write('nope');
    app.stdin.write(ENTER);
    const again = await until(app.lastFrame, (t) => t.includes('try again'), 'the retry prompt');
    expect(again).toContain('CLIENT_ERR_VAULT_WRONG_PASSPHRASE');
    expect(again).toContain('Vault passphrase:');
    expect(attempts).toBe(1);
  });
});
