/**
 * The sound parts without a sound card: the start-up probe over an injected tool runner (ALSA tools that
 * open or fail, sox that crashes, no tools at all) and in plain words; the probe on this machine; a call
 * with no microphone sends silence without trying the device; mute and volume; the ring tone's cadence;
 * the audio check over stand-in devices; call history records from call snapshots.
 */
import { existsSync } from 'node:fs';
import { type AudioSink, createToneSource, FRAME_SAMPLES } from '@leitung/audio';
import type { CallSnapshot } from '@leitung/client';
import { describe, expect, it } from 'vitest';
import { CallTracker, loadHistory, memorySettings, storeHistory } from '../src/app/call-log.js';
import { AudioCheck, type AudioCheckState } from '../src/media/audio-check.js';
import { clampVolume, mutable, scaled, withVolume } from '../src/media/audio-controls.js';
import { openCallSink, openCallSource } from '../src/media/audio-io.js';
import {
  audioProblems,
  type DeviceAccess,
  parseAlsaDeviceList,
  probeAudio,
  systemToolRunner,
  type ToolRun,
  type ToolRunner,
} from '../src/media/devices.js';
import { createRingToneSource, RING_OFF_MS, RING_ON_MS } from '../src/media/ring-tone.js';

const ARECORD_L = `null
    Discard all samples (playback) or generate zero samples (capture)
default
    Default ALSA Output (currently PulseAudio Sound Server)
sysdefault:CARD=PCH
    HDA Intel PCH, ALC892 Analog
    Default Audio Device
`;

/** Tools answer as told: `tools` are installed; `runs` gives each command's ending. */
function fakeRunner(
  tools: readonly string[],
  runs: (path: string, args: readonly string[]) => ToolRun,
): ToolRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    which: (tool) => (tools.includes(tool) ? `/usr/bin/${tool}` : undefined),
    run: async (path, args) => {
      calls.push(`${path} ${args.join(' ')}`);
      return runs(path, args);
    },
  };
}

const RUNNING: ToolRun = { code: null, signal: null, stdout: '', stderr: '' };

describe('the start-up probe', () => {
  it('ALSA: lists devices, finds a working microphone and a speaker that fails, says so in plain words', async () => {
    const runner = fakeRunner(['arecord', 'aplay', 'sox'], (path, args) => {
      if (args[0] === '-L') return { ...RUNNING, code: 0, stdout: ARECORD_L };
      if (path.endsWith('arecord')) return RUNNING; // still recording at the deadline: it works
      return {
        code: 1,
        signal: null,
        stdout: '',
        stderr:
          'ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default\naplay: main:831: audio open error: No such file or directory\n',
      };
    });
    const env = await probeAudio(runner, { input: 'sysdefault:CARD=PCH' });
    expect(env.input).toMatchObject({ tool: 'arecord', works: true });
    expect(env.input.devices.map((d) => d.name)).toEqual(['default', 'sysdefault:CARD=PCH']);
    expect(env.input.devices[1]!.description).toBe('HDA Intel PCH, ALC892 Analog — Default Audio Device');
    expect(env.output).toMatchObject({
      tool: 'aplay',
      works: false,
      reason: 'aplay: main:831: audio open error: No such file or directory',
    });
    // The chosen device is the one opened.
    expect(runner.calls.some((c) => c.includes('arecord -q') && c.includes('-D sysdefault:CARD=PCH'))).toBe(
      true,
    );
    expect(audioProblems(env, { input: undefined, output: undefined, tone: false })).toEqual([
      'no speaker found — you will hear nothing; use --output FILE.wav',
    ]);
    // A file in place of the speaker: nothing to say.
    expect(audioProblems(env, { input: undefined, output: 'heard.wav', tone: false })).toEqual([]);
  });

  it('sox only, no sound card (sox fails or crashes), and no tools at all', async () => {
    const sox = fakeRunner(['sox'], (_path, args) =>
      args.includes('-n') && args[1] === '-d'
        ? {
            code: 2,
            signal: null,
            stdout: '',
            stderr: 'sox FAIL sox: Sorry, there is no default audio device configured\n',
          }
        : { code: null, signal: 'SIGFPE', stdout: '', stderr: '' },
    );
    const env = await probeAudio(sox);
    expect(env.input).toMatchObject({
      tool: 'sox',
      works: false,
      reason: 'sox: Sorry, there is no default audio device configured',
    });
    expect(env.output).toMatchObject({ tool: 'sox', works: false, reason: 'the tool stopped with SIGFPE' });
    expect(audioProblems(env, { input: undefined, output: undefined, tone: false })).toEqual([
      'no microphone found — calls will send silence; use --input FILE.wav',
      'no speaker found — you will hear nothing; use --output FILE.wav',
    ]);
    // --tone replaces the microphone.
    expect(audioProblems(env, { input: undefined, output: undefined, tone: true })).toHaveLength(1);

    const none = await probeAudio(fakeRunner([], () => RUNNING));
    expect(audioProblems(none, { input: undefined, output: undefined, tone: false })).toEqual([
      'no microphone found (neither arecord nor sox is installed) — calls will send silence; use --input FILE.wav',
      'no speaker found (neither aplay nor sox is installed) — you will hear nothing; use --output FILE.wav',
    ]);
  });

  it('on this machine: the real tools, and a PATH without them', async () => {
    const none = await probeAudio(systemToolRunner('/nonexistent'));
    expect(none.input.tool).toBeUndefined();
    expect(none.output.tool).toBeUndefined();
    const started = Date.now();
    const here = await probeAudio(systemToolRunner());
    console.log(
      `[sound] this machine: microphone ${here.input.tool ?? 'no tool'} ${here.input.works ? 'works' : `missing (${here.input.reason})`}, ` +
        `speaker ${here.output.tool ?? 'no tool'} ${here.output.works ? 'works' : `missing (${here.output.reason})`}; probe ${Date.now() - started} ms`,
    );
    expect(Date.now() - started).toBeLessThan(4000);
    if (!existsSync('/dev/snd') && here.input.tool !== undefined) {
      // No sound card: found now, in words, not as an ALSA error in a call.
      expect(here.input.works).toBe(false);
      expect(here.input.reason).not.toMatch(/^\/|ALSA lib/);
      expect(audioProblems(here, { input: undefined, output: undefined, tone: false })[0]).toMatch(
        /^no microphone found — /,
      );
    }
  });

  it('parses `aplay -L` and leaves out null', () => {
    expect(parseAlsaDeviceList(ARECORD_L).map((d) => d.name)).toEqual(['default', 'sysdefault:CARD=PCH']);
    expect(parseAlsaDeviceList('')).toEqual([]);
  });
});

describe('calls without a sound card', () => {
  it('no microphone / no speaker: silence and discard, without opening a device or a notice', async () => {
    const opened: string[] = [];
    const devices: DeviceAccess = {
      probe: async () => {
        throw new Error('not used');
      },
      openCapture: async (device) => {
        opened.push(`capture ${device}`);
        throw new Error('ALSA lib pcm.c: Unknown PCM default');
      },
      openPlayback: async (device) => {
        opened.push(`playback ${device}`);
        throw new Error('ALSA lib pcm.c: Unknown PCM default');
      },
    };
    const notices: string[] = [];
    const choice = { input: undefined, output: undefined, tone: false, microphone: false, speaker: false };
    const source = await openCallSource(choice, (t) => notices.push(t), devices);
    const sink = await openCallSink(choice, (t) => notices.push(t), devices);
    expect(source.label).toBe('silence (no microphone)');
    expect(sink.label).toBe('discarded (no speaker)');
    expect(Math.max(...((await source.source.read()) ?? [1]))).toBe(0);
    expect(opened).toEqual([]);
    expect(notices).toEqual([]);
    // With a device chosen and found, that device is opened.
    await openCallSource(
      { ...choice, microphone: true, inputDevice: 'hw:1' },
      (t) => notices.push(t),
      devices,
    );
    expect(opened).toEqual(['capture hw:1']);
  });
});

describe('mute, volume, ring tone', () => {
  it('mute sends silence of the same length; volume scales and saturates', async () => {
    const controls = { muted: false, volume: 100 };
    const source = mutable(createToneSource({ frequency: 440, amplitude: 0.5 }), controls);
    expect(Math.max(...((await source.read()) ?? []))).toBeGreaterThan(16_000);
    controls.muted = true;
    const muted = (await source.read())!;
    expect(muted.length).toBe(FRAME_SAMPLES);
    expect(muted.every((v) => v === 0)).toBe(true);

    const frame = Int16Array.from([1000, -1000, 30_000, -30_000]);
    expect([...scaled(frame, 50)]).toEqual([500, -500, 15_000, -15_000]);
    expect([...scaled(frame, 150)]).toEqual([1500, -1500, 32_767, -32_768]);
    const written: Int16Array[] = [];
    const sink: AudioSink = { write: async (f) => void written.push(f), close: async () => undefined };
    await withVolume(sink, { muted: false, volume: 0 }).write(frame);
    expect([...written[0]!].every((v) => v === 0)).toBe(true);
    expect([clampVolume(155), clampVolume(-3), clampVolume(104), clampVolume(Number.NaN)]).toEqual([
      150, 0, 100, 100,
    ]);
  });

  it('the ring tone: 440 + 480 Hz for 2 s, then 4 s of silence', async () => {
    const source = createRingToneSource();
    const frames: Int16Array[] = [];
    for (let i = 0; i < (RING_ON_MS + RING_OFF_MS) / 20 + 5; i++) frames.push((await source.read())!);
    const peak = (f: Int16Array) => f.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(frames.slice(0, 100).every((f) => peak(f) > 1000)).toBe(true);
    expect(Math.max(...frames.slice(0, 100).map(peak))).toBeLessThanOrEqual(Math.ceil(0.3 * 32_767) + 1);
    expect(frames.slice(100, 300).every((f) => peak(f) === 0)).toBe(true);
    expect(peak(frames[300]!)).toBeGreaterThan(1000);
    await source.close();
  });
});

describe('the audio check', () => {
  it('records from the chosen microphone with a level, then plays the same audio back', async () => {
    const played: Int16Array[] = [];
    let closed = false;
    const devices: DeviceAccess = {
      probe: async () => {
        throw new Error('not used');
      },
      openCapture: async () => createToneSource({ frequency: 500, amplitude: 0.25 }),
      openPlayback: async () => ({
        write: async (f) => void played.push(f),
        close: async () => {
          closed = true;
        },
      }),
    };
    const states: AudioCheckState[] = [];
    const clock = { now: () => 0, sleep: async () => undefined };
    const check = new AudioCheck({
      devices,
      input: 'hw:0',
      output: undefined,
      playback: true,
      seconds: 0.5,
      clock,
      onChange: (s) => states.push(s),
    });
    await check.run();
    expect(states.map((s) => s.phase)).toEqual(expect.arrayContaining(['recording', 'playing', 'done']));
    const recording = states.find((s) => s.phase === 'recording' && s.elapsedMs > 0);
    expect(recording).toMatchObject({ phase: 'recording' });
    expect((recording as { levelDb: number }).levelDb).toBeGreaterThan(-15);
    expect(played).toHaveLength(25);
    expect(closed).toBe(true);
    expect(states.at(-1)).toMatchObject({ phase: 'done', playedBack: true });
    expect((states.at(-1) as { peakDb: number }).peakDb).toBeGreaterThan(-20);
  });

  it('a microphone that cannot be opened: the check fails with the reason', async () => {
    const states: AudioCheckState[] = [];
    const check = new AudioCheck({
      devices: {
        probe: async () => {
          throw new Error('not used');
        },
        openCapture: async () => {
          throw new Error('no audio device tool found');
        },
        openPlayback: async () => {
          throw new Error('not used');
        },
      },
      input: undefined,
      output: undefined,
      playback: true,
      onChange: (s) => states.push(s),
    });
    await check.run();
    expect(states.at(-1)).toMatchObject({ phase: 'failed' });
    expect((states.at(-1) as { message: string }).message).toContain('no audio device tool found');
  });
});

describe('call history', () => {
  const peer = { clientId: 'b'.repeat(64), name: 'bob' };
  const base = { callId: 'c1', since: 0 };
  const ended = (direction: 'incoming' | 'outgoing', reason: string, by: 'local' | 'remote'): CallSnapshot =>
    ({
      ...base,
      phase: 'ended',
      direction,
      peer,
      peerName: 'bob',
      reason,
      by,
      code: undefined,
    }) as CallSnapshot;
  const ringing = (direction: 'incoming' | 'outgoing'): CallSnapshot =>
    ({ ...base, phase: 'ringing', direction, peer, safetyNumber: '1' }) as CallSnapshot;
  const active = (direction: 'incoming' | 'outgoing'): CallSnapshot =>
    ({
      ...base,
      phase: 'active',
      direction,
      peer,
      role: direction === 'outgoing' ? 'caller' : 'callee',
      safetyNumber: '1',
      keyExchange: 'x',
      answeredAt: 0,
      media: 'bound',
      audio: 'flowing',
    }) as CallSnapshot;

  it('turns snapshots into records: answered with talk time, missed, rejected, no answer, busy, cancelled', () => {
    const run = (steps: [CallSnapshot, number][]) => {
      const tracker = new CallTracker();
      let record: ReturnType<CallTracker['update']>;
      for (const [snapshot, at] of steps) record = tracker.update(snapshot, at) ?? record;
      return record;
    };
    expect(
      run([
        [ringing('incoming'), 1000],
        [active('incoming'), 3000],
        [ended('incoming', 'hangup', 'remote'), 65_000],
      ]),
    ).toEqual({
      at: 1000,
      peer: 'bob',
      direction: 'incoming',
      durationMs: 62_000,
      outcome: 'answered',
    });
    expect(
      run([
        [ringing('incoming'), 1000],
        [ended('incoming', 'hangup', 'remote'), 5000],
      ]),
    ).toMatchObject({ outcome: 'missed', seen: false, durationMs: 0 });
    expect(
      run([
        [ringing('incoming'), 1000],
        [ended('incoming', 'timeout', 'local'), 31_000],
      ]),
    ).toMatchObject({ outcome: 'missed' });
    expect(
      run([
        [ringing('incoming'), 1000],
        [ended('incoming', 'rejected', 'local'), 2000],
      ]),
    ).toMatchObject({ outcome: 'rejected' });
    expect(
      run([
        [ringing('outgoing'), 1000],
        [ended('outgoing', 'rejected', 'remote'), 2000],
      ]),
    ).toMatchObject({ outcome: 'rejected' });
    expect(
      run([
        [ringing('outgoing'), 1000],
        [ended('outgoing', 'timeout', 'remote'), 2000],
      ]),
    ).toMatchObject({ outcome: 'no answer' });
    expect(
      run([
        [ringing('outgoing'), 1000],
        [ended('outgoing', 'busy', 'remote'), 2000],
      ]),
    ).toMatchObject({ outcome: 'busy' });
    expect(
      run([
        [ringing('outgoing'), 1000],
        [ended('outgoing', 'hangup', 'local'), 2000],
      ]),
    ).toMatchObject({ outcome: 'cancelled' });
    expect(run([[ended('outgoing', 'hangup', 'local'), 2000]])).toBeUndefined();
  });

  it('stores and loads records, dropping entries that do not parse, keeping the newest 200', () => {
    const store = memorySettings();
    const records = Array.from({ length: 205 }, (_, i) => ({
      at: i,
      peer: `p${i}`,
      direction: 'outgoing' as const,
      durationMs: 0,
      outcome: 'answered' as const,
    }));
    storeHistory(store, records);
    expect(loadHistory(store)).toHaveLength(200);
    store.set('phonebook.history', [
      { at: 1, peer: 'x', direction: 'sideways', durationMs: 0, outcome: 'answered' },
      'junk',
      records[0]!,
    ]);
    expect(loadHistory(store)).toEqual([records[0]]);
  });
});
