/**
 * The whole stream: encode → packetize → impaired in-memory link (seeded loss, jitter, reordering,
 * duplication) → jitter buffer → decode, on speech (espeak-ng via sox) and on a synthetic vowel signal.
 *
 * Quality threshold, and why: Opus keeps spectra, not waveforms, so waveform SNR says nothing. We use
 * the Bark spectral distance (signal-analysis.ts) over 100–7700 Hz plus the correlation of 10 ms
 * energy envelopes. The bound of 4.5 dB sits between what clean Opus at 24 kbit/s measures through the
 * whole pipeline on the espeak sentence (≈ 3.5 dB; ≈ 0.8 dB on the synthetic vowels) and what the
 * mildest audible damage measures on the same sentence: a 10 ms misalignment (≈ 6.4 dB) and its
 * narrowband telephone version (resampled to 8 kHz and back, ≈ 9 dB). The envelope bound of 0.95
 * sits between clean Opus (≈ 0.98) and one frame in twenty zeroed (≈ 0.87). The controls run below,
 * so the check can fail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { barkSpectralDistance, envelopeCorrelation } from '../src/analysis.js';
import { FormatConverter, Resampler } from '../src/core.js';
import { type AudioCodec, createOpusCodec, createPcm16Codec } from '../src/index.js';
import { loadOpusBackend } from '../src/node/index.js';
import type { ImpairmentOptions } from '../src/testing.js';
import { longestGapFrames, measureWindowDelays, predictedLags } from './support/alignment.js';
import { simulate } from './support/simulate.js';
import { hasSpeechTools, makeSpeech, skipNotice, syntheticSpeech } from './support/speech.js';

const BARK_LIMIT_DB = 4.5;
const ENVELOPE_MIN = 0.95;

const backend = loadOpusBackend();
const opus = (): AudioCodec => createOpusCodec(backend);

if (!hasSpeechTools)
  skipNotice('espeak-ng or sox not installed: speech round trips use the synthetic signal only');

function narrowband(input: Int16Array): Int16Array {
  const down = new Resampler(48_000, 8000);
  const low = Float64Array.from([...down.process(Float64Array.from(input)), ...down.flush()]);
  const back = new FormatConverter(8000, 1);
  const frames = [...back.push(Int16Array.from(low, (x) => Math.round(x))), ...back.end()];
  const out = new Int16Array(frames.length * 960);
  frames.forEach((f, i) => {
    out.set(f, i * 960);
  });
  return out.subarray(0, input.length);
}

// The synthetic vowels hold little energy above 3.4 kHz, so the narrowband control applies to speech only.
const signals = [
  { name: 'espeak-ng speech', available: hasSpeechTools, make: makeSpeech, wideband: true },
  { name: 'synthetic vowels', available: true, make: async () => syntheticSpeech(8), wideband: false },
];

describe.each(signals)('round trip on $name', ({ available, make, wideband }) => {
  let input: Int16Array;
  beforeAll(async () => {
    if (available) input = await make();
  });

  describe.skipIf(!available)('no impairment', () => {
    const link: ImpairmentOptions = { seed: 1, delayMs: 30 };

    it('keeps the output time-aligned with the input (cross-correlation matches the playout schedule)', () => {
      const r = simulate({ codec: opus(), input, link });
      const lags = predictedLags(r.frames, r.lookaheadSamples);
      const windows = measureWindowDelays(input, r.output, lags);
      expect(windows.length).toBeGreaterThanOrEqual(3);
      // Opus reconstructs phase only approximately (SILK's internal resampling shifts the waveform by a
      // few samples), so alignment holds to ±12 samples (0.25 ms), far below one 20 ms frame.
      for (const w of windows) expect(Math.abs(w.measured - w.predicted)).toBeLessThanOrEqual(12);
      const final = windows.at(-1)!;
      // Output sample 0 is played at the first pull, 7 ms into the sender's clock (the pull phase).
      const measuredMs = final.measured / 48 + 7;
      // Capture → playout = network delay + what the jitter buffer adds + the encoder lookahead.
      const expectedMs = 30 + r.receive.bufferDelayMs + r.lookaheadSamples / 48;
      console.warn(
        `[round trip] measured delay ${measuredMs.toFixed(2)} ms by cross-correlation (peak ${final.correlation.toFixed(3)}) = ` +
          `network 30 + buffer ${r.receive.bufferDelayMs.toFixed(1)} + lookahead ${(r.lookaheadSamples / 48).toFixed(1)} ms`,
      );
      expect(Math.abs(measuredMs - expectedMs)).toBeLessThan(0.5);
      expect(r.receive.packetsLost + r.receive.packetsLate).toBe(0);
    });

    it('keeps quality above the threshold, which the controls fail', () => {
      const r = simulate({ codec: opus(), input, link });
      const lags = predictedLags(r.frames, r.lookaheadSamples);
      const lag = lags.at(-1 - 25)!; // constant after the buffer has settled
      const aligned = r.output.subarray(lag, lag + input.length);
      const settled = lags.findIndex(
        (_, j) => j > 0 && lags.slice(j).every((x) => x === undefined || x === lag),
      );
      const from = Math.max(0, settled * 960 - lag);
      const ref = input.subarray(from);
      const out = aligned.subarray(from);
      const bark = barkSpectralDistance(ref, out);
      const envelope = envelopeCorrelation(ref, out);
      console.warn(
        `[round trip] Bark distance ${bark.toFixed(2)} dB, envelope correlation ${envelope.toFixed(3)}`,
      );
      expect(bark).toBeLessThan(BARK_LIMIT_DB);
      expect(envelope).toBeGreaterThan(ENVELOPE_MIN);

      // Controls, on the real speech the threshold was calibrated on: the same measures reject narrowband
      // audio, a 10 ms shift and missing frames. (The synthetic vowels are too stationary and too
      // band-limited for the first two to bite.)
      if (wideband) {
        expect(barkSpectralDistance(ref, narrowband(ref))).toBeGreaterThan(BARK_LIMIT_DB);
        const shifted = new Int16Array(ref.length);
        shifted.set(ref.subarray(0, ref.length - 480), 480);
        expect(barkSpectralDistance(ref, shifted)).toBeGreaterThan(BARK_LIMIT_DB);
        expect(envelopeCorrelation(ref, shifted)).toBeLessThan(ENVELOPE_MIN);
      }
      const holes = out.slice();
      for (let k = 5; k * 960 < holes.length; k += 20) holes.fill(0, k * 960, (k + 1) * 960);
      expect(envelopeCorrelation(ref, holes)).toBeLessThan(ENVELOPE_MIN);
    });

    it('plays exactly what the PCM16 decoder makes of the same packets, with the delay the schedule predicts', () => {
      const codec = createPcm16Codec();
      const r = simulate({ codec, input, link, jitterBuffer: { initialDelayMs: 20 } });
      const lags = predictedLags(r.frames, 0);
      const lag = lags.find((l) => l !== undefined)!;
      expect(lags.every((l) => l === undefined || l === lag)).toBe(true);
      // The reference: the codec alone, frame after frame (the wire's 24 kHz filters included).
      const encoder = codec.createEncoder();
      const decoder = codec.createDecoder();
      const reference = new Int16Array(Math.floor(input.length / 960) * 960);
      for (let k = 0; k * 960 < reference.length; k++) {
        reference.set(decoder.decode(encoder.encode(input.subarray(k * 960, (k + 1) * 960)).data), k * 960);
      }
      const played = r.output.subarray(lag, lag + reference.length);
      let differing = 0;
      for (let i = 0; i < reference.length; i++) if (played[i] !== reference[i]) differing++;
      expect(differing).toBe(0);
    });
  });

  describe.skipIf(!available)('5 % random loss and ±20 ms jitter', () => {
    const link: ImpairmentOptions = { seed: 5, delayMs: 40, jitterMs: 20, loss: 0.05 };

    it('has no gap longer than one frame and keeps the buffer delay under 80 ms', () => {
      // The receiver's measured loss goes back to the encoder once a second, as in a call.
      const r = simulate({ codec: opus(), input, link, lossFeedbackMs: 1000 });
      expect(r.link.dropped).toBeGreaterThan(0);
      const speechFrames = Math.ceil(input.length / 960);
      const during = r.frames.slice(r.firstPlayPull, r.firstPlayPull + speechFrames - 2);
      expect(during.filter((f) => f.decision === 'silence')).toEqual([]);
      expect(longestGapFrames(input, r.frames, r.lookaheadSamples)).toBeLessThanOrEqual(1);
      expect(r.maxBufferDelayMs).toBeLessThan(80);
      const s = r.receive;
      console.warn(
        `[round trip] loss ${r.link.dropped}/${r.link.sent}: concealed ${s.framesPlc} by PLC, ` +
          `${s.framesRecoveredFec} by FEC; late ${s.packetsLate}; max buffer delay ${r.maxBufferDelayMs.toFixed(1)} ms; ` +
          `target ${s.targetDelayMs.toFixed(1)} ms; MOS ${s.mos?.toFixed(2)}`,
      );
      // The measured loss reached the encoder (at about 5 % libopus keeps hybrid mode and codes little FEC;
      // test/fidelity.test.ts covers FEC at 10 %).
      expect(r.send.expectedLossPercent).toBeGreaterThan(0);
      expect(
        envelopeCorrelation(input, r.output.subarray(predictedLags(r.frames, r.lookaheadSamples).at(-30)!)),
      ).toBeGreaterThan(0.85);
    });

    it('conceals PCM16 losses by fading rather than gaps', () => {
      const r = simulate({ codec: createPcm16Codec(), input, link });
      expect(longestGapFrames(input, r.frames, 0)).toBeLessThanOrEqual(1);
      expect(r.receive.framesPlc).toBeGreaterThan(0);
      expect(r.maxBufferDelayMs).toBeLessThan(80);
    });
  });

  describe.skipIf(!available)('reordering and duplication', () => {
    const link: ImpairmentOptions = { seed: 9, delayMs: 40, jitterMs: 10, reorder: 0.1, duplicate: 0.1 };

    it('plays every slot once, in order, and counts the duplicates', () => {
      const r = simulate({ codec: opus(), input, link });
      expect(r.link.reordered).toBeGreaterThan(20);
      expect(r.link.duplicated).toBeGreaterThan(20);
      const stamps = r.frames.flatMap((f) => (f.timestamp === undefined ? [] : [f.timestamp]));
      // Each slot once, in order (stretches repeat a slot's timestamp once before it plays; a frame that a
      // time-stretched slot fills most of, after filling most of the one before, says it continues it).
      const played = r.frames.flatMap((f) => (f.decision === 'play' && !f.continued ? [f.timestamp!] : []));
      expect(new Set(played).size).toBe(played.length);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThanOrEqual(stamps[i - 1]!);
      expect(r.receive.packetsDuplicate).toBe(r.link.duplicated);
      expect(longestGapFrames(input, r.frames, r.lookaheadSamples)).toBeLessThanOrEqual(1);
      // Held-back frames arrive in time once the buffer has grown for them.
      expect(r.receive.packetsLate).toBeLessThan(r.link.reordered);
    });
  });
});
