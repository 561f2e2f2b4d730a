import { describe, expect, it } from 'vitest';
import { CODEC_IDS, createPcm16Codec, FRAME_SAMPLES, PCM16_FRAME_BYTES } from '../src/index.js';

const ramp = Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i * 30 - 14_000));

describe('PCM16 codec', () => {
  it('round-trips a frame bit-exactly as 1920 little-endian bytes', () => {
    const codec = createPcm16Codec();
    expect(codec.id).toBe(CODEC_IDS.pcm16);
    const data = codec.createEncoder().encode(ramp).data;
    expect(data).toHaveLength(PCM16_FRAME_BYTES);
    expect(new DataView(data.buffer).getInt16(2, true)).toBe(ramp[1]);
    expect(Array.from(codec.createDecoder().decode(data))).toEqual(Array.from(ramp));
  });

  it('conceals by repeating the last frame with a fade to half, then to zero, then silence', () => {
    const codec = createPcm16Codec();
    const dec = codec.createDecoder();
    dec.decode(codec.createEncoder().encode(ramp).data);
    const first = dec.conceal();
    const second = dec.conceal();
    const third = dec.conceal();
    expect([first.method, second.method, third.method]).toEqual(['fade', 'fade', 'silence']);
    expect(first.pcm[0]).toBe(ramp[0]);
    expect(Math.abs(first.pcm[FRAME_SAMPLES - 1]!)).toBeLessThan(Math.abs(ramp[FRAME_SAMPLES - 1]!) * 0.51);
    expect(Math.abs(second.pcm[0]!)).toBeLessThanOrEqual(Math.ceil(Math.abs(ramp[0]!) / 2));
    expect(Math.abs(second.pcm[FRAME_SAMPLES - 1]!)).toBeLessThan(40);
    expect(third.pcm.every((x) => x === 0)).toBe(true);
  });

  it('fades the first good frame in after a concealment, against a click', () => {
    const codec = createPcm16Codec();
    const dec = codec.createDecoder();
    const enc = codec.createEncoder();
    dec.decode(enc.encode(ramp).data);
    dec.conceal();
    const after = dec.decode(enc.encode(ramp).data);
    expect(after[0]).toBe(0);
    expect(after[500]).toBe(ramp[500]);
  });

  it('rejects payloads of the wrong size and use after close', () => {
    const codec = createPcm16Codec();
    const dec = codec.createDecoder();
    expect(() => dec.decode(new Uint8Array(100))).toThrow(
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
