import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatConverter, Resampler, wavHeader } from '../src/core.js';
import {
  createPcmSink,
  createPcmSource,
  createSilenceSource,
  createSweepSource,
  createToneSource,
  decodeWav,
  encodeWav,
  FRAME_SAMPLES,
  pipeAudio,
  readFrames,
} from '../src/index.js';
import { createWavFileSink, openWavFileSource } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'leitung-audio-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tone(rate: number, hz: number, seconds: number, channels = 1, amp = 10_000): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++)
      out[i * channels + c] = Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

/** Frequency from zero crossings and RMS of a mono signal, ignoring `skip` samples at each end. */
function analyse(x: ArrayLike<number>, rate: number, skip = 200): { hz: number; rms: number } {
  let crossings = 0;
  let sum = 0;
  for (let i = skip + 1; i < x.length - skip; i++) {
    if ((x[i - 1]! < 0 && x[i]! >= 0) || (x[i - 1]! >= 0 && x[i]! < 0)) crossings++;
    sum += x[i]! * x[i]!;
  }
  const n = x.length - 2 * skip - 1;
  return { hz: (crossings / 2) * (rate / n), rms: Math.sqrt(sum / n) };
}

async function collect(source: Parameters<typeof readFrames>[0]): Promise<Int16Array> {
  const sink = createPcmSink();
  await pipeAudio(source, sink);
  return sink.samples();
}

describe('Resampler and FormatConverter', () => {
  it('converts 44.1 kHz to 48 kHz keeping frequency and level', () => {
    const r = new Resampler(44_100, 48_000);
    const input = tone(44_100, 1000, 0.5);
    const out = Float64Array.from([...r.process(Float64Array.from(input)), ...r.flush()]);
    expect(out.length).toBe(Math.ceil((input.length * 48_000) / 44_100));
    const a = analyse(out, 48_000);
    expect(a.hz).toBeCloseTo(1000, -0.5);
    expect(a.rms).toBeGreaterThan(10_000 / Math.SQRT2 - 100);
    expect(a.rms).toBeLessThan(10_000 / Math.SQRT2 + 100);
  });

  it('gives the same output whatever the block sizes (streaming)', () => {
    const input = Float64Array.from(tone(22_050, 440, 0.2));
    const whole = new Resampler(22_050, 48_000);
    const a = [...whole.process(input), ...whole.flush()];
    const parts = new Resampler(22_050, 48_000);
    const b: number[] = [];
    for (let i = 0; i < input.length; i += 97) b.push(...parts.process(input.subarray(i, i + 97)));
    b.push(...parts.flush());
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 6);
  });

  it('filters out what would alias when downsampling', () => {
    // 6 kHz cannot exist at 8 kHz: it must be removed, not folded down to 2 kHz.
    const r = new Resampler(48_000, 8000);
    const out = [...r.process(Float64Array.from(tone(48_000, 6000, 0.5))), ...r.flush()];
    expect(analyse(out, 8000, 50).rms).toBeLessThan(10_000 * 0.01);
    const pass = new Resampler(48_000, 8000);
    const kept = [...pass.process(Float64Array.from(tone(48_000, 1000, 0.5))), ...pass.flush()];
    expect(analyse(kept, 8000, 50).rms).toBeGreaterThan(7000 * 0.95);
  });

  it('mixes stereo to mono and frames at 48 kHz, padding the last frame', () => {
    const c = new FormatConverter(48_000, 2);
    const stereo = new Int16Array(2 * 1000);
    for (let i = 0; i < 1000; i++) {
      stereo[2 * i] = 1000;
      stereo[2 * i + 1] = 3000;
    }
    const frames = [...c.push(stereo), ...c.end()];
    expect(frames).toHaveLength(2);
    expect(frames[0]![10]).toBe(2000);
    expect(frames[1]![1000 - FRAME_SAMPLES - 1]).toBe(2000);
    expect(frames[1]![FRAME_SAMPLES - 1]).toBe(0);
    expect(() => c.push(stereo)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }));
    expect(() => new FormatConverter(48_000, 2).push(new Int16Array(3))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new Resampler(100, 48_000)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('generators', () => {
  it('makes a tone of the asked frequency and length', async () => {
    const x = await collect(createToneSource({ frequency: 440, amplitude: 0.5, durationMs: 500 }));
    expect(x.length).toBe(25 * FRAME_SAMPLES);
    const a = analyse(x, 48_000);
    expect(a.hz).toBeCloseTo(440, -0.5);
    expect(a.rms).toBeCloseTo((0.5 * 32767) / Math.SQRT2, -2);
  });

  it('sweeps upward and makes silence; endless sources stop on close', async () => {
    const sweep = await collect(createSweepSource({ fromHz: 100, toHz: 4000, durationMs: 1000 }));
    const start = analyse(sweep.subarray(0, 4800), 48_000, 0).hz;
    const end = analyse(sweep.subarray(sweep.length - 4800), 48_000, 0).hz;
    expect(start).toBeLessThan(200);
    expect(end).toBeGreaterThan(3000);
    const silence = await collect(createSilenceSource({ durationMs: 100 }));
    expect(silence.every((s) => s === 0)).toBe(true);
    const endless = createToneSource({ frequency: 1000 });
    let n = 0;
    for await (const _ of readFrames(endless)) if (++n === 30) break;
    expect(await endless.read()).toBeNull();
  });

  it('rejects impossible parameters', () => {
    for (const f of [
      () => createToneSource({ frequency: 0 }),
      () => createToneSource({ frequency: 30_000 }),
      () => createToneSource({ frequency: 440, amplitude: 2 }),
      () => createSweepSource({ fromHz: 100, toHz: 200, durationMs: 0 }),
      () => createPcmSource([1, 2] as unknown as Int16Array),
    ]) {
      expect(f).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }));
    }
  });
});

describe('WAV', () => {
  it('encodes and decodes 16-bit PCM', async () => {
    const samples = tone(16_000, 300, 0.1, 2);
    const bytes = encodeWav(samples, 16_000, 2);
    const back = await decodeWav(bytes);
    expect(back.format).toEqual({ sampleRate: 16_000, channels: 2, bitsPerSample: 16 });
    expect(Array.from(back.samples)).toEqual(Array.from(samples));
  });

  it('reads WAVE_FORMAT_EXTENSIBLE and skips unknown chunks', async () => {
    const samples = tone(48_000, 500, 0.05);
    const fmt = new Uint8Array(40);
    const v = new DataView(fmt.buffer);
    v.setUint16(0, 0xfffe, true);
    v.setUint16(2, 1, true);
    v.setUint32(4, 48_000, true);
    v.setUint32(8, 96_000, true);
    v.setUint16(12, 2, true);
    v.setUint16(14, 16, true);
    v.setUint16(16, 22, true);
    v.setUint16(24, 1, true); // sub-format GUID starts with WAVE_FORMAT_PCM
    const data = encodeWav(samples).subarray(44);
    const chunk = (id: string, body: Uint8Array) => {
      const c = new Uint8Array(8 + body.length + (body.length % 2));
      c.set([...id].map((ch) => ch.charCodeAt(0)));
      new DataView(c.buffer).setUint32(4, body.length, true);
      c.set(body, 8);
      return c;
    };
    const list = chunk('LIST', Uint8Array.of(1, 2, 3));
    const body = [chunk('fmt ', fmt), list, chunk('data', data)];
    const size = 4 + body.reduce((n, c) => n + c.length, 0);
    const riff = new Uint8Array(8 + size);
    riff.set([...'RIFF'].map((c) => c.charCodeAt(0)));
    new DataView(riff.buffer).setUint32(4, size, true);
    riff.set(
      [...'WAVE'].map((c) => c.charCodeAt(0)),
      8,
    );
    let o = 12;
    for (const c of body) {
      riff.set(c, o);
      o += c.length;
    }
    const back = await decodeWav(riff);
    expect(back.format.channels).toBe(1);
    expect(Array.from(back.samples)).toEqual(Array.from(samples));
  });

  it('rejects what it cannot read with AUDIO_ERR_WAV_FORMAT', async () => {
    const ok = encodeWav(new Int16Array(10));
    const with8bit = ok.slice();
    new DataView(with8bit.buffer).setUint16(34, 8, true);
    const float = ok.slice();
    new DataView(float.buffer).setUint16(20, 3, true);
    const noData = ok.slice(0, 36);
    for (const bad of [
      new Uint8Array(5),
      new TextEncoder().encode('RIFF....AVI LIST'),
      with8bit,
      float,
      noData,
    ]) {
      await expect(decodeWav(bad)).rejects.toMatchObject({ code: 'AUDIO_ERR_WAV_FORMAT' });
    }
    expect(() => wavHeader(2 ** 32)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_WAV_FORMAT' }));
  });

  it('streams a 44.1 kHz stereo file into 48 kHz mono frames', async () => {
    const path = join(dir, 'in-44k-stereo.wav');
    writeFileSync(path, encodeWav(tone(44_100, 700, 1, 2), 44_100, 2));
    const source = await openWavFileSource(path);
    expect(source.format).toEqual({ sampleRate: 44_100, channels: 2, bitsPerSample: 16 });
    expect(source.durationMs).toBeCloseTo(1000, 6);
    const x = await collect(source);
    expect(x.length).toBe(Math.ceil(48_000 / FRAME_SAMPLES) * FRAME_SAMPLES);
    expect(analyse(x.subarray(0, 48_000), 48_000).hz).toBeCloseTo(700, -0.5);
    expect(await source.read()).toBeNull();
  });

  it('reports missing or unreadable files with AUDIO_ERR_FILE / AUDIO_ERR_WAV_FORMAT', async () => {
    await expect(openWavFileSource(join(dir, 'nope.wav'))).rejects.toMatchObject({ code: 'AUDIO_ERR_FILE' });
    const junk = join(dir, 'junk.wav');
    writeFileSync(junk, 'not audio at all');
    await expect(openWavFileSource(junk)).rejects.toMatchObject({ code: 'AUDIO_ERR_WAV_FORMAT' });
    await expect(createWavFileSink(join(dir, 'no-such-dir', 'x.wav'))).rejects.toMatchObject({
      code: 'AUDIO_ERR_FILE',
    });
  });

  it('writes 48 kHz mono atomically: nothing at the target until close, then the whole file', async () => {
    const target = join(dir, 'out.wav');
    writeFileSync(target, 'previous content');
    const sink = await createWavFileSink(target);
    const frames = await collect(createToneSource({ frequency: 250, durationMs: 200 }));
    for (let i = 0; i < frames.length; i += FRAME_SAMPLES)
      await sink.write(frames.slice(i, i + FRAME_SAMPLES));
    // Until close the old file is untouched and the new data sits in a temporary file beside it.
    expect(readFileSync(target, 'utf8')).toBe('previous content');
    expect(readdirSync(dir).some((f) => f.startsWith('.out.wav.') && f.endsWith('.tmp'))).toBe(true);
    await sink.close();
    await sink.close();
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    const back = await decodeWav(readFileSync(target));
    expect(back.format).toEqual({ sampleRate: 48_000, channels: 1, bitsPerSample: 16 });
    expect(Array.from(back.samples)).toEqual(Array.from(frames));
    await expect(sink.write(new Int16Array(FRAME_SAMPLES))).rejects.toMatchObject({
      code: 'AUDIO_ERR_CLOSED',
    });
  });

  it('abort leaves the target untouched and removes the temporary file', async () => {
    const target = join(dir, 'kept.wav');
    writeFileSync(target, 'keep me');
    const sink = await createWavFileSink(target);
    await sink.write(new Int16Array(FRAME_SAMPLES));
    await expect(sink.write(new Int16Array(5))).rejects.toMatchObject({ code: 'AUDIO_ERR_INVALID_FRAME' });
    await sink.abort();
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    expect(readdirSync(dir).some((f) => f.startsWith('.kept.wav'))).toBe(false);
  });
});
