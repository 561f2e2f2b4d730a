/**
 * Converts PCM of any rate and channel count into the internal format (48 kHz mono 20 ms frames):
 * channels are averaged to mono, the rate is converted (resampler.ts), and samples are cut into frames.
 * Streaming: push interleaved blocks of any size, take whole frames as they complete.
 */
import { FRAME_SAMPLES, SAMPLE_RATE, toInt16 } from './audio-format.js';
import { AudioError } from './errors.js';
import { Resampler } from './resampler.js';

/**
 * Converts a stream of PCM at any rate and channel count into 20 ms frames of 48 kHz mono, for sources whose
 * audio arrives in another format (a WAV file, a browser capture node): push interleaved 16-bit blocks of any
 * size, take whole frames as they complete, and `end()` for the padded rest. Channels are averaged, the rate
 * converted with {@link Resampler}. Throws AUDIO_ERR_INVALID_ARGUMENT for a channel count outside 1–64.
 */
export class FormatConverter {
  readonly sampleRate: number;
  readonly channels: number;
  readonly #resampler: Resampler;
  #pending = new Float64Array(FRAME_SAMPLES);
  #pendingLength = 0;
  #ended = false;

  constructor(sampleRate: number, channels: number) {
    if (!Number.isInteger(channels) || channels < 1 || channels > 64) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'channels must be an integer in 1–64');
    }
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.#resampler = new Resampler(sampleRate, SAMPLE_RATE);
  }

  /** Takes interleaved 16-bit samples (a whole number of sample frames); returns completed frames. */
  push(interleaved: Int16Array): Int16Array[] {
    if (this.#ended) throw new AudioError('AUDIO_ERR_CLOSED', 'the converter has ended');
    if (interleaved.length % this.channels !== 0) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'a block must hold whole sample frames');
    }
    return this.#frame(this.#resampler.process(mixToMono(interleaved, this.channels)));
  }

  /** Ends the stream; returns the remaining frames, the last one padded with silence. */
  end(): Int16Array[] {
    if (this.#ended) return [];
    this.#ended = true;
    const frames = this.#frame(this.#resampler.flush());
    if (this.#pendingLength > 0) {
      const last = new Int16Array(FRAME_SAMPLES);
      for (let i = 0; i < this.#pendingLength; i++) last[i] = toInt16(this.#pending[i]!);
      frames.push(last);
      this.#pendingLength = 0;
    }
    return frames;
  }

  #frame(samples: Float64Array): Int16Array[] {
    const frames: Int16Array[] = [];
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(FRAME_SAMPLES - this.#pendingLength, samples.length - i);
      this.#pending.set(samples.subarray(i, i + take), this.#pendingLength);
      this.#pendingLength += take;
      i += take;
      if (this.#pendingLength === FRAME_SAMPLES) {
        const frame = new Int16Array(FRAME_SAMPLES);
        for (let j = 0; j < FRAME_SAMPLES; j++) frame[j] = toInt16(this.#pending[j]!);
        frames.push(frame);
        this.#pendingLength = 0;
      }
    }
    return frames;
  }
}

/** Averages interleaved channels into one float channel (same scale as the input). */
export function mixToMono(interleaved: Int16Array, channels: number): Float64Array {
  const frames = Math.floor(interleaved.length / channels);
  const out = new Float64Array(frames);
  if (channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = interleaved[i]!;
    return out;
  }
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c]!;
    out[i] = sum / channels;
  }
  return out;
}
