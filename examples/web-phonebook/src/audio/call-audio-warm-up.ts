/**
 * One second of a throw-away call's audio through the page's own sender and receiver, once after
 * registration: Opus encoding and decoding (libopus in WebAssembly), the jitter buffer with a lost packet
 * and a late burst, its concealment and its time-scaling (WSOLA).
 *
 * Why: in a freshly loaded page that code runs first in V8's baseline tiers and is optimised while it
 * runs — 50 frames took 338 ms to encode at first and 89–125 ms once optimised (libopus's SIMD build in
 * Node 20's V8, the same engine family as Chromium's). In the page's first call that happened on the main
 * thread while received packets waited there, and they came late: 6–12 late packets in the first call of
 * the browser suite against 1–3 after this warm-up, and the page's user heard it (docs/benchmarks.md
 * "Web phonebook").
 *
 * It runs in small steps, each its own task, so the page stays responsive, and it stops the moment a call
 * begins (that call then pays the rest itself). Nothing leaves the page and nothing is kept.
 */
import { AudioReceiver, AudioSender, FRAME_SAMPLES, type ReceiveStats } from '@leitung/audio';
import type { PageCodecs } from './codecs.js';

/** 20 ms frames in the throw-away call (1 s). */
const FRAMES = 50;
/** Frames encoded per step (one task each): ~10 ms of the main thread once warm. */
const FRAMES_PER_STEP = 5;
/** The frame that is lost: concealment (or the next frame's FEC) replaces it. */
const LOST = 12;
/** Frames held back and delivered at once, as after a main thread held up for 100 ms. */
const BURST = { from: 25, to: 30 } as const;

export interface CallAudioWarmUpOptions {
  /** Asked before each step: true once a call has begun (the warm-up then ends at once). */
  readonly stop?: () => boolean;
  /** Gives the page its turn between steps; default: a new task (setTimeout 0). */
  readonly pause?: () => Promise<void>;
}

/**
 * Runs the throw-away call; resolves with its receiver's figures (the tests check what it exercised), or
 * undefined when it was stopped.
 */
export async function warmUpCallAudio(
  codecs: PageCodecs,
  options: CallAudioWarmUpOptions = {},
): Promise<ReceiveStats | undefined> {
  const stop = options.stop ?? (() => false);
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const sender = new AudioSender({ codec: codecs.send });
  // As in a call (call-audio.ts): frames of 15–25 ms while the buffer moves its delay.
  const receiver = new AudioReceiver({ codecs: codecs.receive, variableFrames: true });
  try {
    const speech = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < speech.length; i++) {
      speech[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 48_000));
    }
    const arrivals: { at: number; frame: NonNullable<ReturnType<AudioSender['encode']>> }[] = [];
    let next = 0;
    let playhead = 0;
    // The playout clock pulls once each frame has played, as the receive stream does.
    const playUntil = (now: number) => {
      for (; next < arrivals.length && arrivals[next]!.at <= now; next++) {
        receiver.receive(arrivals[next]!.frame, now);
      }
      while (playhead <= now) playhead += (receiver.pull(now).pcm.length / 48_000) * 1000;
    };
    for (let i = 0; i < FRAMES; i++) {
      if (i % FRAMES_PER_STEP === 0) {
        await pause();
        if (stop()) return undefined;
      }
      const frame = sender.encode(speech);
      if (frame !== undefined && i !== LOST) {
        arrivals.push({ at: i >= BURST.from && i < BURST.to ? BURST.to * 20 : i * 20, frame });
      }
      playUntil(i * 20);
    }
    playUntil(FRAMES * 20 + 100);
    // The call screen reads both sides' figures every second: their code is warmed too.
    sender.stats();
    return receiver.stats(playhead);
  } finally {
    sender.close();
    receiver.close();
  }
}
