/**
 * A whole stream on virtual time: sender → impaired in-memory link → receiver, stepped in 1 ms ticks.
 * The sender captures frame k at 20·k ms; the receiver pulls every 20 ms at a phase of its own.
 */

import type { JitterBufferOptions } from '../../src/core.js';
import {
  type AudioCodec,
  AudioReceiver,
  AudioSender,
  FRAME_SAMPLES,
  type MediaFrame,
  type PlayoutFrame,
  type ReceiveStats,
  type SendStats,
} from '../../src/index.js';
import { ImpairedLink, type ImpairmentOptions } from '../../src/testing.js';

export interface SimulationOptions {
  readonly codec: AudioCodec;
  readonly input: Int16Array;
  readonly link: ImpairmentOptions;
  readonly jitterBuffer?: JitterBufferOptions;
  /** The receiver's `timeStretch` option; default: the receiver's default. */
  readonly timeStretch?: boolean;
  /** Phase of the receiver's pulls against the sender's clock, ms; default 7. */
  readonly pullPhaseMs?: number;
  /** Extra playout time after the last frame is sent, ms; default 400. */
  readonly tailMs?: number;
  /**
   * Every this many ms, feed the receiver's recent loss back into the sender's encoder (as a call does
   * with the loss its own receiver measures); default: never.
   */
  readonly lossFeedbackMs?: number;
}

export interface SimulationResult {
  readonly output: Int16Array;
  readonly frames: PlayoutFrame[];
  readonly lookaheadSamples: number;
  /** Index of the first pull that played decoded audio. */
  readonly firstPlayPull: number;
  readonly maxBufferDelayMs: number;
  readonly bufferDelays: number[];
  readonly send: SendStats;
  readonly receive: ReceiveStats;
  readonly link: ReturnType<ImpairedLink['stats']>;
  /** Every frame the sender produced, in order (before the link). */
  readonly sent: MediaFrame[];
}

export function simulate(options: SimulationOptions): SimulationResult {
  const { codec, input, link: linkOptions } = options;
  const phase = options.pullPhaseMs ?? 7;
  const sender = new AudioSender({ codec });
  const receiver = new AudioReceiver({
    codecs: [codec],
    ...(options.jitterBuffer === undefined ? {} : { jitterBuffer: options.jitterBuffer }),
    ...(options.timeStretch === undefined ? {} : { timeStretch: options.timeStretch }),
  });
  const link = new ImpairedLink(linkOptions);
  const totalFrames = Math.ceil(input.length / FRAME_SAMPLES);
  const endMs = totalFrames * 20 + (options.tailMs ?? 400);
  const frames: PlayoutFrame[] = [];
  const bufferDelays: number[] = [];
  let firstPlayPull = -1;
  let maxBufferDelayMs = 0;
  const sent: MediaFrame[] = [];
  for (let t = 0; t <= endMs; t++) {
    if (options.lossFeedbackMs !== undefined && t > 0 && t % options.lossFeedbackMs === 0) {
      sender.setExpectedLossPercent(receiver.stats(t).recentLossPercent);
    }
    if (t % 20 === 0 && t / 20 < totalFrames) {
      const k = t / 20;
      const pcm = new Int16Array(FRAME_SAMPLES);
      pcm.set(input.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
      const frame = sender.encode(pcm);
      if (frame !== undefined) {
        sent.push(frame);
        link.send(frame, t);
      }
    }
    for (const frame of link.deliver(t)) receiver.receive(frame, t);
    if (t >= phase && (t - phase) % 20 === 0) {
      const out = receiver.pull(t);
      if (out.decision === 'play' && firstPlayPull < 0) firstPlayPull = frames.length;
      frames.push(out);
      if (firstPlayPull >= 0) {
        const d = receiver.stats(t).bufferDelayMs;
        bufferDelays.push(d);
        maxBufferDelayMs = Math.max(maxBufferDelayMs, d);
      }
    }
  }
  const output = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, i) => {
    output.set(f.pcm, i * FRAME_SAMPLES);
  });
  const result: SimulationResult = {
    output,
    frames,
    lookaheadSamples: sender.lookaheadSamples,
    firstPlayPull,
    maxBufferDelayMs,
    bufferDelays,
    send: sender.stats(),
    receive: receiver.stats(endMs),
    link: link.stats(),
    sent,
  };
  sender.close();
  receiver.close();
  return result;
}
