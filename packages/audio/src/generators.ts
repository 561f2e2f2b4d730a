/**
 * Synthetic sources: a sine tone, a sine sweep and silence, all 48 kHz mono, finite or endless.
 * Phase is accumulated per sample, so frame boundaries never click.
 */
import { FRAME_SAMPLES, SAMPLE_RATE, toInt16 } from './audio-format.js';
import type { AudioSource } from './audio-stream.js';
import { AudioError } from './errors.js';

/** Options of {@link createToneSource}. */
export interface ToneOptions {
  /** Hz, 0 < f < 24000. */
  readonly frequency: number;
  /** Peak amplitude as a fraction of full scale, 0–1; default 0.5. */
  readonly amplitude?: number;
  /** Length; default endless. */
  readonly durationMs?: number;
}

/**
 * Options of {@link createSweepSource}: a sine gliding from `fromHz` to `toHz` over `durationMs` ms, peak
 * `amplitude` (fraction of full scale, 0–1; default 0.5).
 */
export interface SweepOptions {
  readonly fromHz: number;
  readonly toHz: number;
  readonly durationMs: number;
  readonly amplitude?: number;
  /** Exponential (equal time per octave) instead of linear; default true. */
  readonly logarithmic?: boolean;
}

/**
 * A source of a sine tone at 48 kHz mono (a test signal, or a stand-in for a microphone); endless unless
 * `durationMs` is given. Throws AUDIO_ERR_INVALID_ARGUMENT for a frequency outside 0–24 kHz or an amplitude
 * outside 0–1.
 */
export function createToneSource(options: ToneOptions): AudioSource {
  const f = checkFrequency(options.frequency);
  return oscillator(() => f, options.amplitude, options.durationMs);
}

/**
 * A source of a sine sweep, logarithmic by default: a test signal that covers the whole speech band, for
 * measuring what a codec or link does to each frequency.
 */
export function createSweepSource(options: SweepOptions): AudioSource {
  const from = checkFrequency(options.fromHz);
  const to = checkFrequency(options.toHz);
  const total = (checkDuration(options.durationMs) * SAMPLE_RATE) / 1000;
  const log = options.logarithmic ?? true;
  const at = (n: number) => {
    const x = Math.min(1, n / total);
    return log ? from * (to / from) ** x : from + (to - from) * x;
  };
  return oscillator(at, options.amplitude, options.durationMs);
}

/**
 * A source of digital silence, endless unless `durationMs` is given: keeps a send stream running (and the
 * packet rate constant) when there is nothing to say.
 */
export function createSilenceSource(options: { readonly durationMs?: number } = {}): AudioSource {
  return oscillator(() => 0, 0, options.durationMs);
}

function oscillator(frequencyAt: (n: number) => number, amplitude = 0.5, durationMs?: number): AudioSource {
  if (typeof amplitude !== 'number' || !(amplitude >= 0 && amplitude <= 1)) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'amplitude must be within 0–1');
  }
  const totalSamples =
    durationMs === undefined
      ? Number.POSITIVE_INFINITY
      : Math.round((checkDuration(durationMs) * SAMPLE_RATE) / 1000);
  const peak = amplitude * 32767;
  let n = 0;
  let phase = 0;
  let closed = false;
  return {
    read: async () => {
      if (closed || n >= totalSamples) return null;
      const frame = new Int16Array(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES && n < totalSamples; i++, n++) {
        frame[i] = toInt16(peak * Math.sin(phase));
        phase += (2 * Math.PI * frequencyAt(n)) / SAMPLE_RATE;
        if (phase > 2 * Math.PI) phase -= 2 * Math.PI;
      }
      return frame;
    },
    close: async () => {
      closed = true;
    },
  };
}

function checkFrequency(f: number): number {
  if (typeof f !== 'number' || !(f > 0 && f < SAMPLE_RATE / 2)) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'frequency must be within 0–24000 Hz (exclusive)');
  }
  return f;
}

function checkDuration(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'duration must be a positive number of ms');
  }
  return ms;
}
