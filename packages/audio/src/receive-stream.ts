/**
 * Shell around {@link AudioReceiver}: subscribes to a transport, feeds arrivals to the jitter buffer with
 * the clock's time, and pulls one frame into the sink each time the last one has played (every 20 ms, or
 * 15–25 ms while a receiver with `variableFrames` resizes frames), waiting for the sink's back-pressure.
 * Emits `stats:update` periodically. The stream owns its receiver and sink: `stop` closes both and
 * unsubscribes from the transport (which stays open; its owner closes it).
 */
import { SAMPLES_PER_MS } from './audio-format.js';
import type { AudioSink } from './audio-stream.js';
import { AudioError, asDeviceFailure } from './errors.js';
import type { FrameTransport } from './frame-transport.js';
import type { AudioReceiver, ReceiveStats } from './receiver.js';
import { type StreamClock, SYSTEM_CLOCK } from './send-stream.js';
import { TypedEmitter } from './typed-emitter.js';

/**
 * What an {@link AudioReceiveStream} runs: the receiver it feeds and owns, the transport it listens on (it only
 * subscribes; the transport's owner closes it), the sink it owns, and its clock.
 */
export interface AudioReceiveStreamOptions {
  readonly receiver: AudioReceiver;
  readonly transport: Pick<FrameTransport, 'onFrame'>;
  readonly sink: AudioSink;
  readonly clock?: StreamClock;
  /** Period of `stats:update`; default 1000 ms. */
  readonly statsIntervalMs?: number;
}

/**
 * Events of an {@link AudioReceiveStream}: `stats:update` every `statsIntervalMs` with the receiver's {@link
 * ReceiveStats}; `stream:failed` when the sink failed (an {@link AudioError}, never thrown from `run`).
 */
export type AudioReceiveStreamEvents = {
  'stats:update': ReceiveStats;
  'stream:failed': AudioError;
};

/**
 * The receive direction of a call as a running shell around {@link AudioReceiver}: feeds arriving frames into
 * the jitter buffer with the clock's time and writes one frame of audio into the sink each time the last has
 * played (every 20 ms; 15–25 ms while a receiver with `variableFrames` resizes frames), waiting for the sink's
 * back-pressure. `run()` starts it; `stop()` closes the receiver and the sink.
 */
export class AudioReceiveStream extends TypedEmitter<AudioReceiveStreamEvents> {
  readonly #o: AudioReceiveStreamOptions;
  readonly #clock: StreamClock;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  #unsubscribe: (() => void) | undefined;
  #done: Promise<void> | undefined;

  constructor(options: AudioReceiveStreamOptions) {
    super();
    this.#o = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Starts receiving and playing out; resolves when the stream has stopped and released everything. */
  run(): Promise<void> {
    if (this.#state !== 'idle') throw new AudioError('AUDIO_ERR_CLOSED', 'a receive stream runs once');
    this.#state = 'running';
    this.#unsubscribe = this.#o.transport.onFrame((frame) => {
      if (this.#state === 'running') this.#o.receiver.receive(frame, this.#clock.now());
    });
    this.#done = this.#loop();
    return this.#done;
  }

  stats(): ReceiveStats {
    return this.#o.receiver.stats(this.#clock.now());
  }

  async stop(): Promise<void> {
    const wasIdle = this.#state === 'idle';
    this.#state = 'stopped';
    if (wasIdle) await this.#release();
    else await this.#done;
  }

  async #loop(): Promise<void> {
    const interval = this.#o.statsIntervalMs ?? 1000;
    const start = this.#clock.now();
    let lastStats = start;
    /** Samples written so far: the schedule of the next pull, whatever the frames' lengths. */
    let samples = 0;
    try {
      while (this.#state === 'running') {
        const now = this.#clock.now();
        // The playout clock is the schedule (the samples written so far, from the start), not the moment this loop
        // got the CPU: a pull delayed by a busy event loop would otherwise look like surplus delay and make
        // the jitter buffer drop a frame, then insert one when the loop catches up — both heard, on a
        // network that did nothing wrong (packages/audio/README.md, "Jitter buffer"). A resized frame moves
        // the schedule by its length, which is how the buffer's delay moves by part of a frame.
        const frame = this.#o.receiver.pull(Math.min(now, start + samples / SAMPLES_PER_MS));
        await this.#o.sink.write(frame.pcm);
        samples += frame.pcm.length;
        if (now - lastStats >= interval) {
          lastStats = now;
          this.emit('stats:update', this.#o.receiver.stats(now));
        }
        const wait = start + samples / SAMPLES_PER_MS - this.#clock.now();
        if (wait > 0 && this.#state === 'running') await this.#clock.sleep(wait);
      }
    } catch (cause) {
      this.emit('stream:failed', asDeviceFailure(cause, 'receive stream failed'));
    } finally {
      this.#state = 'stopped';
      // A source or sink that fails to close is reported like any other failure, never thrown from run().
      await this.#release().catch((cause: unknown) => {
        this.emit('stream:failed', asDeviceFailure(cause, 'receive stream close failed'));
      });
    }
  }

  async #release(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#o.receiver.close();
    await this.#o.sink.close();
  }
}
