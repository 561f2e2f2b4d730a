/**
 * The microphone's frames between the capture worklet and the call's send stream (browser-audio.ts).
 *
 * The worklet posts a 20 ms frame each time it has one; the send stream reads one frame per packet and
 * runs unpaced, so the capture device keeps the time: `read` returns a waiting frame at once or waits for
 * the next. Frames nobody read yet are capped (late audio is useless in a call: the oldest go).
 *
 * The microphone opens while the phone rings (README "Architecture"), before the call's media lane is
 * bound. When the call's audio starts, {@link CaptureQueue.keepNewest} drops everything captured before
 * except the newest frame: that frame holds the last ≤ 20 ms the user said and goes out at once, so the
 * other side hears the page as soon as the lane is bound instead of up to a frame later, and the queue
 * still holds at most the one frame a live capture holds — no delay is carried into the call.
 *
 * Sans-I/O: frames in, frames out; the worklet's port is the shell.
 */

export class CaptureQueue<Frame> {
  readonly #capFrames: number;
  readonly #frames: Frame[] = [];
  #waiting: ((frame: Frame | null) => void) | undefined;
  #closed = false;

  /** @param capFrames the most frames that may wait unread; beyond it the oldest are dropped. */
  constructor(capFrames: number) {
    if (!Number.isSafeInteger(capFrames) || capFrames < 1)
      throw new RangeError(`capFrames must be a positive integer, got ${capFrames}`);
    this.#capFrames = capFrames;
  }

  /** Frames waiting to be read. */
  get size(): number {
    return this.#frames.length;
  }

  /** A frame from the capture worklet: to a waiting reader, or queued. Ignored once closed. */
  push(frame: Frame): void {
    if (this.#closed) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting(frame);
      return;
    }
    this.#frames.push(frame);
    if (this.#frames.length > this.#capFrames) this.#frames.shift();
  }

  /** The oldest waiting frame, or the next one captured; null once closed. One reader at a time. */
  read(): Promise<Frame | null> {
    if (this.#closed) return Promise.resolve(null);
    const next = this.#frames.shift();
    if (next !== undefined) return Promise.resolve(next);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  /** Drops every waiting frame but the newest (the call's audio starts now). */
  keepNewest(): void {
    this.#frames.splice(0, Math.max(0, this.#frames.length - 1));
  }

  /** Ends the queue: a waiting reader gets null, the frames are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frames.length = 0;
    this.#waiting?.(null);
    this.#waiting = undefined;
  }
}
