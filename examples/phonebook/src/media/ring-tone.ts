/**
 * The ring tone of an incoming call: 440 Hz + 480 Hz (the North American ringing tone), 2 s on, 4 s off,
 * from @leitung/audio's tone source, played on the speaker until the call is answered, rejected or
 * hung up. Frames are paced in real time with a short lead (never more than LEAD_MS queued in the
 * player), so that stopping is heard at once.
 */

import type { StreamClock } from '@leitung/audio';
import { type AudioSink, type AudioSource, createToneSource, FRAME_MS, FRAME_SAMPLES } from '@leitung/audio';
import { WALL_STREAM_CLOCK } from './clock.js';

export const RING_FREQUENCIES_HZ = [440, 480] as const;
export const RING_ON_MS = 2000;
export const RING_OFF_MS = 4000;
/** Audio queued ahead of real time in the player. */
const LEAD_MS = 60;

/** The ringing cadence as an endless source: both tones summed (0.15 each), then silence. */
export function createRingToneSource(): AudioSource {
  const tones = RING_FREQUENCIES_HZ.map((frequency) => createToneSource({ frequency, amplitude: 0.15 }));
  const period = (RING_ON_MS + RING_OFF_MS) / FRAME_MS;
  const on = RING_ON_MS / FRAME_MS;
  let n = 0;
  let closed = false;
  return {
    read: async () => {
      if (closed) return null;
      const parts = await Promise.all(tones.map((t) => t.read()));
      const frame = new Int16Array(FRAME_SAMPLES);
      if (n % period < on) {
        for (const part of parts) {
          if (part === null) continue;
          for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = frame[i]! + part[i]!;
        }
      }
      n++;
      return frame;
    },
    close: async () => {
      closed = true;
      await Promise.all(tones.map((t) => t.close()));
    },
  };
}

/** Plays the ring tone on a sink it opens at `start` and closes at `stop`. */
export class RingTone {
  readonly #open: () => Promise<AudioSink>;
  readonly #clock: StreamClock;
  readonly #onError: (error: unknown) => void;
  #run: { stopped: boolean; done: Promise<void> } | undefined;

  constructor(
    open: () => Promise<AudioSink>,
    options: { readonly clock?: StreamClock; readonly onError?: (error: unknown) => void } = {},
  ) {
    this.#open = open;
    this.#clock = options.clock ?? WALL_STREAM_CLOCK;
    this.#onError = options.onError ?? (() => undefined);
  }

  get ringing(): boolean {
    return this.#run !== undefined && !this.#run.stopped;
  }

  /** Starts ringing (nothing when it already rings). */
  start(): void {
    if (this.ringing) return;
    const run = { stopped: false, done: Promise.resolve() };
    run.done = this.#play(run).catch((error: unknown) => this.#onError(error));
    this.#run = run;
  }

  /** Stops ringing; resolves once the speaker is closed again (so a call can open it). */
  stop(): Promise<void> {
    const run = this.#run;
    if (run === undefined) return Promise.resolve();
    run.stopped = true;
    return run.done;
  }

  async #play(run: { stopped: boolean }): Promise<void> {
    const sink = await this.#open();
    const source = createRingToneSource();
    try {
      const start = this.#clock.now();
      for (let n = 0; !run.stopped; n++) {
        const due = start + n * FRAME_MS - LEAD_MS;
        const wait = due - this.#clock.now();
        if (wait > 0) await this.#clock.sleep(wait);
        if (run.stopped) break;
        const frame = await source.read();
        if (frame === null) break;
        await sink.write(frame);
      }
    } finally {
      await source.close();
      await sink.close();
    }
  }
}
