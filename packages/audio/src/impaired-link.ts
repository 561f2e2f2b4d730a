/**
 * An in-memory network for tests, simulations and benchmarks: frames sent at `now` come out of
 * `deliver` later, after a seeded schedule of loss, delay jitter, reordering and duplication. Sans-I/O
 * and deterministic: the same seed and send times always give the same deliveries.
 */
import { AudioError } from './errors.js';
import type { MediaFrame } from './frame-transport.js';

/**
 * What an {@link ImpairedLink} does to the frames it carries: a seed for its schedule and the probabilities and
 * delays of loss, jitter, reordering and duplication (all default to 0, a perfect link).
 */
export interface ImpairmentOptions {
  /** PRNG seed (any 32-bit integer). */
  readonly seed: number;
  /** Probability that a frame is dropped, 0–1; default 0. */
  readonly loss?: number;
  /** Fixed one-way delay, ms; default 0. */
  readonly delayMs?: number;
  /** Uniform delay variation: each frame gets delayMs + U(−jitterMs, +jitterMs), never below 0; default 0. */
  readonly jitterMs?: number;
  /** Probability that a frame is held back an extra 1–3 frame periods (reordered); default 0. */
  readonly reorder?: number;
  /** Probability that a frame is delivered twice (the copy with its own delay); default 0. */
  readonly duplicate?: number;
}

/**
 * What an {@link ImpairedLink} did so far: frames sent into it, dropped, duplicated, held back (reordered) and
 * delivered.
 */
export interface ImpairedLinkStats {
  readonly sent: number;
  readonly dropped: number;
  readonly duplicated: number;
  readonly reordered: number;
  readonly delivered: number;
}

interface Scheduled {
  readonly at: number;
  readonly order: number;
  readonly frame: MediaFrame;
}

/**
 * A simulated network for tests, simulations and benchmarks, sans-I/O and deterministic: `send(frame, now)`
 * schedules each frame after seeded loss, delay jitter, reordering and duplication, `deliver(now)` returns the
 * frames due. The same seed and send times always give the same deliveries, so a failing run can be replayed.
 */
export class ImpairedLink {
  readonly #o: Required<ImpairmentOptions>;
  readonly #random: () => number;
  #queue: Scheduled[] = [];
  #order = 0;
  #sent = 0;
  #dropped = 0;
  #duplicated = 0;
  #reordered = 0;
  #delivered = 0;

  constructor(options: ImpairmentOptions) {
    const o = { loss: 0, delayMs: 0, jitterMs: 0, reorder: 0, duplicate: 0, ...options };
    if (!Number.isInteger(o.seed))
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'seed must be an integer');
    for (const key of ['loss', 'reorder', 'duplicate'] as const) {
      if (!(o[key] >= 0 && o[key] <= 1)) {
        throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `${key} must be a probability in 0–1`);
      }
    }
    for (const key of ['delayMs', 'jitterMs'] as const) {
      if (!(o[key] >= 0 && Number.isFinite(o[key]))) {
        throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `${key} must be a finite number ≥ 0`);
      }
    }
    this.#o = o;
    this.#random = mulberry32(o.seed);
  }

  send(frame: MediaFrame, now: number): void {
    this.#sent++;
    // Draw every random number for every frame, so one option's value never shifts another's schedule.
    const lost = this.#random() < this.#o.loss;
    const delay = this.#delay();
    const held = this.#random() < this.#o.reorder;
    const holdFrames = 1 + Math.floor(this.#random() * 3);
    const twice = this.#random() < this.#o.duplicate;
    const copyDelay = this.#delay();
    if (lost) {
      this.#dropped++;
      return;
    }
    if (held) this.#reordered++;
    this.#schedule(now + delay + (held ? holdFrames * 20 : 0), frame);
    if (twice) {
      this.#duplicated++;
      this.#schedule(now + copyDelay, frame);
    }
  }

  /** Frames due by `now`, in delivery order. */
  deliver(now: number): MediaFrame[] {
    const due: MediaFrame[] = [];
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now) due.push(this.#queue.shift()!.frame);
    this.#delivered += due.length;
    return due;
  }

  /** When the next frame is due, or undefined when nothing is in flight. */
  nextDeliveryAt(): number | undefined {
    return this.#queue[0]?.at;
  }

  stats(): ImpairedLinkStats {
    return {
      sent: this.#sent,
      dropped: this.#dropped,
      duplicated: this.#duplicated,
      reordered: this.#reordered,
      delivered: this.#delivered,
    };
  }

  #delay(): number {
    const u = this.#random() * 2 - 1;
    return Math.max(0, this.#o.delayMs + u * this.#o.jitterMs);
  }

  #schedule(at: number, frame: MediaFrame): void {
    const item = { at, order: this.#order++, frame };
    let i = this.#queue.length;
    while (
      i > 0 &&
      (this.#queue[i - 1]!.at > at ||
        (this.#queue[i - 1]!.at === at && this.#queue[i - 1]!.order > item.order))
    )
      i--;
    this.#queue.splice(i, 0, item);
  }
}

/** mulberry32: a small, well-mixed 32-bit PRNG; plenty for simulation schedules (not for keys). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
