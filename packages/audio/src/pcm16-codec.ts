/**
 * PCM16: the seed's raw mode at the internal rate (48 kHz, 16-bit little-endian, 1920 bytes per frame),
 * for tests and for comparison. Concealment repeats the last frame once with a fade to half, then fades
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

export const PCM16_FRAME_BYTES = FRAME_SAMPLES * 2;

/** Samples over which the first good frame after a concealment fades in, against a click (2.5 ms). */
const FADE_IN_SAMPLES = 120;

export function createPcm16Codec(): AudioCodec {
  return {
    name: 'pcm16',
    id: CODEC_IDS.pcm16,
    impairment: PCM16_IMPAIRMENT,
    algorithmicDelayMs: 20,
    createEncoder: () => new Pcm16Encoder(),
    createDecoder: () => new Pcm16Decoder(),
  };
}

class Pcm16Encoder implements AudioEncoder {
  readonly codec = 'pcm16';
  readonly lookaheadSamples = 0;
  #closed = false;

  encode(pcm: Int16Array): EncodedFrame {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the PCM16 encoder is closed');
    assertFrame(pcm);
    const data = new Uint8Array(PCM16_FRAME_BYTES);
    const view = new DataView(data.buffer);
    for (let i = 0; i < FRAME_SAMPLES; i++) view.setInt16(i * 2, pcm[i]!, true);
    return { data, dtx: false };
  }

  close(): void {
    this.#closed = true;
  }
}

class Pcm16Decoder implements AudioDecoder {
  readonly codec = 'pcm16';
  readonly supportsFec = false;
  #last: Int16Array = new Int16Array(FRAME_SAMPLES);
  #concealed = 0;
  #closed = false;

  decode(data: Uint8Array): Int16Array {
    this.#assertOpen();
    if (!(data instanceof Uint8Array) || data.length !== PCM16_FRAME_BYTES) {
      throw new AudioError('AUDIO_ERR_CODEC_FAILURE', `a PCM16 frame has ${PCM16_FRAME_BYTES} bytes`);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const pcm = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) pcm[i] = view.getInt16(i * 2, true);
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
