/**
 * Sources and sinks move 20 ms frames of 48 kHz mono PCM (audio-format.ts).
 *
 * Back-pressure is built into the shape: a source produces a frame only when `read` is called, and a
 * sink's `write` resolves only once the frame is accepted, so a consumer that awaits each call never
 * lets data pile up. `close` releases everything (files, child processes) and is idempotent; after it,
 * `read` returns null and `write` rejects with AUDIO_ERR_CLOSED.
 */
import { assertPlayoutFrame, FRAME_SAMPLES } from './audio-format.js';
import { AudioError } from './errors.js';

/**
 * A pull-based producer of 20 ms frames of 48 kHz mono PCM (a generator, a file, a microphone). It produces a
 * frame only when `read` is called, so a consumer that awaits each call never lets audio pile up.
 */
export interface AudioSource {
  /** The next frame, or null once the source has ended or was closed. */
  read(): Promise<Int16Array | null>;
  close(): Promise<void>;
}

/**
 * A consumer of frames of 48 kHz mono PCM (a speaker, a file, memory) with back-pressure: `write` resolves
 * once the sink can take the next frame. Frames are 20 ms, or 15–25 ms (`MIN_PLAYOUT_SAMPLES`–
 * `MAX_PLAYOUT_SAMPLES`) from a receive stream whose receiver moves its delay by resizing frames
 * (`variableFrames`); a sink plays them back to back.
 */
export interface AudioSink {
  /** Accepts one frame; resolves when the sink can take the next. */
  write(frame: Int16Array): Promise<void>;
  close(): Promise<void>;
}

/** Iterates a source's frames; closes the source when the loop ends, also on `break` or a throw. */
export async function* readFrames(source: AudioSource): AsyncGenerator<Int16Array, void, undefined> {
  try {
    for (;;) {
      const frame = await source.read();
      if (frame === null) return;
      yield frame;
    }
  } finally {
    await source.close();
  }
}

/** Copies a source into a sink until the source ends; closes both. Returns the frames copied. */
export async function pipeAudio(source: AudioSource, sink: AudioSink): Promise<number> {
  let frames = 0;
  try {
    for await (const frame of readFrames(source)) {
      await sink.write(frame);
      frames++;
    }
  } finally {
    await sink.close();
  }
  return frames;
}

/** A source over PCM already in memory (48 kHz mono); the last frame is padded with silence. */
export function createPcmSource(samples: Int16Array): AudioSource {
  if (!(samples instanceof Int16Array)) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'samples must be an Int16Array');
  }
  let offset = 0;
  let closed = false;
  return {
    read: async () => {
      if (closed || offset >= samples.length) return null;
      const frame = new Int16Array(FRAME_SAMPLES);
      frame.set(samples.subarray(offset, offset + FRAME_SAMPLES));
      offset += FRAME_SAMPLES;
      return frame;
    },
    close: async () => {
      closed = true;
    },
  };
}

/** A sink that keeps every frame in memory, e.g. for tests and measurements. */
export interface PcmSink extends AudioSink {
  /** All samples written so far, concatenated. */
  samples(): Int16Array;
  readonly frames: number;
}

/**
 * Creates a {@link PcmSink}: a sink that keeps every frame written in memory, for recording a call's output to
 * inspect or measure it afterwards.
 */
export function createPcmSink(): PcmSink {
  const chunks: Int16Array[] = [];
  let closed = false;
  return {
    write: async (frame) => {
      if (closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the sink is closed');
      assertPlayoutFrame(frame);
      chunks.push(frame.slice());
    },
    close: async () => {
      closed = true;
    },
    samples: () => {
      const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    },
    get frames() {
      return chunks.length;
    },
  };
}
