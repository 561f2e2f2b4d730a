/**
 * The call screen renders the client's call snapshot (docs/client.md "Call state"): when the relay is
 * SIGKILLed during a call, both screens say the relay was lost and no audio arrives within 1 s — no loss or
 * MOS figures over audio that is not there — and, with no relay to take the call over, the call ends with
 * CLIENT_ERR_CALL_LOST. Real sessions against a real leitung-relay process of its own (killed here).
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
import { relayKeyPem } from './support/identities.js';
import { openTestSession, type TestSession } from './support/sessions.js';

let temp: string;
let relay: RelayProcess;
let relaysFile: string;
const sessions: TestSession[] = [];
const screens: { unmount(): void }[] = [];

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'leitung-phonebook-call-screen-'));
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

async function start(name: string): Promise<PhonebookSession> {
  const s = await openTestSession(temp, relaysFile, name, undefined, { timing: { resumeTimeoutMs: 3_000 } });
  sessions.push(s);
  await s.session.start();
  return s.session;
}

/** Polls the rendered frame until `test` holds; returns the frame and when it was seen. */
async function until(
  frame: () => string | undefined,
  test: (text: string) => boolean,
  what: string,
  ms = 20_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const text = frame() ?? '';
    if (test(text)) return { text, at: Date.now() };
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the call screen shows the call snapshot', () => {
  it('relay SIGKILL mid-call: "relay lost" and no figures within 1 s on both screens, then CLIENT_ERR_CALL_LOST', async () => {
    const [alice, bob] = await Promise.all([start('alice'), start('bob')]);
    alice.watch(['bob']);
    bob.watch(['alice']);
    const screenA = render(<MainScreen session={alice} onQuit={() => undefined} />);
    const screenB = render(<MainScreen session={bob} onQuit={() => undefined} />);
    screens.push(screenA, screenB);
    bob.client.on('call:incoming', () => bob.answer());
    await alice.call('bob');
    // Audio both ways: the quality figures are shown.
    for (const screen of [screenA, screenB]) {
      await until(screen.lastFrame, (t) => /connected/.test(t) && /MOS \d\.\d\d/.test(t), 'live figures');
    }

    const killedAt = Date.now();
    relay.process.child.kill('SIGKILL');
    for (const screen of [screenA, screenB]) {
      const seen = await until(
        screen.lastFrame,
        (t) => t.includes('relay lost, reconnecting'),
        '"relay lost"',
        3_000,
      );
      expect(seen.at - killedAt).toBeLessThanOrEqual(1_000);
      expect(seen.text).not.toMatch(/MOS|loss \d/);
      expect(seen.text).toMatch(/no audio for \d+ s/);
    }
    for (const screen of [screenA, screenB]) {
      await until(screen.lastFrame, (t) => t.includes('CLIENT_ERR_CALL_LOST'), 'the call lost', 10_000);
    }
    expect(alice.getState().call).toMatchObject({ phase: 'ended', code: 'CLIENT_ERR_CALL_LOST' });
  }, 60_000);
});
