/**
 * How well one direction of a call carried the speech: the audio delay (mouth to ear, without the sound
 * devices) by cross-correlation, and whether what came out is what went in.
 *
 * Time line: the sender read sample i of its file at `sendStartedAt + i / 48 kHz` (its send stream is
 * paced from the first frame); the receiver wrote sample n of its recording at
 * `receiveStartedAt + n / 48 kHz` (its playout loop is paced the same way). If recording[i + L] matches
 * file[i], the audio delay is `receiveStartedAt − sendStartedAt + L / 48 kHz`.
 *
 * The adaptive jitter buffer may move L during the call (it grows or shrinks its delay by whole frames),
 * so the lag is found per half-second window near the global lag, and quality is judged on the windows,
 * each aligned with its own lag, summarised by the median window (windowedMatch). The measures come from
 * @leitung/audio (signal-analysis.ts): the Bark spectral distance and the correlation of 10 ms energy
 * envelopes — Opus keeps spectra and envelopes, not waveforms, so waveform SNR would say nothing.
 */
import { SAMPLE_RATE } from '@leitung/audio';
import { barkSpectralDistance, envelopeCorrelation, estimateDelay } from '@leitung/audio/analysis';

export interface DirectionTiming {
  readonly sendStartedAt: number;
  readonly receiveStartedAt: number;
  /** When the receiver first played decoded audio (analysis starts there). */
  readonly firstPlayoutAt: number | undefined;
}

export interface DirectionAnalysis {
  /** Median audio delay over the windows, ms. */
  readonly delayMs: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Peak of the normalised cross-correlation of the whole recording against the file. */
  readonly correlation: number;
  /** Bark spectral distance, dB (lower is better): the median over the aligned windows. */
  readonly barkDb: number;
  /** Correlation of the 10 ms energy envelopes (1 = identical): the median over the aligned windows. */
  readonly envelope: number;
  /** The worst window by each measure (a load spike on the machine shows up here, not in the median). */
  readonly worstBarkDb: number;
  readonly worstEnvelope: number;
  /** Seconds of speech compared. */
  readonly comparedS: number;
  readonly windows: number;
  /** The compared speech, window by window: the file's and the recording's, each aligned by its lag. */
  readonly aligned: { readonly reference: Int16Array; readonly degraded: Int16Array };
}

/** Half a second: short enough that a jitter-buffer step rarely falls inside, long enough to align on. */
const WINDOW = SAMPLE_RATE / 2;
/** How far from the global lag a window's own lag may be (jitter-buffer adaptation). */
const LOCAL_SEARCH = Math.round(0.15 * SAMPLE_RATE);
/** Longest delay looked for. */
const MAX_LAG = 2 * SAMPLE_RATE;

export function analyzeDirection(
  sent: Int16Array,
  received: Int16Array,
  timing: DirectionTiming,
): DirectionAnalysis {
  const offsetMs = timing.receiveStartedAt - timing.sendStartedAt;
  const global = estimateDelay(sent, received, MAX_LAG);
  // Compare from the first decoded playout on: frames sent before the callee's media binding was
  // acknowledged were dropped by the relay (nobody to forward to), which is call setup, not quality.
  const playedFrom =
    timing.firstPlayoutAt === undefined
      ? 0
      : Math.max(0, Math.round(((timing.firstPlayoutAt - timing.receiveStartedAt) * SAMPLE_RATE) / 1000));
  const start = Math.max(0, playedFrom - global.lagSamples + 960);
  const lags: number[] = [];
  const refParts: Int16Array[] = [];
  const degParts: Int16Array[] = [];
  for (let s = start; s + WINDOW <= sent.length; s += WINDOW) {
    const reference = sent.subarray(s, s + WINDOW);
    if (rms(reference) < 100) continue; // a pause: nothing to align on
    const from = s + global.lagSamples - LOCAL_SEARCH;
    if (from < 0 || from + WINDOW + 2 * LOCAL_SEARCH > received.length) continue;
    const local = estimateDelay(
      reference,
      received.subarray(from, from + WINDOW + 2 * LOCAL_SEARCH),
      2 * LOCAL_SEARCH,
    );
    const lag = global.lagSamples - LOCAL_SEARCH + local.lagSamples;
    lags.push(lag);
    refParts.push(reference);
    degParts.push(received.subarray(s + lag, s + lag + WINDOW));
  }
  if (lags.length === 0) {
    return {
      delayMs: offsetMs + (global.lagSamples * 1000) / SAMPLE_RATE,
      minDelayMs: Number.NaN,
      maxDelayMs: Number.NaN,
      correlation: global.correlation,
      barkDb: Number.POSITIVE_INFINITY,
      envelope: 0,
      worstBarkDb: Number.POSITIVE_INFINITY,
      worstEnvelope: 0,
      comparedS: 0,
      windows: 0,
      aligned: { reference: new Int16Array(0), degraded: new Int16Array(0) },
    };
  }
  const delays = lags.map((l) => offsetMs + (l * 1000) / SAMPLE_RATE).sort((a, b) => a - b);
  const reference = concat(refParts);
  const degraded = concat(degParts);
  const match = windowedMatch(reference, degraded);
  return {
    delayMs: median(delays),
    minDelayMs: delays[0]!,
    maxDelayMs: delays.at(-1)!,
    correlation: global.correlation,
    ...match,
    comparedS: reference.length / SAMPLE_RATE,
    windows: lags.length,
    aligned: { reference, degraded },
  };
}

export interface WindowedMatch {
  readonly barkDb: number;
  readonly envelope: number;
  readonly worstBarkDb: number;
  readonly worstEnvelope: number;
}

/**
 * Bark distance and envelope correlation per half-second window of two aligned signals, summarised by
 * the median window. A real defect of the pipeline — wrong band, dropouts, wrong content — shows in every
 * window; a moment when the test machine starved the playout loop shows in one or two, and the median
 * looks past it. The worst window is reported alongside.
 */
export function windowedMatch(reference: Int16Array, degraded: Int16Array): WindowedMatch {
  const bark: number[] = [];
  const envelope: number[] = [];
  for (let s = 0; s + WINDOW <= Math.min(reference.length, degraded.length); s += WINDOW) {
    const ref = reference.subarray(s, s + WINDOW);
    const deg = degraded.subarray(s, s + WINDOW);
    bark.push(barkSpectralDistance(ref, deg));
    envelope.push(envelopeCorrelation(ref, deg));
  }
  if (bark.length === 0) {
    return {
      barkDb: Number.POSITIVE_INFINITY,
      envelope: 0,
      worstBarkDb: Number.POSITIVE_INFINITY,
      worstEnvelope: 0,
    };
  }
  return {
    barkDb: median(bark),
    envelope: median(envelope),
    worstBarkDb: Math.max(...bark),
    worstEnvelope: Math.min(...envelope),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rms(x: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / Math.max(1, x.length));
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
