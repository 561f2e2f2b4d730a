/**
 * Shell around {@link AudioSender}: reads a source, encodes, sends over a transport, paced to real time,
 * and emits `stats:update` periodically. Clock and sleep are injectable so tests run on virtual time.
 * The stream owns its source and sender: `stop` closes both.
 */
import { FRAME_MS } from './audio-format.js';
import type { AudioSource } from './audio-stream.js';
import { AudioError, asDeviceFailure } from './errors.js';
import type { FrameTransport } from './frame-transport.js';
import type { AudioSender, SendStats } from './sender.js';
import { TypedEmitter } from './typed-emitter.js';

/**
 * The clock a stream shell runs on: `now` in ms on a monotonic clock and `sleep`. Injectable so tests run a
 * stream on virtual time; {@link SYSTEM_CLOCK} is the real one.
 */
export interface StreamClock {
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The real clock: `performance.now()` and `setTimeout`. The default of both stream shells. */
export const SYSTEM_CLOCK: StreamClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * What an {@link AudioSendStream} runs: the source and sender it owns, the transport it sends on, its pacing
 * and clock, and how often it reports statistics.
 */
export interface AudioSendStreamOptions {
  readonly source: AudioSource;
  readonly sender: AudioSender;
  readonly transport: Pick<FrameTransport, 'send'>;
  /**
   * Pace frames to real time: one every 20 ms (default). Pass 0 for sources that block on a hardware
   * clock of their own, such as a capture device.
   */
  readonly paceMs?: number;
  readonly clock?: StreamClock;
  /** Period of `stats:update`; default 1000 ms. */
  readonly statsIntervalMs?: number;
}

/**
 * Events of an {@link AudioSendStream}: `stats:update` every `statsIntervalMs` and `stream:ended` once the
 * source ended, both with the sender's {@link SendStats}; `stream:failed` when the source or sender failed (an
 * {@link AudioError}, never thrown from `run`).
 */
export type AudioSendStreamEvents = {
  'stats:update': SendStats;
  'stream:ended': SendStats;
  'stream:failed': AudioError;
};

/**
 * The send direction of a call as a running shell around {@link AudioSender}: reads the source, encodes and
 * sends each frame over the transport, paced to real time (one frame per 20 ms unless `paceMs` says otherwise).
 * `run()` runs until the source ends or `stop()` is called; both close the source and the sender.
 */
export class AudioSendStream extends TypedEmitter<AudioSendStreamEvents> {
  readonly #o: AudioSendStreamOptions;
  readonly #clock: StreamClock;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  #done: Promise<void> | undefined;

  constructor(options: AudioSendStreamOptions) {
    super();
    this.#o = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Runs until the source ends or `stop` is called; resolves when everything is closed. */
  run(): Promise<void> {
    if (this.#state !== 'idle') throw new AudioError('AUDIO_ERR_CLOSED', 'a send stream runs once');
    this.#state = 'running';
    this.#done = this.#loop();
    return this.#done;
  }

  async stop(): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      await this.#release();
      return;
    }
    this.#state = 'stopped';
    await this.#done;
  }

  async #loop(): Promise<void> {
    const pace = this.#o.paceMs ?? FRAME_MS;
    const interval = this.#o.statsIntervalMs ?? 1000;
    const start = this.#clock.now();
    let lastStats = start;
    let frames = 0;
    try {
      while (this.#state === 'running') {
        const pcm = await this.#o.source.read();
        if (pcm === null || this.#state !== 'running') break;
        const frame = this.#o.sender.encode(pcm);
        if (frame !== undefined) this.#o.transport.send(frame);
        frames++;
        const now = this.#clock.now();
        if (now - lastStats >= interval) {
          lastStats = now;
          this.emit('stats:update', this.#o.sender.stats());
        }
        // Deadlines from the start, not from the last frame: sleeping never accumulates drift.
        const wait = start + frames * pace - now;
        if (pace > 0 && wait > 0) await this.#clock.sleep(wait);
      }
      this.emit('stream:ended', this.#o.sender.stats());
    } catch (cause) {
      this.emit('stream:failed', asDeviceFailure(cause, 'send stream failed'));
    } finally {
      this.#state = 'stopped';
      // A source or sink that fails to close is reported like any other failure, never thrown from run().
      await this.#release().catch((cause: unknown) => {
        this.emit('stream:failed', asDeviceFailure(cause, 'send stream close failed'));
      });
    }
  }

  async #release(): Promise<void> {
    this.#o.sender.close();
    await this.#o.source.close();
  }
}
