import { createPcmSource, FRAME_SAMPLES, SAMPLE_RATE } from '@leitung/audio';
import { describe, expect, it } from 'vitest';
import { analyzeDirection } from '../src/demo/audio-analysis.js';
import { syntheticSpeech } from '../src/demo/speech.js';
import { thenSilence } from '../src/media/audio-io.js';
import { LevelMeter, METER_FLOOR_DB, meterBar } from '../src/media/level-meter.js';

describe('level meter', () => {
  it('reads full-scale square waves as 0 dBFS and silence as the floor', () => {
    let t = 0;
    const meter = new LevelMeter(() => t);
    meter.measure(new Int16Array(FRAME_SAMPLES));
    expect(meter.rmsDb).toBe(METER_FLOOR_DB);
    t = 5;
    meter.measure(Int16Array.from({ length: FRAME_SAMPLES }, (_, i) => (i % 2 ? 32767 : -32768)));
    expect(meter.rmsDb).toBeCloseTo(0, 1);
    expect(meter.peakDb).toBeCloseTo(0, 1);
    // First frame time is kept: the audio-delay measurement depends on it.
    expect(meter.firstAt).toBe(0);
    expect(meter.frames).toBe(2);
  });

  it('holds the peak and lets it fall 1.5 dB per frame', () => {
    const meter = new LevelMeter(() => 0);
    meter.measure(new Int16Array(FRAME_SAMPLES).fill(16384)); // −6 dBFS
    meter.measure(new Int16Array(FRAME_SAMPLES));
    expect(meter.peakDb).toBeCloseTo(-6.02 - 1.5, 1);
  });

  it('draws bars from −60 dBFS to full scale', () => {
    expect(meterBar(-90, 10)).toBe('░'.repeat(10));
    expect(meterBar(0, 10)).toBe('█'.repeat(10));
    expect(meterBar(-30, 10)).toBe('█'.repeat(5) + '░'.repeat(5));
  });

  it('passes frames through its source and sink wrappers unchanged', async () => {
    const meter = new LevelMeter(() => 0);
    const frame = new Int16Array(FRAME_SAMPLES).fill(1000);
    const source = meter.source(createPcmSource(frame));
    expect(await source.read()).toEqual(frame);
    expect(await source.read()).toBeNull();
    const written: Int16Array[] = [];
    const sink = meter.sink({ write: async (f) => void written.push(f), close: async () => undefined });
    await sink.write(frame);
    expect(written).toEqual([frame]);
    expect(meter.frames).toBe(2);
  });
});

describe('input file then silence', () => {
  it('plays the file, then silence until closed', async () => {
    const source = thenSilence(createPcmSource(new Int16Array(FRAME_SAMPLES).fill(7)));
    expect((await source.read())?.[0]).toBe(7);
    for (let i = 0; i < 3; i++) expect((await source.read())?.every((x) => x === 0)).toBe(true);
    await source.close();
    expect(await source.read()).toBeNull();
  });
});

describe('direction analysis', () => {
  const speech = syntheticSpeech(4, 2);
  const delayed = (lagSamples: number) => {
    const out = new Int16Array(speech.length + lagSamples);
    out.set(speech, lagSamples);
    return out;
  };

  it('finds the delay from the stream start times and the lag in the recording', () => {
    // The receiver started 10 ms after the sender; the speech sits 30 ms into its recording: 40 ms.
    const result = analyzeDirection(speech, delayed(0.03 * SAMPLE_RATE), {
      sendStartedAt: 1000,
      receiveStartedAt: 1010,
      firstPlayoutAt: undefined,
    });
    expect(result.delayMs).toBeCloseTo(40, 1);
    expect(result.envelope).toBeGreaterThan(0.99);
    expect(result.barkDb).toBeLessThan(0.5);
    expect(result.windows).toBeGreaterThanOrEqual(2);
  });

  it('follows a lag that changes during the call (jitter-buffer adaptation)', () => {
    const received = new Int16Array(speech.length + 2 * SAMPLE_RATE);
    const half = 2 * SAMPLE_RATE;
    received.set(speech.subarray(0, half), 960); // 20 ms lag in the first two seconds
    received.set(speech.subarray(half), half + 2880); // 60 ms after
    const result = analyzeDirection(speech, received, {
      sendStartedAt: 0,
      receiveStartedAt: 0,
      firstPlayoutAt: undefined,
    });
    expect(result.minDelayMs).toBeCloseTo(20, 0);
    expect(result.maxDelayMs).toBeCloseTo(60, 0);
    expect(result.envelope).toBeGreaterThan(0.95);
  });

  it('scores a recording of something else as a mismatch', () => {
    const other = syntheticSpeech(4, 5);
    const result = analyzeDirection(speech, other, {
      sendStartedAt: 0,
      receiveStartedAt: 0,
      firstPlayoutAt: undefined,
    });
    expect(result.envelope).toBeLessThan(0.9);
  });
});
