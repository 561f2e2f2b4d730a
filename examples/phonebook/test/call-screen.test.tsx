/**
 * The call screen renders the client's call snapshot (docs/client.md "Call state"): when the relay is
 * SIGKILLed during a call, both screens say the relay was lost and no audio arrives within 1 s — no loss or
 * MOS figures over audio that is not there — and, with no relay to take the call over, the call ends with
 * CLIENT_ERR_CALL_LOST. Real sessions against a real leitung-relay process of its own (killed here).
 */
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhonebookSession } from '../src/app/phonebook-session.js';
import { MainScreen } from '../src/tui/main-screen.js';
import { RelayWorld, until } from './support/relay-world.js';

let world: RelayWorld;

beforeAll(async () => {
  world = await RelayWorld.start('call-screen');
}, 60_000);

afterAll(async () => {
  await world.close();
});

async function start(name: string): Promise<PhonebookSession> {
  const s = await world.open(name, undefined, { timing: { resumeTimeoutMs: 3_000 } });
  await s.session.start();
  return s.session;
}

function show(session: PhonebookSession) {
  const screen = render(<MainScreen session={session} onQuit={() => undefined} />);
  world.onClose(() => screen.unmount());
  return screen;
}

describe('the call screen shows the call snapshot', () => {
  it('relay SIGKILL mid-call: "relay lost" and no figures within 1 s on both screens, then CLIENT_ERR_CALL_LOST', async () => {
    const [alice, bob] = await Promise.all([start('alice'), start('bob')]);
    alice.watch(['bob']);
    bob.watch(['alice']);
    const screenA = show(alice);
    const screenB = show(bob);
    bob.client.on('call:incoming', () => bob.answer());
    await alice.call('bob');
    // Audio both ways: the quality figures are shown.
    for (const screen of [screenA, screenB]) {
      await until(screen.lastFrame, (t) => /connected/.test(t) && /MOS \d\.\d\d/.test(t), 'live figures');
    }

    const killedAt = Date.now();
    world.relay.process.child.kill('SIGKILL');
    for (const screen of [screenA, screenB]) {
      const text = await until(
        screen.lastFrame,
        (t) => t.includes('relay lost, reconnecting'),
        '"relay lost"',
        3_000,
      );
      // `until` polls every 10 ms: the screen showed it at most that long before now.
      expect(Date.now() - killedAt).toBeLessThanOrEqual(1_000);
      expect(text).not.toMatch(/MOS|loss \d/);
      expect(text).toMatch(/no audio for \d+ s/);
    }
    for (const screen of [screenA, screenB]) {
      await until(screen.lastFrame, (t) => t.includes('CLIENT_ERR_CALL_LOST'), 'the call lost', 10_000);
    }
    expect(alice.getState().call).toMatchObject({ phase: 'ended', code: 'CLIENT_ERR_CALL_LOST' });
  }, 60_000);
});
