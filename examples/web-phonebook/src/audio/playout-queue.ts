/**
 * The speaker worklet's queue of frames from the main thread, with an adaptive pre-buffer.
 *
 * The call's receive stream runs on the page's main thread on a timer (call-audio.ts), and the worklet plays
 * on the audio clock. A main thread that is held up for longer than what the worklet has queued leaves it
 * without audio: it plays silence, waits for the pre-buffer to fill again, and the frames that arrive
 * late in a burst afterwards add their delay to everything played after them. On a busy machine this
 * repeats, and each gap is heard.
 *
 * So the pre-buffer adapts, as a jitter buffer does for the network (packages/audio/README.md, "Jitter
 * buffer"): each time the queue runs dry while playing, the pre-buffer grows by one frame, up to
 * {@link PlayoutLimits.maxTargetFrames}. Each {@link PlayoutLimits.relaxSamples} played without running
 * dry it shrinks by one frame, and if the queue never held fewer frames than the pre-buffer in that
 * period, one frame is dropped: that surplus is the delay an earlier late burst left behind. The delay
 * therefore goes back down once the main thread keeps up again, at the cost of at most one skipped frame
 * per period. Above {@link PlayoutLimits.capFrames} the oldest frames go: late audio is useless in a call.
 *
 * Sans-I/O: frames in, samples out, time counted in samples played. The worklet (worklet.ts) is its shell.
 */

export interface PlayoutLimits {
  /** Frames queued before playing starts, at first and after relaxing (the smallest pre-buffer). */
  readonly baseFrames: number;
  /** The largest pre-buffer the queue grows to after running dry. */
  readonly maxTargetFrames: number;
  /** Frames that may wait at most; beyond it the oldest are dropped. */
  readonly capFrames: number;
  /** Samples played without running dry after which the pre-buffer shrinks by one frame. */
  readonly relaxSamples: number;
}

export interface PlayoutCounters {
  /** Times the queue ran dry while playing (each one a gap of silence). */
  readonly underruns: number;
  /** Frames dropped: over the cap, or to shrink the delay after relaxing. */
  readonly dropped: number;
  /** The current pre-buffer, in frames. */
  readonly targetFrames: number;
}

export class PlayoutQueue {
  readonly #limits: PlayoutLimits;
  readonly #queue: Float32Array[] = [];
  #current: Float32Array | undefined;
  #offset = 0;
  #playing = false;
  #target: number;
  #played = 0;
  #steadySince = 0;
  /** The fewest frames left queued after any quantum since `#steadySince`. */
  #leastQueued = Number.POSITIVE_INFINITY;
  #underruns = 0;
  #dropped = 0;

  constructor(limits: PlayoutLimits) {
    if (
      !(limits.baseFrames >= 1 && limits.maxTargetFrames >= limits.baseFrames) ||
      limits.capFrames <= limits.maxTargetFrames + 1 ||
      limits.relaxSamples <= 0
    ) {
      throw new RangeError('playout limits: need 1 ≤ base ≤ max target < cap - 1 and relaxSamples > 0');
    }
    this.#limits = limits;
    this.#target = limits.baseFrames;
  }

  push(frame: Float32Array): void {
    this.#queue.push(frame);
    while (this.#queue.length > this.#limits.capFrames) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    if (!this.#playing && this.#queue.length >= this.#target) {
      this.#playing = true;
      this.#steadySince = this.#played;
      this.#leastQueued = Number.POSITIVE_INFINITY;
    }
  }

  /** Fills `out` with the next samples; silence where there are none. */
  fill(out: Float32Array): void {
    let i = 0;
    while (i < out.length) {
      if (this.#current === undefined || this.#offset >= this.#current.length) {
        this.#current = this.#playing ? this.#queue.shift() : undefined;
        this.#offset = 0;
        if (this.#current === undefined) {
          if (this.#playing) this.#ranDry();
          out.fill(0, i);
          break;
        }
      }
      const n = Math.min(out.length - i, this.#current.length - this.#offset);
      out.set(this.#current.subarray(this.#offset, this.#offset + n), i);
      this.#offset += n;
      i += n;
    }
    this.#played += out.length;
    if (this.#playing) this.#relax();
  }

  /** A new call's audio begins: nothing queued, the smallest pre-buffer again (the counters go on). */
  reset(): void {
    this.#queue.length = 0;
    this.#current = undefined;
    this.#offset = 0;
    this.#playing = false;
    this.#target = this.#limits.baseFrames;
  }

  /** Times the queue ran dry while playing; read on every render quantum, so it allocates nothing. */
  get underruns(): number {
    return this.#underruns;
  }

  counters(): PlayoutCounters {
    return { underruns: this.#underruns, dropped: this.#dropped, targetFrames: this.#target };
  }

  #ranDry(): void {
    this.#playing = false;
    this.#underruns += 1;
    this.#target = Math.min(this.#target + 1, this.#limits.maxTargetFrames);
  }

  #relax(): void {
    this.#leastQueued = Math.min(this.#leastQueued, this.#queue.length);
    if (this.#played - this.#steadySince < this.#limits.relaxSamples) return;
    this.#steadySince = this.#played;
    if (this.#target > this.#limits.baseFrames) this.#target -= 1;
    // Never fewer than this many frames waited in the whole period: the main thread kept up, and the
    // delay above the pre-buffer is what an earlier late burst left behind. One frame of it goes.
    if (this.#leastQueued > this.#target) {
      this.#queue.shift();
      this.#dropped += 1;
    }
    this.#leastQueued = Number.POSITIVE_INFINITY;
  }
}
