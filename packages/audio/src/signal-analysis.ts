/**
 * Objective measurements for comparing a decoded signal with its reference (tests, benchmarks, the
 * demo's audio check). Waveform SNR is meaningless for Opus, which keeps the spectrum and not the
 * waveform, so quality is judged on spectra and envelopes:
 * - delay by cross-correlation;
 * - Bark spectral distance over speech-active frames in the wideband speech band (see below);
 * - correlation of the 10 ms energy envelopes in dB, which drops at gaps, clicks and misalignment.
 */
import { SAMPLE_RATE } from './audio-format.js';
import { AudioError } from './errors.js';
import { fft, nextPowerOfTwo } from './fft.js';

/** Any array of samples the measurements accept. */
export type Samples = Int16Array | Float32Array | Float64Array;

/**
 * The result of {@link estimateDelay}: by how much the degraded signal lags the reference, in samples and ms,
 * and how well they match there.
 */
export interface DelayEstimate {
  /** How many samples `degraded` lags `reference` (negative: leads). */
  readonly lagSamples: number;
  readonly lagMs: number;
  /** Peak of the normalised cross-correlation, −1…1. */
  readonly correlation: number;
}

/** Finds the lag within ±maxLagSamples that maximises the cross-correlation (FFT-based). */
export function estimateDelay(reference: Samples, degraded: Samples, maxLagSamples: number): DelayEstimate {
  if (!Number.isInteger(maxLagSamples) || maxLagSamples < 0) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'maxLagSamples must be an integer ≥ 0');
  }
  const n = Math.max(reference.length, degraded.length);
  const size = nextPowerOfTwo(n + maxLagSamples + 1);
  const ar = new Float64Array(size);
  const ai = new Float64Array(size);
  const br = new Float64Array(size);
  const bi = new Float64Array(size);
  ar.set(reference);
  br.set(degraded);
  fft(ar, ai);
  fft(br, bi);
  // conj(A)·B: its inverse is r[lag] = Σ a[i]·b[i + lag].
  for (let k = 0; k < size; k++) {
    const re = ar[k]! * br[k]! + ai[k]! * bi[k]!;
    const im = ar[k]! * bi[k]! - ai[k]! * br[k]!;
    ar[k] = re;
    ai[k] = im;
  }
  fft(ar, ai, true);
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let lag = -maxLagSamples; lag <= maxLagSamples; lag++) {
    const v = ar[lag >= 0 ? lag : size + lag]!;
    if (v > bestValue) {
      bestValue = v;
      best = lag;
    }
  }
  const norm = Math.sqrt(energy(reference) * energy(degraded));
  return {
    lagSamples: best,
    lagMs: (best * 1000) / SAMPLE_RATE,
    correlation: norm > 0 ? bestValue / norm : 0,
  };
}

/** What {@link barkSpectralDistance} counts as speech and as audible detail. */
export interface SpectralOptions {
  /** Frames more than this many dB below the loudest reference frame are skipped; default 40. */
  readonly activeRangeDb?: number;
  /** Bands more than this many dB below a frame's loudest band are floored there; default 50. */
  readonly bandRangeDb?: number;
}

/**
 * Critical-band edges in Hz (Zwicker's Bark scale) covering the wideband speech band 100–7700 Hz
 * (ITU-T G.722 / P.341 pass 50–7000 Hz).
 */
const BARK_EDGES_HZ = [
  100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000, 2320, 2700, 3150, 3700, 4400, 5300,
  6400, 7700,
];

/**
 * Bark spectral distance in dB between time-aligned signals, after the Bark spectral distortion
 * measure of Wang, Sekey & Gersho (IEEE JSAC 10(5), 1992): per 1024-sample Hann frame (hop 512), the
 * energies of the 20 critical bands between 100 and 7700 Hz in dB, floored `bandRangeDb` below the
 * frame's loudest band (inaudible detail does not count); the RMS difference over bands, averaged over
 * speech-active frames. Critical bands follow the ear's resolution, so it judges the spectral envelope
 * a codec must keep, not the waveform or the fine structure a parametric codec may change.
 */
export function barkSpectralDistance(
  reference: Samples,
  degraded: Samples,
  options: SpectralOptions = {},
): number {
  const { activeRangeDb = 40, bandRangeDb = 50 } = options;
  const size = 1024;
  const hop = 512;
  const n = Math.min(reference.length, degraded.length);
  const window = Float64Array.from(
    { length: size },
    (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size),
  );
  const edges = BARK_EDGES_HZ.map((hz) => Math.round((hz * size) / SAMPLE_RATE));
  const frames: { ref: Float64Array; deg: Float64Array; energy: number }[] = [];
  for (let start = 0; start + size <= n; start += hop) {
    const ref = bandEnergies(powerSpectrum(reference, start, window), edges);
    const deg = bandEnergies(powerSpectrum(degraded, start, window), edges);
    frames.push({ ref, deg, energy: ref.reduce((a, b) => a + b, 0) });
  }
  if (frames.length === 0)
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'signals shorter than one frame');
  const loudest = Math.max(...frames.map((f) => f.energy));
  const threshold = loudest * 10 ** (-activeRangeDb / 10);
  let sum = 0;
  let count = 0;
  for (const f of frames) {
    if (!(f.energy > 0) || f.energy < threshold) continue;
    const floor = Math.max(...f.ref) * 10 ** (-bandRangeDb / 10);
    let acc = 0;
    for (let b = 0; b < f.ref.length; b++) {
      const d = 10 * Math.log10(Math.max(f.ref[b]!, floor) / Math.max(f.deg[b]!, floor));
      acc += d * d;
    }
    sum += Math.sqrt(acc / f.ref.length);
    count++;
  }
  return count > 0 ? sum / count : 0;
}

function bandEnergies(power: Float64Array, edges: readonly number[]): Float64Array {
  const out = new Float64Array(edges.length - 1);
  for (let b = 0; b + 1 < edges.length; b++) {
    let e = 0;
    for (let k = edges[b]!; k < edges[b + 1]!; k++) e += power[k]!;
    out[b] = e;
  }
  return out;
}

/** Pearson correlation of 10 ms frame energies in dB (floored at −80 dBFS) of time-aligned signals. */
export function envelopeCorrelation(reference: Samples, degraded: Samples): number {
  const a = envelopeDb(reference);
  const b = envelopeDb(degraded);
  return Math.min(a.length, b.length) < 2 ? 0 : pearsonCorrelation(a, b);
}

/** Pearson correlation of two series over the shorter one's length; 0 when either is constant. */
export function pearsonCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Energy in dBFS of consecutive blocks of `blockSamples` (default 10 ms), floored at −80. */
export function envelopeDb(samples: Samples, blockSamples = SAMPLE_RATE / 100): Float64Array {
  const blocks = Math.floor(samples.length / blockSamples);
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let e = 0;
    for (let i = b * blockSamples; i < (b + 1) * blockSamples; i++) e += samples[i]! * samples[i]!;
    const rms = Math.sqrt(e / blockSamples) / 32768;
    out[b] = Math.max(-80, 20 * Math.log10(rms + 1e-12));
  }
  return out;
}

function powerSpectrum(x: Samples, start: number, window: Float64Array): Float64Array {
  const size = window.length;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < size; i++) re[i] = (x[start + i] ?? 0) * window[i]!;
  fft(re, im);
  const p = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) p[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return p;
}

function energy(x: Samples): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return e;
}
