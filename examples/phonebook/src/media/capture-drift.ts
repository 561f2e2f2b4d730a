/**
 * A microphone's clock against the send stream's. The send stream sends one frame per 20 ms of the system's
 * clock (packages/audio send-stream.ts); a capture device (arecord, sox) records at its own sound card's
 * clock, which drifts against the system's by tens of parts per million. A device that runs fast builds a
 * backlog the paced reader never catches up on: 100 ppm is 6 ms more delay per minute of a call, for as long
 * as the call lasts (the child's pipe and our buffer hold ~0.7 s before the recorder blocks).
 *
 * So the backlog is watched at each read, over windows of 2 s: if at every read of a window at least one
 * more whole frame was waiting than the one about to be read, that frame is surplus — a lag the pace will
 * never recover — and one frame (20 ms) is dropped. A device that delivers in bursts (ALSA periods of tens
 * of ms) drains to its last frame before each burst, so the window's smallest backlog stays at one frame and
 * nothing is dropped; only a backlog that never drains is cut. The same rule as the speaker worklet's queue
 * in the web phonebook (playout-queue.ts), on the capture side.
 *
 * Sans-I/O: the number of waiting frames in, a decision out.
 */

/** Reads per window: 2 s of 20 ms frames. */
export const DRIFT_WINDOW_READS = 100;

export class CaptureDrift {
  readonly #windowReads: number;
  #reads = 0;
  #fewest = Number.POSITIVE_INFINITY;
  #dropped = 0;

  constructor(windowReads = DRIFT_WINDOW_READS) {
    if (!Number.isSafeInteger(windowReads) || windowReads < 1)
      throw new RangeError(`windowReads must be a positive integer, got ${windowReads}`);
    this.#windowReads = windowReads;
  }

  /** Frames dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Before a read, with the whole frames waiting at the device: true when one of them is surplus and is
   * to be read and discarded before the frame that is sent.
   */
  beforeRead(waitingFrames: number): boolean {
    this.#fewest = Math.min(this.#fewest, waitingFrames);
    if (++this.#reads < this.#windowReads) return false;
    const surplus = this.#fewest >= 2;
    this.#reads = 0;
    this.#fewest = Number.POSITIVE_INFINITY;
    if (surplus) this.#dropped++;
    return surplus;
  }
}
