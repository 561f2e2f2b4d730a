/**
 * The jitter buffer's moves played by time-scaling (packages/audio/README.md, "Jitter buffer"): on a jittered
 * network the receiver stretches and compresses speech instead of inserting or skipping whole frames, and its
 * delay settles where the transit quantile says, without frames coming late once it has.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type AudioCodec, createOpusCodec } from '../src/index.js';
import { loadOpusBackend } from '../src/node/index.js';
import type { ImpairmentOptions } from '../src/testing.js';
import { simulate } from './support/simulate.js';
import { hasSpeechTools, makeSpeech, syntheticSpeech } from './support/speech.js';

const backend = loadOpusBackend();
const opus = (): AudioCodec => createOpusCodec(backend);

let input: Int16Array;
beforeAll(async () => {
  input = hasSpeechTools ? await makeSpeech() : syntheticSpeech(9);
});

// 30–70 ms transit: 0–40 ms of uniform variation over a 30 ms base; the receiver's 20 ms clock 3 ms after
// the sender's, where the playout offsets a whole-frame buffer can take (… 32, 52 … ms above the fastest
// packet) straddle the 95th percentile of the variation (about 37 ms).
const link: ImpairmentOptions = { seed: 21, delayMs: 50, jitterMs: 20 };
const run = (timeStretch: boolean) =>
  simulate({ codec: opus(), input, link, lossFeedbackMs: 1000, pullPhaseMs: 3, timeStretch });

describe('time-scaled playout on a jittered network', () => {
  it('grows by stretching speech, never by a whole frame, and settles where few frames come late', () => {
    const r = run(true);
    const s = r.receive;
    console.warn(
      `[time-scaled] stretched ${s.stretchedMs} ms, compressed ${s.compressedMs} ms, inserted ${s.framesStretched}, ` +
        `dropped ${s.packetsDiscarded}, late ${s.packetsLate} of ${s.packetsReceived}; delay ${r.bufferDelays.at(-1)?.toFixed(1)} ms, target ${s.targetDelayMs.toFixed(1)} ms`,
    );
    expect(s.stretchedMs).toBeGreaterThan(0);
    expect(s.framesStretched).toBe(0);
    expect(s.packetsDiscarded).toBe(0);
    // Converged: the second half of the call plays at one delay, one frame above the 95th percentile's
    // nearest offset below it, and few frames come late.
    const settled = r.bufferDelays.slice(Math.floor(r.bufferDelays.length / 2));
    expect(Math.max(...settled) - Math.min(...settled)).toBeLessThan(1);
    expect(settled[0]!).toBeGreaterThanOrEqual(s.targetDelayMs);
    expect(settled[0]!).toBeLessThan(s.targetDelayMs + 20);
    expect(s.packetsLate).toBeLessThan(0.02 * s.packetsReceived);
  });

  it('control: without time-scaling the buffer stays a frame lower and many more frames come late', () => {
    const r = run(false);
    const s = r.receive;
    expect(s.stretchedMs + s.compressedMs).toBe(0);
    expect(r.bufferDelays.at(-1)!).toBeLessThan(s.targetDelayMs);
    expect(s.packetsLate).toBeGreaterThan(0.08 * s.packetsReceived);
  });
});
