/**
 * The audio check: records a few seconds from the chosen microphone with a live level meter, then plays
 * them back on the chosen speaker — so a person hears whether both work before a call, as on a phone's
 * "test call". The devices come through {@link DeviceAccess}, so tests run it without a sound card.
 */
import { type AudioSink, type AudioSource, FRAME_MS, type StreamClock } from '@leitung/audio';
import { describeError } from '../errors.js';
import { WALL_STREAM_CLOCK } from './clock.js';
import type { DeviceAccess } from './devices.js';
import { LevelMeter, METER_FLOOR_DB } from './level-meter.js';

export type AudioCheckState =
  | { readonly phase: 'idle' }
  | { readonly phase: 'recording'; readonly elapsedMs: number; readonly levelDb: number }
  | { readonly phase: 'playing'; readonly elapsedMs: number; readonly levelDb: number }
  | {
      readonly phase: 'done';
      /** Loudest moment of the recording, dBFS. */
      readonly peakDb: number;
      /** Whether it was played back (false: no speaker). */
      readonly playedBack: boolean;
    }
  | { readonly phase: 'failed'; readonly message: string };

export interface AudioCheckOptions {
  readonly devices: DeviceAccess;
  readonly input: string | undefined;
  readonly output: string | undefined;
  /** Play back at all (false: the probe found no speaker). */
  readonly playback: boolean;
  readonly seconds?: number;
  readonly clock?: StreamClock;
  readonly onChange: (state: AudioCheckState) => void;
}

export const CHECK_SECONDS = 3;
/** UI updates: every 5 frames (100 ms) is enough for a meter. */
const UPDATE_EVERY = 5;

export class AudioCheck {
  readonly #o: AudioCheckOptions;
  readonly #clock: StreamClock;
  #state: AudioCheckState = { phase: 'idle' };
  #cancelled = false;
  #run: Promise<void> | undefined;
  #open: { source?: AudioSource; sink?: AudioSink } = {};

  constructor(options: AudioCheckOptions) {
    this.#o = options;
    this.#clock = options.clock ?? WALL_STREAM_CLOCK;
  }

  get state(): AudioCheckState {
    return this.#state;
  }

  /** Records, then plays back; resolves when done (or failed, or cancelled). Once per instance. */
  run(): Promise<void> {
    this.#run ??= this.#check().catch((error: unknown) => {
      if (!this.#cancelled) this.#set({ phase: 'failed', message: describeError(error) });
    });
    return this.#run;
  }

  /** Stops recording or playing and closes the devices. */
  async cancel(): Promise<void> {
    this.#cancelled = true;
    await Promise.all(
      [this.#open.source?.close(), this.#open.sink?.close()].map((p) => p?.catch(() => undefined)),
    );
    await this.#run;
  }

  async #check(): Promise<void> {
    const frames = Math.round(((this.#o.seconds ?? CHECK_SECONDS) * 1000) / FRAME_MS);
    const meter = new LevelMeter(this.#clock.now);
    const recorded: Int16Array[] = [];
    let peak = METER_FLOOR_DB;
    const source = await this.#o.devices.openCapture(this.#o.input);
    this.#open.source = source;
    this.#set({ phase: 'recording', elapsedMs: 0, levelDb: METER_FLOOR_DB });
    try {
      while (recorded.length < frames && !this.#cancelled) {
        const frame = await source.read();
        if (frame === null) break;
        recorded.push(frame);
        meter.measure(frame);
        peak = Math.max(peak, meter.rmsDb);
        if (recorded.length % UPDATE_EVERY === 0)
          this.#set({ phase: 'recording', elapsedMs: recorded.length * FRAME_MS, levelDb: meter.peakDb });
      }
    } finally {
      await source.close();
    }
    if (this.#cancelled) return;
    if (!this.#o.playback) {
      this.#set({ phase: 'done', peakDb: peak, playedBack: false });
      return;
    }
    const sink = await this.#o.devices.openPlayback(this.#o.output);
    this.#open.sink = sink;
    const out = new LevelMeter(this.#clock.now);
    this.#set({ phase: 'playing', elapsedMs: 0, levelDb: METER_FLOOR_DB });
    try {
      const start = this.#clock.now();
      for (let n = 0; n < recorded.length && !this.#cancelled; n++) {
        // Paced in real time (a little ahead), so the meter moves with what is heard.
        const wait = start + n * FRAME_MS - 60 - this.#clock.now();
        if (wait > 0) await this.#clock.sleep(wait);
        const frame = recorded[n]!;
        out.measure(frame);
        await sink.write(frame);
        if ((n + 1) % UPDATE_EVERY === 0)
          this.#set({ phase: 'playing', elapsedMs: (n + 1) * FRAME_MS, levelDb: out.peakDb });
      }
    } finally {
      await sink.close();
    }
    if (!this.#cancelled) this.#set({ phase: 'done', peakDb: peak, playedBack: true });
  }

  #set(state: AudioCheckState): void {
    this.#state = state;
    this.#o.onChange(state);
  }
}
