/**
 * A whole stream on virtual time: sender → impaired in-memory link → receiver, stepped in 1 ms ticks.
 * The sender captures frame k at 20·k ms; the receiver pulls every 20 ms at a phase of its own — with
 * `variableFrames`, each time the last frame has played, as `AudioReceiveStream` does (between ticks).
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
  /** The receiver's `variableFrames` option; default: the receiver's default (20 ms frames). */
  readonly variableFrames?: boolean;
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
    ...(options.variableFrames === undefined ? {} : { variableFrames: options.variableFrames }),
  });
  const link = new ImpairedLink(linkOptions);
  const totalFrames = Math.ceil(input.length / FRAME_SAMPLES);
  const endMs = totalFrames * 20 + (options.tailMs ?? 400);
  const frames: PlayoutFrame[] = [];
  const bufferDelays: number[] = [];
  let firstPlayPull = -1;
  let maxBufferDelayMs = 0;
  const sent: MediaFrame[] = [];
  /** Samples played so far: the next pull is due `phase` + this / 48 ms after the start. */
  let played = 0;
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
    for (let due = phase + played / 48; due < t + 1; due = phase + played / 48) {
      const out = receiver.pull(due);
      played += out.pcm.length;
      if (out.decision === 'play' && firstPlayPull < 0) firstPlayPull = frames.length;
      frames.push(out);
      if (firstPlayPull >= 0) {
        const d = receiver.stats(due).bufferDelayMs;
        bufferDelays.push(d);
        maxBufferDelayMs = Math.max(maxBufferDelayMs, d);
      }
    }
  }
  const output = new Int16Array(played);
  let at = 0;
  for (const f of frames) {
    output.set(f.pcm, at);
    at += f.pcm.length;
  }
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
