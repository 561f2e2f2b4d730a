/**
 * Device sources and sinks run child processes. There is no sound card on CI, so the tests drive the
 * same code with sox synthesising or swallowing audio (`-n`), and check the errors for missing tools.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, FRAME_SAMPLES, readFrames } from '../src/index.js';
import {
  availableAudioTools,
  findExecutable,
  openCaptureDevice,
  openPlaybackDevice,
  spawnPcmSink,
  spawnPcmSource,
} from '../src/node/index.js';
import { hasSox, skipNotice } from './support/speech.js';

const RAW = ['-t', 'raw', '-r', '48000', '-e', 'signed-integer', '-b', '16', '-c', '1', '-L'];
const dir = mkdtempSync(join(tmpdir(), 'leitung-audio-device-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

if (!hasSox) skipNotice('sox not installed: device process tests');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('missing tools', () => {
  it('finds no tools on an empty search path and says AUDIO_ERR_DEVICE_UNAVAILABLE', async () => {
    expect(availableAudioTools('')).toEqual({ arecord: false, aplay: false, sox: false });
    await expect(openCaptureDevice({ searchPath: '' })).rejects.toMatchObject({
      code: 'AUDIO_ERR_DEVICE_UNAVAILABLE',
    });
    await expect(openPlaybackDevice({ searchPath: '', tool: 'aplay' })).rejects.toMatchObject({
      code: 'AUDIO_ERR_DEVICE_UNAVAILABLE',
    });
    await expect(spawnPcmSource('/nonexistent/leitung-recorder', [])).rejects.toMatchObject({
      code: 'AUDIO_ERR_DEVICE_UNAVAILABLE',
    });
    await expect(openCaptureDevice({ tool: 'vlc' as 'sox' })).rejects.toMatchObject({
      code: 'AUDIO_ERR_INVALID_ARGUMENT',
    });
  });

  it('looks executables up on the given path only', () => {
    expect(findExecutable('sh', '/bin:/usr/bin')).toMatch(/\/sh$/);
    expect(findExecutable('sh', '/nonexistent')).toBeUndefined();
  });
});

describe('a capture source opened ahead of its call', () => {
  /**
   * A stand-in recorder (Node itself, no sound card): frames 0–9, each sample holding its frame's number,
   * then half of frame 10, then silence on a still open pipe — what a device opened while the phone
   * rang has recorded when the call's audio starts.
   */
  const RECORDER = [
    'const frame = (n, samples) => { const b = Buffer.alloc(samples * 2); for (let i = 0; i < samples; i++) b.writeInt16LE(n, i * 2); return b; };',
    `for (let n = 0; n < 10; n++) process.stdout.write(frame(n, ${FRAME_SAMPLES}));`,
    `process.stdout.write(frame(10, ${FRAME_SAMPLES / 2}));`,
    'setTimeout(() => {}, 60000);',
  ].join('\n');

  async function waitUntil(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  it('counts the whole frames waiting, and keeps only the newest and the start of the next, so the call starts without a backlog', async () => {
    const source = await spawnPcmSource(process.execPath, ['-e', RECORDER]);
    try {
      // Let the recorder's 10.5 frames arrive (read nothing meanwhile, as while the phone rings).
      const pid = source.pid!;
      const written = () => Number(/wchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0);
      await waitUntil(() => written() >= 10.5 * FRAME_SAMPLES * 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(source.waitingFrames).toBe(10); // whole frames only: half of frame 10 is not one
      source.keepNewest();
      expect(source.waitingFrames).toBe(1);
      const first = await source.read();
      expect(first).toHaveLength(FRAME_SAMPLES);
      expect(new Set(first)).toEqual(new Set([9])); // the newest whole frame, not frame 0
      // Half of frame 10 is there; the rest is not: the next read waits for the device.
      let next: Int16Array | null | undefined;
      const pending = source.read().then((f) => {
        next = f;
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(next).toBeUndefined();
      await source.close();
      await pending;
      expect(next).toBeNull();
    } finally {
      await source.close();
    }
  });

  it('changes nothing when at most one frame waits', async () => {
    const source = await spawnPcmSource(process.execPath, [
      '-e',
      `process.stdout.write(Buffer.alloc(${FRAME_SAMPLES * 2}, 1)); setTimeout(() => {}, 60000);`,
    ]);
    try {
      source.keepNewest(); // nothing buffered yet
      expect(await source.read()).toHaveLength(FRAME_SAMPLES);
      source.keepNewest();
    } finally {
      await source.close();
    }
  });
});

describe.skipIf(!hasSox)('child-process sources and sinks (sox)', () => {
  it('reads a finite stream as 20 ms frames, then ends', async () => {
    const source = await spawnPcmSource('sox', ['-q', '-n', ...RAW, '-', 'synth', '0.5', 'sine', '440']);
    let frames = 0;
    let peak = 0;
    for await (const f of readFrames(source)) {
      expect(f).toHaveLength(FRAME_SAMPLES);
      frames++;
      for (const s of f) peak = Math.max(peak, Math.abs(s));
    }
    expect(frames).toBe(25);
    expect(peak).toBeGreaterThan(20_000);
  });

  it('kills the child on close, even while it would run for an hour', async () => {
    const source = await spawnPcmSource('sox', ['-q', '-n', ...RAW, '-', 'synth', '3600', 'sine', '440']);
    expect(await source.read()).toHaveLength(FRAME_SAMPLES);
    const pid = source.pid!;
    expect(alive(pid)).toBe(true);
    await source.close();
    expect(alive(pid)).toBe(false);
    expect(await source.read()).toBeNull();
  });

  it('applies back-pressure: an unread capture stream stops its producer', async () => {
    const source = await spawnPcmSource('sox', ['-q', '-n', ...RAW, '-', 'synth', '3600', 'sine', '440']);
    await source.read();
    // sox synthesises far faster than real time: unthrottled it would write megabytes in 300 ms.
    // Unread, the pipe and the stream buffer (a few hundred KiB at most) fill and sox blocks.
    await new Promise((r) => setTimeout(r, 300));
    const io = readFileSync(`/proc/${source.pid}/io`, 'utf8');
    const written = Number(/wchar:\s+(\d+)/.exec(io)?.[1] ?? Number.NaN);
    expect(written).toBeLessThan(1_000_000);
    await source.close();
  });

  it('reports a tool that starts and then fails as AUDIO_ERR_DEVICE_FAILED, with its message', async () => {
    const source = await spawnPcmSource('sox', ['-q', join(dir, 'missing.wav'), ...RAW, '-']);
    await expect(source.read()).rejects.toMatchObject({ code: 'AUDIO_ERR_DEVICE_FAILED' });
    await source.close();
  });

  it('writes frames into a child and waits for it to finish on close', async () => {
    const out = join(dir, 'sink.wav');
    const sink = await spawnPcmSink('sox', ['-q', ...RAW, '-', '-t', 'wav', out]);
    const frame = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => Math.round(8000 * Math.sin(i / 10)));
    for (let i = 0; i < 50; i++) await sink.write(frame);
    await sink.close();
    const { samples } = await decodeWav(readFileSync(out));
    expect(samples.length).toBe(50 * FRAME_SAMPLES);
    expect(Array.from(samples.subarray(FRAME_SAMPLES, 2 * FRAME_SAMPLES))).toEqual(Array.from(frame));
  });

  it('holds writes while the child does not read, and close still ends it', async () => {
    // `sleep` never reads stdin: once the pipe is full, write() must wait.
    const sink = await spawnPcmSink('sleep', ['30'], { closeTimeoutMs: 200 });
    const frame = new Int16Array(FRAME_SAMPLES);
    let accepted = 0;
    const writing = (async () => {
      for (let i = 0; i < 1000; i++) {
        await sink.write(frame);
        accepted++;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    expect(accepted).toBeLessThan(200);
    const pid = sink.pid!;
    const closing = sink.close();
    await expect(writing).rejects.toMatchObject({
      code: expect.stringMatching(/AUDIO_ERR_(CLOSED|DEVICE_FAILED)/),
    });
    await closing.catch(() => undefined);
    expect(alive(pid)).toBe(false);
  });

  it('opens the system devices through sox when it is the tool at hand (no sound card: a clear error)', async () => {
    const soxOnly = mkdtempSync(join(dir, 'bin-'));
    execFileSync('ln', ['-s', findExecutable('sox')!, join(soxOnly, 'sox')]);
    const source = await openCaptureDevice({ searchPath: soxOnly });
    const result = await source.read().then(
      (f) => (f === null ? 'ended' : 'audio'),
      (e: { code?: string }) => e.code,
    );
    // With a sound card there is audio; without one sox exits and the read says so.
    expect(['audio', 'AUDIO_ERR_DEVICE_FAILED']).toContain(result);
    await source.close();
  });
});
