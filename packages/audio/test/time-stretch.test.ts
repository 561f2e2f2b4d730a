import { describe, expect, it } from 'vitest';
import { MAX_STRETCH_RATIO, timeStretch } from '../src/core.js';
import { FRAME_SAMPLES } from '../src/index.js';

const RATE = 48_000;

function sine(hz: number, length: number, amplitude = 10_000, phase = 0): Int16Array {
  return Int16Array.from({ length }, (_, i) =>
    Math.round(amplitude * Math.sin(phase + (2 * Math.PI * hz * i) / RATE)),
  );
}

/** Largest step between neighbouring samples. */
function maxStep(x: Int16Array): number {
  let m = 0;
  for (let i = 1; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

/** Sign changes per sample. */
function crossingRate(x: Int16Array): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) n++;
  return n / (x.length - 1);
}

/** Smallest peak magnitude over windows of one period: a cross-fade of out-of-phase segments dips here. */
function minPeak(x: Int16Array, period: number): number {
  let m = Number.POSITIVE_INFINITY;
  for (let at = 0; at + period <= x.length; at += Math.floor(period / 4)) {
    let peak = 0;
    for (let i = at; i < at + period; i++) peak = Math.max(peak, Math.abs(x[i]!));
    m = Math.min(m, peak);
  }
  return m;
}

const LENGTHS = [720, 800, 900, 959, 961, 1040, 1200];

describe('timeStretch (WSOLA)', () => {
  it('makes the requested length within the tolerance, in the requested direction, within ±25 %', () => {
    for (const hz of [110, 220, 440, 1000]) {
      const x = sine(hz, FRAME_SAMPLES);
      for (const length of LENGTHS) {
        const y = timeStretch(x, length);
        expect(Math.abs(y.length - length)).toBeLessThanOrEqual(120);
        expect(Math.sign(y.length - FRAME_SAMPLES)).toBe(Math.sign(length - FRAME_SAMPLES));
        expect(Math.abs(y.length - FRAME_SAMPLES)).toBeLessThanOrEqual(FRAME_SAMPLES * MAX_STRETCH_RATIO);
      }
    }
    // Noise lines up anywhere about equally: the length is the one asked for.
    const noise = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => ((i * 7919) % 2001) - 1000);
    for (const length of [720, 1200])
      expect(timeStretch(noise, length, { toleranceSamples: 0 }).length).toBe(length);
    expect(MAX_STRETCH_RATIO).toBe(0.25);
    for (const length of [719, 1201, 960.5, -1]) {
      expect(() => timeStretch(noise, length)).toThrow(
        expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
      );
    }
    for (const bad of [
      () => timeStretch(noise.subarray(0, 100), 100),
      () => timeStretch(noise, 800, { toleranceSamples: 121 }),
      () => timeStretch(noise, 800, { segmentSamples: 3 }),
    ])
      expect(bad).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }));
  });

  it('returns the input unchanged at its own length', () => {
    const x = sine(300, FRAME_SAMPLES);
    const y = timeStretch(x, FRAME_SAMPLES);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  it('keeps a sine a sine: no step larger than the sine’s own, no dip in amplitude, seamless joins', () => {
    for (const hz of [220, 440, 1000]) {
      const prev = sine(hz, FRAME_SAMPLES, 10_000, 0);
      const x = sine(hz, FRAME_SAMPLES, 10_000, (2 * Math.PI * hz * FRAME_SAMPLES) / RATE);
      const period = Math.ceil(RATE / hz);
      for (const length of LENGTHS) {
        const y = timeStretch(x, length);
        // The frame starts and ends with the input's own samples, so the unmodified neighbours join it.
        expect(y[0]).toBe(x[0]);
        expect(y.at(-1)).toBe(x[FRAME_SAMPLES - 1]);
        const joined = new Int16Array(2 * FRAME_SAMPLES + y.length);
        joined.set(prev, 0);
        joined.set(y, FRAME_SAMPLES);
        joined.set(
          sine(hz, FRAME_SAMPLES, 10_000, (2 * Math.PI * hz * 2 * FRAME_SAMPLES) / RATE),
          FRAME_SAMPLES + y.length,
        );
        expect(maxStep(joined)).toBeLessThanOrEqual(maxStep(x) * 1.05 + 2);
        expect(minPeak(joined, period)).toBeGreaterThan(0.97 * 10_000);
      }
    }
  });

  it('a voice below its search range (110 Hz) still gets no click: steps stay within twice the sine’s (a click is a step of the amplitude)', () => {
    const x = sine(110, FRAME_SAMPLES);
    for (const length of LENGTHS) expect(maxStep(timeStretch(x, length))).toBeLessThanOrEqual(maxStep(x) * 2);
  });

  it('control: without the similarity search the cross-fades cancel out of phase and the amplitude dips', () => {
    const dips = [220, 440, 1000].flatMap((hz) =>
      LENGTHS.filter(
        (length) =>
          minPeak(
            timeStretch(sine(hz, FRAME_SAMPLES), length, { toleranceSamples: 0 }),
            Math.ceil(RATE / hz),
          ) <
          0.97 * 10_000,
      ),
    );
    expect(dips.length).toBeGreaterThan(5);
  });

  it('keeps the pitch: the zero-crossing rate of a sine does not change with the length', () => {
    for (const hz of [150, 440, 1000]) {
      const x = sine(hz, FRAME_SAMPLES);
      for (const length of [720, 1200]) {
        const y = timeStretch(x, length);
        expect(Math.abs(y.length - FRAME_SAMPLES)).toBeGreaterThan(100);
        // A resampling stretch would move the rate with the length (20–25 %); WSOLA by at most a crossing.
        expect(Math.abs(crossingRate(y) - crossingRate(x))).toBeLessThan(1.5 / y.length);
      }
    }
  });

  it('keeps silence silent and is deterministic', () => {
    const silence = new Int16Array(FRAME_SAMPLES);
    for (const length of LENGTHS) expect(timeStretch(silence, length).every((s) => s === 0)).toBe(true);
    const noise = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => ((i * 7919) % 2001) - 1000);
    for (const length of LENGTHS) expect(timeStretch(noise, length)).toEqual(timeStretch(noise, length));
  });
});
