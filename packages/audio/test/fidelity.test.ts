/**
 * What the listener gets from the pipeline, measured against what libopus alone makes of the same packets:
 * on a clean network the receiver must play exactly the decoder's output (no resampling, no concealment,
 * no frame inserted or dropped by the jitter buffer), and on a lossy one the loss the receiver measures,
 * fed back into the encoder, must turn into frames rebuilt from in-band FEC (packages/audio/README.md,
 * "Clean network" and "Loss robustness").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { JitterBufferOptions } from '../src/core.js';
import { decodePayload, opusPacketHasFec } from '../src/core.js';
import {
  type AudioCodec,
  AudioReceiver,
  AudioSender,
  createOpusCodec,
  createPcmSink,
  FRAME_SAMPLES,
  type PlayoutFrame,
  type StreamClock,
} from '../src/index.js';
import { loadOpusBackend } from '../src/node/index.js';
import type { ImpairmentOptions } from '../src/testing.js';
import { predictedLags } from './support/alignment.js';
import { runReceiveStreamUntil } from './support/receive-stream.js';
import { simulate } from './support/simulate.js';
import { hasSpeechTools, makeSpeech, syntheticSpeech } from './support/speech.js';

const backend = loadOpusBackend();
const opus = (): AudioCodec => createOpusCodec(backend);

let input: Int16Array;
beforeAll(async () => {
  input = hasSpeechTools ? await makeSpeech() : syntheticSpeech(9);
});

/**
 * Samples where the played output differs from a lone decoder fed every sent packet in order; with
 * `variableFrames` the receiver may resize frames to move its delay by part of one.
 */
function differingSamples(
  link: ImpairmentOptions,
  jitterBuffer?: JitterBufferOptions,
  variableFrames = false,
) {
  const codec = opus();
  const r = simulate({
    codec,
    input,
    link,
    variableFrames,
    ...(jitterBuffer === undefined ? {} : { jitterBuffer }),
  });
  const decoder = codec.createDecoder();
  const reference = new Int16Array(r.sent.length * FRAME_SAMPLES);
  r.sent.forEach((f, k) => {
    reference.set(decoder.decode(decodePayload(f.payload).data), k * FRAME_SAMPLES);
  });
  decoder.close();
  // The lag of every frame played from a packet (concealment after the stream ended may move it).
  const lags = predictedLags(r.frames, 0).filter(
    (l, j) => l !== undefined && r.frames[j]!.decision === 'play',
  );
  const lag = lags[0]!;
  const played = r.output.subarray(lag, lag + reference.length);
  let differing = 0;
  for (let i = 0; i < reference.length; i++) if (played[i] !== reference[i]) differing++;
  return { differing, lagsSeen: new Set(lags).size, r };
}

describe('clean network: the played PCM is libopus output, sample for sample', () => {
  for (const variable of [false, true]) {
    const frames = variable ? ' (variableFrames: moves by part of a frame)' : '';
    it(`with a constant transit time${frames}`, () => {
      const { differing, lagsSeen, r } = differingSamples({ seed: 1, delayMs: 30 }, undefined, variable);
      expect(lagsSeen).toBe(1);
      expect(r.receive.packetsDiscarded).toBe(0);
      expect(r.receive.stretchedMs + r.receive.compressedMs).toBe(0);
      expect(r.frames.filter((f) => f.decision === 'play').length).toBe(r.sent.length);
      expect(differing).toBe(0);
    });

    it(`with a few ms of transit variation (no loss, no reordering)${frames}`, () => {
      const { differing, lagsSeen, r } = differingSamples(
        { seed: 3, delayMs: 30, jitterMs: 4 },
        undefined,
        variable,
      );
      expect(lagsSeen).toBe(1);
      expect(r.receive.stretchedMs + r.receive.compressedMs).toBe(0);
      expect(differing).toBe(0);
    });

    it(`control: a buffer that starts deeper than it settles moves, and the comparison sees it${frames}`, () => {
      const { differing, lagsSeen } = differingSamples(
        { seed: 1, delayMs: 30 },
        { initialDelayMs: 40 },
        variable,
      );
      expect(lagsSeen).toBeGreaterThan(1);
      expect(differing).toBeGreaterThan(1000);
    });
  }

  it('a frame skipped to shrink the delay is still decoded: the frames after it are libopus output again', () => {
    const codec = opus();
    const r = simulate({
      codec,
      input,
      link: { seed: 1, delayMs: 30 },
      jitterBuffer: { initialDelayMs: 40 },
    });
    expect(r.receive.packetsDiscarded).toBe(1);
    const decoder = codec.createDecoder();
    const reference = r.sent.map((f) => decoder.decode(decodePayload(f.payload).data));
    decoder.close();
    const played = r.frames.filter((f) => f.decision === 'play');
    const after = played.findIndex(
      (f, j) => j > 0 && f.timestamp! - played[j - 1]!.timestamp! > FRAME_SAMPLES,
    );
    expect(after).toBeGreaterThan(0);
    let differing = 0;
    for (const [j, f] of played.entries()) {
      if (j < after) continue;
      const ref = reference[f.timestamp! / FRAME_SAMPLES]!;
      // The first frame after the skip starts with a 2.5 ms fade from the skipped frame.
      for (let i = j === after ? 120 : 0; i < FRAME_SAMPLES; i++) if (f.pcm[i] !== ref[i]) differing++;
    }
    expect(differing).toBe(0);
  });

  it('the receive stream pulls on its schedule, so a stalled event loop moves no frame', async () => {
    let now = 0;
    const clock: StreamClock = {
      now: () => now,
      sleep: async (ms) => {
        await new Promise((resolve) => setImmediate(resolve));
        now += ms;
      },
    };
    const pulls: number[] = [];
    class Recording extends AudioReceiver {
      override pull(at: number): PlayoutFrame {
        pulls.push(at);
        return super.pull(at);
      }
    }
    const pcm = createPcmSink();
    let writes = 0;
    const sink = {
      write: async (frame: Int16Array) => {
        // The 10th write stalls for 70 ms (a busy event loop, a slow disk): the loop then catches up.
        if (++writes === 10) now += 70;
        await pcm.write(frame);
      },
      close: () => pcm.close(),
    };
    const receiver = new Recording({ codecs: [opus()] });
    await runReceiveStreamUntil({ receiver, sink, clock }, () => pulls.length >= 20, 20);
    expect(pulls.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, k) => 20 * k));
  });
});

describe('loss robustness: measured loss → encoder FEC → rebuilt frames', () => {
  const link: ImpairmentOptions = { seed: 11, delayMs: 30, jitterMs: 3, loss: 0.1 };

  it('plans no FEC until told, and carries it once the measured loss is fed back', () => {
    const sender = new AudioSender({ codec: opus() });
    // A vowel-like signal: SILK codes FEC (LBRR) only for frames with speech activity.
    const voiced = syntheticSpeech(1);
    let k = 0;
    const packets = (n: number) =>
      Array.from({ length: n }, () => {
        const pcm = new Int16Array(FRAME_SAMPLES);
        pcm.set(voiced.subarray((k % 40) * FRAME_SAMPLES, ((k % 40) + 1) * FRAME_SAMPLES));
        k++;
        return opusPacketHasFec(decodePayload(sender.encode(pcm)!.payload).data);
      });
    sender.setExpectedLossPercent(0);
    expect(packets(20).some(Boolean)).toBe(false);
    sender.setExpectedLossPercent(9.2);
    expect(sender.stats().expectedLossPercent).toBe(10);
    expect(packets(20).filter(Boolean).length).toBeGreaterThan(5);
    expect(() => sender.setExpectedLossPercent(-1)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
    sender.close();
  });

  /** Lost frames whose next packet arrived carrying FEC, and how many of them were rebuilt from it. */
  function fecUse(r: ReturnType<typeof simulate>) {
    const played = new Set(r.frames.filter((f) => f.source === 'decoded').map((f) => f.timestamp));
    const rebuilt = new Set(r.frames.filter((f) => f.source === 'fec').map((f) => f.timestamp));
    let available = 0;
    let used = 0;
    r.sent.forEach((f, k) => {
      const next = r.sent[k + 1];
      if (played.has(f.timestamp) || next === undefined || !played.has(next.timestamp)) return;
      if (!opusPacketHasFec(decodePayload(next.payload).data)) return;
      available++;
      if (rebuilt.has(f.timestamp)) used++;
    });
    return { available, used };
  }

  it.each([false, true])(
    'rebuilds the lost frames whose FEC arrived, at 10 % random loss; without the loss reserve it is too late (variableFrames: %s)',
    (variableFrames) => {
      const withReserve = simulate({ codec: opus(), input, link, lossFeedbackMs: 1000, variableFrames });
      const without = simulate({
        codec: opus(),
        input,
        link,
        lossFeedbackMs: 1000,
        variableFrames,
        jitterBuffer: { lossReserveMs: 0 },
      });
      expect(withReserve.receive.packetsLost).toBeGreaterThan(20);
      expect(withReserve.send.expectedLossPercent).toBeGreaterThan(3);
      const a = fecUse(withReserve);
      expect(a.available).toBeGreaterThan(3);
      // All but the first loss (before the reserve was in place).
      expect(a.used).toBeGreaterThanOrEqual(a.available - 1);
      expect(withReserve.receive.framesRecoveredFec).toBe(a.used);
      expect(fecUse(without).used).toBeLessThan(a.used / 2);
    },
  );

  it('keeps FEC off on a clean network when the (zero) loss is fed back', () => {
    const r = simulate({ codec: opus(), input, link: { seed: 2, delayMs: 30 }, lossFeedbackMs: 1000 });
    expect(r.send.expectedLossPercent).toBe(0);
    expect(r.sent.slice(60).some((f) => opusPacketHasFec(decodePayload(f.payload).data))).toBe(false);
  });
});
