/**
 * Does a recording carry a given speech signal? The page's fake microphone loops its WAV from whenever
 * the call opened it, and neither side's recording starts at the speech's first sample, so each
 * one-second window of the recording is found in the (looped) reference on its own: first coarsely by
 * its 10 ms energy envelope, then to the sample by cross-correlation. On the aligned windows the
 * measures of @leitung/audio/analysis judge the match — envelope correlation and Bark spectral distance
 * (Opus keeps spectra and envelopes, not waveforms) — summarised by the median window, as in the
 * terminal phonebook's end-to-end test. Windows of near silence are skipped.
 */
import {
  barkSpectralDistance,
  envelopeCorrelation,
  envelopeDb,
  estimateDelay,
  pearsonCorrelation,
} from '@leitung/audio/analysis';

const RATE = 48_000;
const BLOCK = 480; // envelopeDb's 10 ms blocks
const WINDOW = RATE;
const HOP = RATE / 2;
/** Windows quieter than this (RMS, dBFS) are pauses, not speech. */
const ACTIVE_DB = -45;

export interface SpeechMatch {
  readonly windows: number;
  readonly envelope: number;
  readonly barkDb: number;
}

export function matchSpeech(reference: Int16Array, recording: Int16Array): SpeechMatch {
  const looped = new Int16Array(reference.length * 3);
  for (let k = 0; k < 3; k++) looped.set(reference, k * reference.length);
  const loopedEnv = envelopeDb(looped);
  const envelopes: number[] = [];
  const barks: number[] = [];
  for (let start = 0; start + WINDOW <= recording.length; start += HOP) {
    const window = recording.subarray(start, start + WINDOW);
    if (rmsDb(window) < ACTIVE_DB) continue;
    const coarse = bestEnvelopeOffset(envelopeDb(window), loopedEnv) * BLOCK;
    const from = Math.max(0, coarse - BLOCK * 2);
    const segment = looped.subarray(from, Math.min(looped.length, coarse + WINDOW + BLOCK * 2));
    if (segment.length < WINDOW) continue;
    // segment[i + lag] ≈ window[i]
    const { lagSamples } = estimateDelay(window, segment, BLOCK * 4);
    if (lagSamples < 0 || lagSamples + WINDOW > segment.length) continue;
    const aligned = segment.subarray(lagSamples, lagSamples + WINDOW);
    envelopes.push(envelopeCorrelation(aligned, window));
    barks.push(barkSpectralDistance(aligned, window));
  }
  return { windows: envelopes.length, envelope: median(envelopes), barkDb: median(barks) };
}

/** The block offset in `reference` where `window`'s envelope correlates best (Pearson over the window). */
function bestEnvelopeOffset(window: Float64Array, reference: Float64Array): number {
  let best = 0;
  let bestR = Number.NEGATIVE_INFINITY;
  for (let offset = 0; offset + window.length <= reference.length; offset++) {
    const r = pearsonCorrelation(window, reference.subarray(offset, offset + window.length));
    if (r > bestR) {
      bestR = r;
      best = offset;
    }
  }
  return best;
}

function rmsDb(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return 10 * Math.log10(sum / samples.length / 32768 ** 2 + 1e-12);
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}
