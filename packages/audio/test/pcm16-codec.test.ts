import { describe, expect, it } from 'vitest';
import { mediaPacketSize } from '../src/analysis.js';
import { PCM16_FRAME_BYTES, PCM16_WIRE_RATE } from '../src/core.js';
import {
  type AudioCodec,
  AudioSender,
  assertCodecFits,
  CODEC_IDS,
  createPcm16Codec,
  DEFAULT_MAX_MEDIA_PACKET,
  FRAME_SAMPLES,
} from '../src/index.js';

/** `frames` consecutive 20 ms frames of a sine at `hz` (48 kHz). */
function sine(hz: number, frames: number, amplitude = 12_000): Int16Array[] {
  return Array.from({ length: frames }, (_, f) =>
    Int16Array.from({ length: FRAME_SAMPLES }, (_, i) =>
      Math.round(amplitude * Math.sin((2 * Math.PI * hz * (f * FRAME_SAMPLES + i)) / 48_000)),
    ),
  );
}

function concat(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, i) => {
    out.set(f, i * FRAME_SAMPLES);
  });
  return out;
}

/** Root-mean-square of the difference between `a` delayed by `delay` samples and `b`, over `from`… */
function rmsError(sent: Int16Array, heard: Int16Array, delay: number, from: number): number {
  let sum = 0;
  let n = 0;
  for (let i = from; i < heard.length; i++) {
    const d = heard[i]! - sent[i - delay]!;
    sum += d * d;
    n++;
  }
  return Math.sqrt(sum / n);
}

describe('PCM16 codec (24 kHz on the wire)', () => {
  it('sends 480 little-endian samples (960 bytes) per frame: a 1 006-byte packet the relay forwards', () => {
    const codec = createPcm16Codec();
    expect(codec.id).toBe(CODEC_IDS.pcm16);
    expect(PCM16_WIRE_RATE).toBe(24_000);
    const data = codec.createEncoder().encode(sine(1000, 1)[0]!).data;
    expect(data).toHaveLength(PCM16_FRAME_BYTES);
    expect(PCM16_FRAME_BYTES).toBe(960);
    expect(mediaPacketSize(1 + PCM16_FRAME_BYTES).packetBytes).toBe(1006);
    expect(mediaPacketSize(1 + PCM16_FRAME_BYTES).packetBytes).toBeLessThanOrEqual(DEFAULT_MAX_MEDIA_PACKET);
    expect(() => assertCodecFits(codec)).not.toThrow();
  });

  it('carries speech-band audio through unchanged after its fixed filter delay', () => {
    const codec = createPcm16Codec();
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    for (const hz of [300, 1000, 3400, 8000]) {
      const frames = sine(hz, 10);
      const heard = concat(frames.map((f) => dec.decode(enc.encode(f).data)));
      const sent = concat(frames);
      // ≤ 1 % of the amplitude (12 000) once the filters have filled.
      expect(rmsError(sent, heard, enc.lookaheadSamples, 2 * FRAME_SAMPLES)).toBeLessThan(120);
    }
  });

  it('removes what the 24 kHz wire rate cannot carry (no aliasing)', () => {
    const codec = createPcm16Codec();
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const heard = concat(sine(16_000, 10).map((f) => dec.decode(enc.encode(f).data)));
    let peak = 0;
    for (let i = 2 * FRAME_SAMPLES; i < heard.length; i++) peak = Math.max(peak, Math.abs(heard[i]!));
    expect(peak).toBeLessThan(12_000 * 0.01);
  });

  it('conceals by repeating the last frame with a fade to half, then to zero, then silence', () => {
    const codec = createPcm16Codec();
    const dec = codec.createDecoder();
    const enc = codec.createEncoder();
    let last: Int16Array = new Int16Array(FRAME_SAMPLES);
    for (const f of sine(500, 3)) last = dec.decode(enc.encode(f).data);
    const first = dec.conceal();
    const second = dec.conceal();
    const third = dec.conceal();
    expect([first.method, second.method, third.method]).toEqual(['fade', 'fade', 'silence']);
    expect(first.pcm[0]).toBe(last[0]);
    expect(Math.abs(second.pcm[FRAME_SAMPLES - 1]!)).toBeLessThan(40);
    expect(third.pcm.every((x) => x === 0)).toBe(true);
  });

  it('fades the first good frame in after a concealment, against a click', () => {
    const codec = createPcm16Codec();
    const dec = codec.createDecoder();
    const enc = codec.createEncoder();
    const frames = sine(500, 3);
    dec.decode(enc.encode(frames[0]!).data);
    dec.conceal();
    const after = dec.decode(enc.encode(frames[1]!).data);
    expect(after[0]).toBe(0);
  });

  it('rejects payloads of the wrong size and use after close', () => {
    const codec = createPcm16Codec();
    const dec = codec.createDecoder();
    expect(() => dec.decode(new Uint8Array(1920))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CODEC_FAILURE' }),
    );
    dec.close();
    expect(() => dec.decode(new Uint8Array(PCM16_FRAME_BYTES))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }),
    );
    const enc = codec.createEncoder();
    expect(() => enc.encode(new Int16Array(10))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_FRAME' }),
    );
  });
});

describe('frames the relay would drop are refused, never sent', () => {
  /** The old PCM16 at 48 kHz: 1 920 codec bytes, a 1 966-byte packet. */
  const oversized: AudioCodec = {
    ...createPcm16Codec(),
    createEncoder: () => ({
      codec: 'pcm16',
      lookaheadSamples: 0,
      encode: () => ({ data: new Uint8Array(1920), dtx: false }),
      close: () => undefined,
    }),
  };

  it('before the call: assertCodecFits names the packet size and the limit', () => {
    expect(() => assertCodecFits(oversized)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_PACKET_TOO_LARGE' }),
    );
    expect(() => assertCodecFits(createPcm16Codec(), 1000)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_PACKET_TOO_LARGE' }),
    );
  });

  it('per frame: AudioSender.encode throws instead of returning a frame nobody will forward', () => {
    const sender = new AudioSender({ codec: oversized });
    expect(() => sender.encode(new Int16Array(FRAME_SAMPLES))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_PACKET_TOO_LARGE' }),
    );
    expect(sender.stats().packetsSent).toBe(0);
    const ok = new AudioSender({ codec: createPcm16Codec() });
    expect(ok.encode(new Int16Array(FRAME_SAMPLES))?.payload).toHaveLength(1 + PCM16_FRAME_BYTES);
  });
});
