/**
 * Where each played frame belongs in the input, and measurements against that: per-window delay by
 * cross-correlation, and gaps (output silent where the input speaks).
 */

import { envelopeDb, estimateDelay } from '../../src/analysis.js';
import { FRAME_SAMPLES, type PlayoutFrame } from '../../src/index.js';

/**
 * Predicted lag (samples the output trails the input) for each pull: the frame of media timestamp ts
 * plays at the output offset where the frames before it end (960·j while all are 20 ms) and carries input
 * delayed by the encoder lookahead.
 */
export function predictedLags(frames: readonly PlayoutFrame[], lookahead: number): (number | undefined)[] {
  let at = 0;
  return frames.map((f) => {
    const lag = f.timestamp === undefined ? undefined : at - f.timestamp + lookahead;
    at += f.pcm.length;
    return lag;
  });
}

export interface WindowDelay {
  /** First output sample of the window. */
  readonly start: number;
  readonly predicted: number;
  readonly measured: number;
  readonly correlation: number;
}

/**
 * Cross-correlates the output against the input in windows of `windowFrames` pulls over which the
 * predicted lag is constant (windows spanning a buffer adjustment are skipped).
 */
export function measureWindowDelays(
  input: Int16Array,
  output: Int16Array,
  lags: readonly (number | undefined)[],
  windowFrames = 50,
  searchSamples = 960,
): WindowDelay[] {
  const out: WindowDelay[] = [];
  for (let j = 0; j + windowFrames <= lags.length; j += windowFrames) {
    const window = lags.slice(j, j + windowFrames);
    const lag = window[0];
    if (lag === undefined || window.some((l) => l !== lag)) continue;
    const a = j * FRAME_SAMPLES;
    const b = a + windowFrames * FRAME_SAMPLES;
    const refStart = a - lag - searchSamples;
    if (refStart < 0 || b - lag + searchSamples > input.length) continue;
    const ref = input.subarray(refStart, b - lag + searchSamples);
    const deg = output.subarray(a - searchSamples, b + searchSamples);
    if (energy(ref) < 1e9) continue;
    const e = estimateDelay(ref, deg, searchSamples);
    out.push({ start: a, predicted: lag, measured: lag + e.lagSamples, correlation: e.correlation });
  }
  return out;
}

/**
 * Longest run of played or concealed frames where the input at the frame's own position is speech
 * (above −45 dBFS) and the output is silent (below −60 dBFS).
 */
export function longestGapFrames(
  input: Int16Array,
  frames: readonly PlayoutFrame[],
  lookahead: number,
  tsOffset = 0,
): number {
  let longest = 0;
  let run = 0;
  for (const f of frames) {
    // Silence pulls carry no slot; tests check separately that none occur while the input speaks.
    if (f.timestamp === undefined) continue;
    const at = f.timestamp - tsOffset - lookahead;
    if (at < 0 || at + FRAME_SAMPLES > input.length) {
      run = 0;
      continue;
    }
    const inDb = levelDb(input.subarray(at, at + FRAME_SAMPLES));
    const outDb = levelDb(f.pcm);
    run = inDb > -45 && outDb < -60 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

function levelDb(x: Int16Array): number {
  return envelopeDb(x, x.length)[0]!;
}

function energy(x: Int16Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return e;
}
