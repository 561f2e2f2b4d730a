/**
 * The speaker worklet's queue (src/audio/playout-queue.ts), driven as the worklet drives it: 128-sample
 * render quanta on the audio clock, 20 ms frames pushed by a main thread that is sometimes held up and
 * then catches up in a burst (the receive stream keeps its schedule, packages/audio receive-stream.ts).
 */
import { describe, expect, it } from 'vitest';
import { PlayoutQueue } from '../src/audio/playout-queue.js';

const FRAME = 960;
const QUANTUM = 128;
const LIMITS = { baseFrames: 2, maxTargetFrames: 6, capFrames: 10, relaxSamples: 2 * 48_000 };

/** A frame whose samples count on from `first`, so the order and any gap can be read back. */
const frame = (first: number, length = FRAME) => Float32Array.from({ length }, (_, i) => first + i + 1);

interface Run {
  readonly played: Float32Array;
  /** Delay (in samples) between a frame's due time on the main thread's schedule and its playing. */
  readonly delays: number[];
}

/**
 * Plays `seconds` of a call: frame k is due at k × 960 samples on the main thread's schedule, and is pushed
 * then, or at the end of a stall that covers that moment (all the late ones at once).
 */
function simulate(queue: PlayoutQueue, seconds: number, stalls: readonly { at: number; ms: number }[]): Run {
  const total = seconds * 48_000;
  const played = new Float32Array(total);
  const delays: number[] = [];
  const frames = Math.ceil(total / FRAME);
  let next = 0;
  for (let now = 0; now < total; now += QUANTUM) {
    const held = stalls.find((s) => now >= s.at * 48 && now < (s.at + s.ms) * 48);
    if (held === undefined) {
      while (next < frames && next * FRAME <= now) queue.push(frame(next++ * FRAME));
    }
    const out = played.subarray(now, Math.min(total, now + QUANTUM));
    queue.fill(out);
    for (let i = 0; i < out.length; i++) {
      const sample = out[i]!;
      if (sample > 0 && (sample - 1) % FRAME === 0) delays.push(now + i - (sample - 1));
    }
  }
  return { played, delays };
}

describe('PlayoutQueue', () => {
  it('waits for the pre-buffer, then plays frames of any length back to back, in order', () => {
    const queue = new PlayoutQueue(LIMITS);
    const out = new Float32Array(QUANTUM);
    queue.push(frame(0, 720));
    queue.fill(out);
    expect(out.every((s) => s === 0)).toBe(true);
    queue.push(frame(720, 1200));
    const played = new Float32Array(1920);
    for (let i = 0; i < 1920; i += QUANTUM) queue.fill(played.subarray(i, i + QUANTUM));
    expect(Array.from(played)).toEqual(Array.from(frame(0, 1920)));
    expect(queue.counters()).toEqual({ underruns: 0, dropped: 0, targetFrames: 2 });
  });

  it('grows its pre-buffer each time it ran dry, up to the largest, and waits for it before playing again', () => {
    const queue = new PlayoutQueue(LIMITS);
    const out = new Float32Array(FRAME);
    for (let round = 1; round <= 6; round++) {
      const target = queue.counters().targetFrames;
      for (let k = 0; k < target - 1; k++) queue.push(frame(0));
      queue.fill(out);
      expect(out.every((s) => s === 0)).toBe(true);
      queue.push(frame(0));
      for (let k = 0; k <= target; k++) queue.fill(out);
      expect(queue.counters()).toMatchObject({ underruns: round, targetFrames: Math.min(2 + round, 6) });
    }
  });

  it('reset: the next call starts from the smallest pre-buffer, with nothing of the last call queued', () => {
    const queue = new PlayoutQueue(LIMITS);
    const out = new Float32Array(FRAME);
    queue.push(frame(0));
    queue.push(frame(FRAME));
    for (let k = 0; k < 3; k++) queue.fill(out);
    queue.push(frame(0));
    expect(queue.counters().targetFrames).toBe(3);
    queue.reset();
    queue.push(frame(5 * FRAME));
    queue.push(frame(6 * FRAME));
    queue.fill(out);
    expect(out[0]).toBe(5 * FRAME + 1);
    expect(queue.counters()).toMatchObject({ underruns: 1, targetFrames: 2 });
  });

  it('drops the oldest frames above its cap', () => {
    const queue = new PlayoutQueue(LIMITS);
    for (let k = 0; k < 13; k++) queue.push(frame(k * FRAME));
    const out = new Float32Array(FRAME);
    queue.fill(out);
    expect(out[0]).toBe(3 * FRAME + 1);
    expect(queue.counters().dropped).toBe(3);
  });

  it('a main thread held up for 70 ms every half second: it runs dry at most twice, then plays through', () => {
    const stalls = Array.from({ length: 18 }, (_, k) => ({ at: 500 + k * 500, ms: 70 }));
    const queue = new PlayoutQueue(LIMITS);
    const { delays } = simulate(queue, 10, stalls);
    expect(queue.counters().underruns).toBeLessThanOrEqual(2);
    // Every frame is played: no audio lost to the stalls, only delayed within the cap.
    expect(delays.length).toBeGreaterThanOrEqual(10 * 50 - 10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10 * FRAME);
  });

  it('once the main thread keeps up again, the delay a stall left behind shrinks back within seconds', () => {
    // One long stall (110 ms) early in the call, then none: a fixed queue would keep the delay it left.
    const queue = new PlayoutQueue(LIMITS);
    const { delays } = simulate(queue, 30, [{ at: 1000, ms: 110 }]);
    const afterStall = delays.slice(60, 70);
    const atEnd = delays.slice(-10);
    expect(Math.min(...afterStall)).toBeGreaterThanOrEqual(5 * FRAME);
    expect(Math.max(...atEnd)).toBeLessThanOrEqual(3 * FRAME);
    expect(queue.counters()).toMatchObject({ underruns: 1, targetFrames: 2 });
    // It shrank by dropping one frame per relaxation period, no more.
    expect(queue.counters().dropped).toBeLessThanOrEqual(4);
  });

  it('refuses limits that cannot work', () => {
    expect(() => new PlayoutQueue({ ...LIMITS, baseFrames: 0 })).toThrow(RangeError);
    expect(() => new PlayoutQueue({ ...LIMITS, maxTargetFrames: 1 })).toThrow(RangeError);
    expect(() => new PlayoutQueue({ ...LIMITS, capFrames: 7 })).toThrow(RangeError);
    expect(() => new PlayoutQueue({ ...LIMITS, relaxSamples: 0 })).toThrow(RangeError);
  });
});
