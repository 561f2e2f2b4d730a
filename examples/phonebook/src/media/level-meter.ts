/**
 * Level meters for the call screen: the level of what goes out (microphone or file) and of what comes in,
 * in dBFS. A meter sits on a source or a sink as a pass-through wrapper, so it measures exactly the frames
 * the pipeline moves. It also stamps when the first frame passed, which the audio-delay measurement needs
 * (sample n of a paced stream passes at first + n / 48 kHz).
 */
import type { AudioSink, AudioSource } from '@leitung/audio';

/** Quietest level shown; digital silence reads as this. */
export const METER_FLOOR_DB = -90;

export class LevelMeter {
  #peakDb = METER_FLOOR_DB;
  #rmsDb = METER_FLOOR_DB;
  #firstAt: number | undefined;
  #frames = 0;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** RMS level of the last frame, dBFS. */
  get rmsDb(): number {
    return this.#rmsDb;
  }

  /** Peak with a fall-off of 1.5 dB per frame (a VU-style hold, so short syllables stay visible). */
  get peakDb(): number {
    return this.#peakDb;
  }

  /** When the first frame passed (the meter's clock), if one has. */
  get firstAt(): number | undefined {
    return this.#firstAt;
  }

  get frames(): number {
    return this.#frames;
  }

  measure(frame: Int16Array): void {
    this.#firstAt ??= this.#now();
    this.#frames++;
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < frame.length; i++) {
      const v = frame[i]!;
      sum += v * v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    this.#rmsDb = toDb(Math.sqrt(sum / Math.max(1, frame.length)));
    this.#peakDb = Math.max(toDb(peak), this.#peakDb - 1.5);
  }

  source(inner: AudioSource): AudioSource {
    return {
      read: async () => {
        const frame = await inner.read();
        if (frame !== null) this.measure(frame);
        return frame;
      },
      close: () => inner.close(),
    };
  }

  sink(inner: AudioSink): AudioSink {
    return {
      write: (frame) => {
        this.measure(frame);
        return inner.write(frame);
      },
      close: () => inner.close(),
    };
  }
}

function toDb(amplitude: number): number {
  return amplitude <= 0 ? METER_FLOOR_DB : Math.max(METER_FLOOR_DB, 20 * Math.log10(amplitude / 32768));
}

/** A bar of `width` cells for a level between the floor shown (−60 dBFS) and full scale. */
export function meterBar(db: number, width: number): string {
  const floor = -60;
  const fraction = Math.min(1, Math.max(0, (db - floor) / -floor));
  const filled = Math.round(fraction * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}
