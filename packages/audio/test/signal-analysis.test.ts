import { describe, expect, it } from 'vitest';
import { barkSpectralDistance, envelopeCorrelation, estimateDelay } from '../src/analysis.js';
import { syntheticSpeech } from './support/speech.js';

const x = syntheticSpeech(2);

describe('signal measurements', () => {
  it('finds a known delay (and a lead) by cross-correlation', () => {
    const delayed = new Int16Array(x.length + 500);
    delayed.set(x, 437);
    const d = estimateDelay(x, delayed, 960);
    expect(d.lagSamples).toBe(437);
    expect(d.lagMs).toBeCloseTo(437 / 48, 9);
    expect(d.correlation).toBeGreaterThan(0.99);
    expect(estimateDelay(delayed, x, 960).lagSamples).toBe(-437);
    expect(() => estimateDelay(x, x, -1)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('gives zero distance and full envelope correlation for identical signals', () => {
    expect(barkSpectralDistance(x, x)).toBe(0);
    expect(envelopeCorrelation(x, x)).toBeCloseTo(1, 12);
    expect(() => barkSpectralDistance(x.subarray(0, 100), x)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('measures a uniform 6 dB level change as 6 dB', () => {
    const half = x.map((s) => Math.round(s / 2));
    // Slightly under 6.02: bands at the floor 50 dB below the loudest band do not move.
    expect(barkSpectralDistance(x, half)).toBeGreaterThan(5.8);
    expect(barkSpectralDistance(x, half)).toBeLessThan(6.1);
  });
});
