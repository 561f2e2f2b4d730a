/**
 * The phonebook as people expect a phone, with real sessions registered at the leitung-relay program and
 * the screens rendered as the program renders them. Bob's sound devices are stand-ins (the probe finds a
 * microphone and a speaker; the microphone plays a 300 Hz tone, the speaker records), so the device paths
 * run without a sound card:
 * - an incoming call rings: "Incoming call from alice · ringing", the terminal bell (BEL) repeats, and the
 *   ring tone (440 + 480 Hz) plays on the speaker until answered — then neither;
 * - in the call `m` mutes (Alice's input meter falls to silence: she receives silence), `+` raises the
 *   volume of what Bob hears (the frames his speaker gets grow 1.5×);
 * - a caller who hangs up while it rings leaves "missed call from alice (time)", counted in the header
 *   until the history (`c`) is opened; the history is in the vault file (no call id, key or number);
 * - a call during a call rings the callee as a waiting call (the relay forwards it), whose client answers it
 *   busy: the caller gets CLIENT_ERR_PEER_BUSY, the callee sees "carol is calling — busy" and, afterwards, the
 *   missed call.
 */
import { type AudioSink, createToneSource } from '@leitung/audio';
import { SecureVault } from '@leitung/client';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_KEY } from '../src/app/call-log.js';
import type { PhonebookSession } from '../src/app/phonebook-session.js';
import type { AudioEnvironment, DeviceAccess } from '../src/media/devices.js';
import { MainScreen } from '../src/tui/main-screen.js';
import { TEST_PASSPHRASE } from './support/identities.js';
import { RelayWorld, until } from './support/relay-world.js';
import type { TestSession } from './support/sessions.js';

let world: RelayWorld;

beforeAll(async () => {
  world = await RelayWorld.start('phone');
}, 60_000);

afterAll(async () => {
  await world.close();
});

// A test that failed half-way leaves no call behind for the next one.
afterEach(async () => {
  const sessions = await Promise.all([...started.values()]);
  for (const { session } of sessions) session.hangUp();
  await Promise.all(sessions.map(({ session }) => idle(session)));
});

interface RecordingSink extends AudioSink {
  readonly frames: Int16Array[];
  closed: boolean;
}

function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    frames: [],
    closed: false,
    write: async (frame) => {
      sink.frames.push(frame);
    },
    close: async () => {
      sink.closed = true;
    },
  };
  return sink;
}

const WORKING: AudioEnvironment = {
  input: {
    tool: 'arecord',
    works: true,
    reason: undefined,
    devices: [{ name: 'default', description: 'Default' }],
  },
  output: {
    tool: 'aplay',
    works: true,
    reason: undefined,
    devices: [{ name: 'default', description: 'Default' }],
  },
};

/** A stand-in microphone as it was opened: closed yet, and how often a call dropped its backlog. */
interface CaptureRecord {
  closed: boolean;
  keptNewest: number;
}

/**
 * A microphone that plays a 300 Hz tone and a speaker that records; the first sink is the ring tone's.
 * Each microphone opened is recorded in `captures`.
 */
function standInDevices(): DeviceAccess & {
  readonly sinks: RecordingSink[];
  readonly captures: CaptureRecord[];
} {
  const sinks: RecordingSink[] = [];
  const captures: CaptureRecord[] = [];
  return {
    sinks,
    captures,
    probe: async () => WORKING,
    openCapture: async () => {
      const tone = createToneSource({ frequency: 300, amplitude: 0.3 });
      const record: CaptureRecord = { closed: false, keptNewest: 0 };
      captures.push(record);
      return {
        read: () => tone.read(),
        keepNewest: () => {
          record.keptNewest++;
        },
        close: async () => {
          record.closed = true;
          await tone.close();
        },
      };
    },
    openPlayback: async () => {
      const sink = recordingSink();
      sinks.push(sink);
      return sink;
    },
  };
}

const bobDevices = standInDevices();
const started = new Map<string, Promise<TestSession>>();

function start(name: string): Promise<TestSession> {
  let s = started.get(name);
  if (s === undefined) {
    s = (async () => {
      const opened = await world.open(
        name,
        undefined,
        {},
        'opus',
        name === 'bob'
          ? {
              devices: bobDevices,
              ringTone: true,
              audio: { input: undefined, output: undefined, tone: false },
            }
          : {},
      );
      await opened.session.start();
      return opened;
    })();
    started.set(name, s);
  }
  return s;
}

function show(session: PhonebookSession) {
  const screen = render(<MainScreen session={session} onQuit={() => undefined} />);
  world.onClose(() => screen.unmount());
  return screen;
}

const bells = (frames: readonly string[]) => frames.filter((f) => f.startsWith('\u0007')).length;

/** Power of `frequency` in `samples` (Goertzel), normalised by length. */
function power(samples: Int16Array, frequency: number): number {
  const k = (2 * Math.cos((2 * Math.PI * frequency) / 48_000)) as number;
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / samples.length ** 2;
}

function concat(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** The median RMS of the frames (steady against the odd concealed or partly silent frame). */
function level(frames: readonly Int16Array[]): number {
  const rms = frames
    .map((f) => Math.sqrt(f.reduce((sum, v) => sum + v * v, 0) / f.length))
    .sort((x, y) => x - y);
  return rms[Math.floor(rms.length / 2)] ?? 0;
}

async function idle(session: PhonebookSession): Promise<void> {
  await until(
    () => session.getState().call?.phase ?? 'none',
    (p) => p === 'none' || p === 'ended',
    'no call',
  );
  await session.settled();
}

describe('ringing, mute and volume', () => {
  it('rings with the bell and the ring tone until answered; m mutes (the other side receives silence); + raises the volume', async () => {
    const [{ session: alice }, { session: bob }] = await Promise.all([start('alice'), start('bob')]);
    const b = show(bob);
    const a = show(alice);
    await until(
      () => String(bob.getState().sound.environment !== undefined),
      (t) => t === 'true',
      'the probe',
    );

    void alice.call('bob');
    const ringing = await until(
      b.lastFrame,
      (t) => t.includes('Incoming call from alice · ringing'),
      'ringing',
    );
    expect(ringing).toContain('(ring tone and terminal bell)');
    expect(ringing).toMatch(/a answer · r reject/);
    // The bell rings at once and again every 2 s while it rings.
    await until(
      () => String(bells(b.frames)),
      (n) => Number(n) >= 2,
      'two bells',
      5_000,
    );
    const ring = bobDevices.sinks[0]!;
    expect(ring.frames.length).toBeGreaterThan(50);
    // 440 + 480 Hz (the ringing tone), nothing at 300 or 1000 Hz.
    const tone = concat(ring.frames.slice(0, 100));
    expect(power(tone, 440)).toBeGreaterThan(100 * power(tone, 1000));
    expect(power(tone, 480)).toBeGreaterThan(100 * power(tone, 300));

    b.stdin.write('a');
    await until(b.lastFrame, (t) => /In call with alice/.test(t), 'the call on bob');
    await until(
      () => String(ring.closed),
      (c) => c === 'true',
      'the ring tone stopped',
    );
    const bellsAtAnswer = bells(b.frames);
    const ringFrames = ring.frames.length;

    // Alice hears Bob's microphone (the 300 Hz tone) …
    await until(
      () => String(alice.getState().audio?.quality?.levelInDb ?? -90),
      (db) => Number(db) > -30,
      "bob's tone on alice's meter",
    );
    // … until Bob mutes: she then receives silence, and Bob's screen says so.
    b.stdin.write('m');
    await until(b.lastFrame, (t) => t.includes('muted — the other side hears silence'), 'muted on bob');
    await until(
      () => String(alice.getState().audio?.quality?.levelInDb ?? 0),
      (db) => Number(db) <= -85,
      'silence on alice',
      5_000,
    );
    await until(a.lastFrame, (t) => /in {3}░{24} /.test(t), "alice's empty input meter");

    // Volume: what Bob's speaker plays grows from 100 % to 150 % (Alice's 440 Hz tone, decoded).
    const call = bobDevices.sinks[1]!;
    await until(
      () => String(call.frames.length),
      (n) => Number(n) > 100,
      'audio at bob',
    );
    const before = level(call.frames.slice(-50));
    for (let i = 0; i < 5; i++) b.stdin.write('+');
    await until(b.lastFrame, (t) => t.includes('volume 150 %'), '150 %');
    const at = call.frames.length;
    await until(
      () => String(call.frames.length),
      (n) => Number(n) > at + 60,
      'more audio at bob',
    );
    const after = level(call.frames.slice(-50));
    console.log(`[phone] bob's speaker level at 150 % / 100 %: ${(after / before).toFixed(3)}`);
    expect(after / before).toBeGreaterThan(1.4);
    expect(after / before).toBeLessThan(1.6);

    b.stdin.write('h');
    await until(b.lastFrame, (t) => t.includes('Call with alice ended'), 'the end');
    expect(bells(b.frames)).toBe(bellsAtAnswer); // no bell after the answer
    expect(ring.frames.length).toBe(ringFrames);
    // A phone unmutes after the call; the volume is kept (in the vault).
    expect(bob.getState().sound).toMatchObject({ muted: false, volume: 150 });
    await Promise.all([idle(alice), idle(bob)]);
  }, 60_000);
});

describe('missed calls and call waiting', () => {
  it('a caller who hangs up while it rings leaves "missed call from alice (time)", counted until the history is opened', async () => {
    const [{ session: alice }, { session: bob, setup }] = await Promise.all([start('alice'), start('bob')]);
    const b = show(bob);
    const seenBefore = bob.getState().missed;
    void alice.call('bob');
    await until(b.lastFrame, (t) => t.includes('Incoming call from alice'), 'ringing');
    alice.hangUp();
    const missed = await until(b.lastFrame, (t) => t.includes('missed call from alice'), 'the missed call');
    expect(missed).toMatch(/☎ missed call from alice \(\d\d:\d\d\)/);
    expect(missed.split('\n')[0]).toContain(`☎ ${seenBefore + 1} missed`);

    b.stdin.write('c');
    const history = await until(b.lastFrame, (t) => t.includes('Call history'), 'the history');
    expect(history).toMatch(/\d\d:\d\d\s+← alice\s+missed/);
    expect(history.split('\n')[0]).not.toContain('missed');
    expect(bob.getState().missed).toBe(0);

    // In the vault file, as the program keeps it: times, names, outcomes — nothing secret.
    await until(
      () => JSON.stringify(setup.vault.setting(HISTORY_KEY)),
      (t) => t.includes('"seen":true'),
      'the history saved',
    );
    await new Promise((r) => setTimeout(r, 200)); // the atomic save in flight
    const reopened = await SecureVault.open(setup.vault.path, TEST_PASSPHRASE);
    try {
      const stored = reopened.setting(HISTORY_KEY) as Record<string, unknown>[];
      expect(stored[0]).toMatchObject({
        peer: 'alice',
        direction: 'incoming',
        outcome: 'missed',
        seen: true,
      });
      const fields = ['at', 'peer', 'direction', 'durationMs', 'outcome', 'seen'];
      for (const record of stored) expect(Object.keys(record).filter((k) => !fields.includes(k))).toEqual([]);
      expect(JSON.stringify(stored)).not.toMatch(/callId|safety|key|[0-9a-f]{32}/i);
    } finally {
      reopened.close();
    }
    await Promise.all([idle(alice), idle(bob)]);
  }, 60_000);

  it('a call during a call: the caller hears busy, the callee sees "carol is calling — busy", then the missed call', async () => {
    const [{ session: alice }, { session: bob }, { session: carol }] = await Promise.all([
      start('alice'),
      start('bob'),
      start('carol'),
    ]);
    const b = show(bob);
    const c = show(carol);
    void alice.call('bob');
    await until(b.lastFrame, (t) => t.includes('Incoming call from alice'), 'ringing');
    b.stdin.write('a');
    await until(b.lastFrame, (t) => t.includes('In call with alice'), 'the call');

    const failed = new Promise<string>((resolve) =>
      carol.onEvent((e) => {
        if (e.event === 'call:failed') resolve(e.code);
      }),
    );
    void carol.call('bob');
    expect(await failed).toBe('CLIENT_ERR_PEER_BUSY');
    await until(c.lastFrame, (t) => t.includes('CLIENT_ERR_PEER_BUSY'), "busy on carol's screen");
    expect(carol.getState().history[0]).toMatchObject({
      peer: 'bob',
      direction: 'outgoing',
      outcome: 'busy',
    });
    // The relay rang Bob with Carol's call as a waiting call; Bob's client answered it busy (that busy is what
    // Carol got) and told Bob's phonebook who tried (`call:waiting`).
    const waiting = await until(
      b.lastFrame,
      (t) => t.includes('carol is calling — busy'),
      'call waiting on bob',
    );
    expect(waiting).toContain('In call with alice'); // the call goes on

    alice.hangUp();
    const after = await until(b.lastFrame, (t) => t.includes('Call with alice ended'), 'the end');
    expect(after).not.toContain('carol is calling');
    expect(after).toMatch(/☎ missed call from carol \(\d\d:\d\d\), you were in a call/);
    expect(bob.getState().history.slice(0, 2)).toEqual([
      expect.objectContaining({ peer: 'alice', direction: 'incoming', outcome: 'answered' }),
      expect.objectContaining({ peer: 'carol', direction: 'incoming', outcome: 'busy', seen: false }),
    ]);
    await Promise.all([idle(alice), idle(bob)]);
  }, 60_000);
});

describe("the caller's microphone", () => {
  it("opens while the callee's phone rings and is the one the call uses; unanswered, it is closed; a call refused before its offer opens none", async () => {
    const [{ session: alice }, { session: bob }] = await Promise.all([start('alice'), start('bob')]);
    await until(
      () => String(bob.getState().sound.environment !== undefined),
      (t) => t === 'true',
      'the probe',
    );
    const captures = bobDevices.captures;
    const before = captures.length;
    const aliceRings = () =>
      until(
        () => alice.getState().call?.phase ?? 'none',
        (p) => p === 'ringing',
        "alice's phone ringing",
      );

    // Not answered: open while it rings, closed when the call ends.
    void bob.call('alice');
    await aliceRings();
    expect(captures).toHaveLength(before + 1);
    expect(captures[before]).toEqual({ closed: false, keptNewest: 0 });
    alice.reject();
    await Promise.all([idle(alice), idle(bob)]);
    await until(
      () => String(captures[before]!.closed),
      (t) => t === 'true',
      'the unused microphone closed',
    );

    // Answered: the call takes the microphone opened while it rang (no second one) and starts with its
    // newest frame.
    const bound = new Promise<void>((resolve) =>
      bob.onEvent((e) => {
        if (e.event === 'media:bound') resolve();
      }),
    );
    void bob.call('alice');
    await aliceRings();
    expect(captures).toHaveLength(before + 2);
    alice.answer();
    await bound;
    await until(
      () => String(captures[before + 1]!.keptNewest),
      (n) => n === '1',
      'the backlog dropped',
    );
    expect(captures).toHaveLength(before + 2);
    bob.hangUp();
    await Promise.all([idle(alice), idle(bob)]);
    expect(captures[before + 1]!.closed).toBe(true);

    // Refused before its offer (no such name): no microphone.
    await bob.call('nobody-by-this-name');
    await idle(bob);
    expect(captures).toHaveLength(before + 2);
  }, 60_000);
});
