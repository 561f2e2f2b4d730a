/**
 * PCM16: the seed's raw mode, uncompressed 16-bit little-endian samples, for tests and for comparison.
 * On the wire it runs at 24 kHz (480 samples, 960 bytes per 20 ms frame; docs/session-protocol.md §4
 * "Media payload"): at the internal 48 kHz a frame would be 1 920 bytes and its media packet 1 966 bytes,
 * which no relay forwards (the default limit is 1 200 bytes, below the 1 280-byte IPv6 minimum MTU, so
 * packets never fragment). 24 kHz keeps every speech frequency up to 11 kHz, raw and lossless within that
 * band, in a 1 006-byte packet. Concealment repeats the last frame once with a fade to half, then fades
 * that to zero, then plays silence: repeating longer turns a loss into a buzz.
 */
import { assertFrame, FRAME_SAMPLES, toInt16 } from './audio-format.js';
import {
  type AudioCodec,
  type AudioDecoder,
  type AudioEncoder,
  CODEC_IDS,
  type ConcealedFrame,
  type EncodedFrame,
} from './codec.js';
import { PCM16_IMPAIRMENT } from './e-model.js';
import { AudioError } from './errors.js';
import { HALF_RATE_DELAY, HalfRateDecimator, HalfRateInterpolator } from './half-rate-filter.js';

/** PCM16's sample rate on the wire. */
export const PCM16_WIRE_RATE = 24_000;
/** Samples per 20 ms frame on the wire. */
const WIRE_SAMPLES = FRAME_SAMPLES / 2;
/** Codec bytes of one PCM16 frame on the wire: 480 samples at 24 kHz, 2 bytes each (960). */
export const PCM16_FRAME_BYTES = WIRE_SAMPLES * 2;

/** Samples over which the first good frame after a concealment fades in, against a click (2.5 ms). */
const FADE_IN_SAMPLES = 120;

/**
 * Creates the PCM16 codec (id 1): uncompressed 16-bit little-endian samples at 24 kHz on the wire, 960 bytes
 * per frame, for tests and comparisons (docs/session-protocol.md §4, "Media payload"). Concealment repeats the
 * last frame with a fade, then plays silence.
 */
export function createPcm16Codec(): AudioCodec {
  return {
    name: 'pcm16',
    id: CODEC_IDS.pcm16,
    impairment: PCM16_IMPAIRMENT,
    // One frame of packetization plus the two filters (≈ 1 ms).
    algorithmicDelayMs: 20 + Math.round((2 * HALF_RATE_DELAY) / 48),
    createEncoder: () => new Pcm16Encoder(),
    createDecoder: () => new Pcm16Decoder(),
  };
}

class Pcm16Encoder implements AudioEncoder {
  readonly codec = 'pcm16';
  /** Both filters' delay: the decoder's output lags the encoder's input by this much. */
  readonly lookaheadSamples = 2 * HALF_RATE_DELAY;
  readonly #decimator = new HalfRateDecimator();
  #closed = false;

  encode(pcm: Int16Array): EncodedFrame {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the PCM16 encoder is closed');
    assertFrame(pcm);
    const wire = this.#decimator.decimate(pcm);
    const data = new Uint8Array(PCM16_FRAME_BYTES);
    const view = new DataView(data.buffer);
    for (let i = 0; i < WIRE_SAMPLES; i++) view.setInt16(i * 2, wire[i]!, true);
    return { data, dtx: false };
  }

  close(): void {
    this.#closed = true;
  }
}

class Pcm16Decoder implements AudioDecoder {
  readonly codec = 'pcm16';
  readonly supportsFec = false;
  readonly #interpolator = new HalfRateInterpolator();
  #last: Int16Array = new Int16Array(FRAME_SAMPLES);
  #concealed = 0;
  #closed = false;

  decode(data: Uint8Array): Int16Array {
    this.#assertOpen();
    if (!(data instanceof Uint8Array) || data.length !== PCM16_FRAME_BYTES) {
      throw new AudioError('AUDIO_ERR_CODEC_FAILURE', `a PCM16 frame has ${PCM16_FRAME_BYTES} bytes`);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const wire = new Int16Array(WIRE_SAMPLES);
    for (let i = 0; i < WIRE_SAMPLES; i++) wire[i] = view.getInt16(i * 2, true);
    const pcm = this.#interpolator.interpolate(wire);
    this.#last = pcm.slice();
    if (this.#concealed > 0) {
      for (let i = 0; i < FADE_IN_SAMPLES; i++) pcm[i] = toInt16((pcm[i]! * i) / FADE_IN_SAMPLES);
    }
    this.#concealed = 0;
    return pcm;
  }

  conceal(): ConcealedFrame {
    this.#assertOpen();
    this.#concealed++;
    if (this.#concealed > 2) return { pcm: new Int16Array(FRAME_SAMPLES), method: 'silence' };
    // Gain runs 1 → 0.5 over the first concealed frame and 0.5 → 0 over the second.
    const from = this.#concealed === 1 ? 1 : 0.5;
    const pcm = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      pcm[i] = toInt16(this.#last[i]! * (from - (0.5 * i) / FRAME_SAMPLES));
    }
    return { pcm, method: 'fade' };
  }

  close(): void {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the PCM16 decoder is closed');
  }
}
