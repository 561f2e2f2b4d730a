/**
 * A microphone whose clock runs against the send stream's (src/media/capture-drift.ts): a backlog that
 * never drains is cut a frame at a time; a device that delivers in bursts, or runs slow, loses nothing.
 */
import { type AudioSource, FRAME_SAMPLES } from '@leitung/audio';
import { describe, expect, it } from 'vitest';
import { withDriftTrim } from '../src/media/audio-io.js';
import { CaptureDrift, DRIFT_WINDOW_READS } from '../src/media/capture-drift.js';

/**
 * Reads paced at one per 20 ms against a device that records `rate` frames per 20 ms, delivered in bursts
 * of `burst` frames; returns the largest backlog seen before a read and the frames dropped.
 */
function simulate(rate: number, burst: number, reads: number, drift: CaptureDrift | undefined) {
  let recorded = 0; // frames the device has produced (delivered in bursts)
  let taken = 0;
  let worst = 0;
  for (let i = 1; i <= reads; i++) {
    const produced = Math.floor((i * rate) / burst) * burst;
    recorded = Math.max(recorded, produced);
    const waiting = recorded - taken;
    worst = Math.max(worst, waiting);
    if (waiting === 0) {
      // The read waits for the device's next burst.
      recorded += burst;
    }
    if (drift?.beforeRead(recorded - taken) === true) taken++;
    taken++;
  }
  return { worst, dropped: drift?.dropped ?? 0 };
}

describe('CaptureDrift', () => {
  it('keeps the backlog of a device 1 % fast within a few frames, dropping about the surplus', () => {
    const reads = 20_000; // 400 s
    const without = simulate(1.01, 1, reads, undefined);
    expect(without.worst).toBeGreaterThan(190); // ~4 s of delay by the end, without the trim
    const drift = new CaptureDrift();
    const withTrim = simulate(1.01, 1, reads, drift);
    expect(withTrim.worst).toBeLessThanOrEqual(3);
    expect(withTrim.dropped).toBeGreaterThan(150);
    expect(withTrim.dropped).toBeLessThanOrEqual(200);
  });

  it('drops nothing from a device that delivers in bursts of 120 ms at the right rate', () => {
    const drift = new CaptureDrift();
    const run = simulate(1, 6, 20_000, drift);
    expect(run.worst).toBeGreaterThanOrEqual(5); // bursts do wait, up to a burst long
    expect(drift.dropped).toBe(0);
  });

  it('drops nothing from a device that runs slow', () => {
    const drift = new CaptureDrift();
    simulate(0.99, 1, 20_000, drift);
    expect(drift.dropped).toBe(0);
  });

  it('decides once per window, on the fewest frames waiting in it', () => {
    const drift = new CaptureDrift(4);
    expect([3, 2, 5].map((w) => drift.beforeRead(w))).toEqual([false, false, false]);
    expect(drift.beforeRead(2)).toBe(true); // never fewer than 2: one is surplus
    expect([3, 1, 4, 4].map((w) => drift.beforeRead(w))).toEqual([false, false, false, false]);
    expect(drift.dropped).toBe(1);
    expect(() => new CaptureDrift(0)).toThrow(RangeError);
  });
});

/** A source of silent frames that counts its reads; with `waitingFrames`, a device that reports a backlog. */
function countingSource(waitingFrames?: number): AudioSource & { reads: number; waitingFrames?: number } {
  const source: AudioSource & { reads: number; waitingFrames?: number } = {
    reads: 0,
    read: async () => {
      source.reads++;
      return new Int16Array(FRAME_SAMPLES);
    },
    close: async () => undefined,
  };
  if (waitingFrames !== undefined) source.waitingFrames = waitingFrames;
  return source;
}

describe('withDriftTrim on a device source', () => {
  it('reads and discards one frame when a window never drained, and passes a plain source through', async () => {
    for (const [waiting, expected] of [
      [3, DRIFT_WINDOW_READS + 1],
      [undefined, DRIFT_WINDOW_READS],
    ] as const) {
      const source = countingSource(waiting);
      const trimmed = withDriftTrim(source);
      for (let i = 0; i < DRIFT_WINDOW_READS; i++) await trimmed.read();
      expect(source.reads).toBe(expected);
    }
  });
});
