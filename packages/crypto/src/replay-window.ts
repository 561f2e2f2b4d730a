/**
 * Sliding-window replay protection (RFC 3711 §3.3.2, RFC 4303 §3.4.3): remembers which of the last `size`
 * sequence numbers below the highest one seen have arrived. A number above the highest slides the window;
 * one at or below `highest − size` is too old; one inside the window is accepted once.
 *
 * The bitmap is circular: bit (seq mod capacity) stands for seq while seq is inside the window, and bits
 * are cleared as the window slides over them, so a slide costs O(min(jump, capacity)) and no shifting.
 * Callers update the window only for authenticated packets (`check` first, `accept` after the MAC).
 */
import { invalidArgument, type ReplayReason } from './errors.js';

/** Default replay window size: sequence numbers tracked at and below the highest (docs/crypto.md §6). */
export const DEFAULT_REPLAY_WINDOW = 128;
/** Smallest replay window size accepted, in sequence numbers (RFC 3711 §3.3.2 requires at least 64). */
export const MIN_REPLAY_WINDOW = 64;
const MAX_REPLAY_WINDOW = 1 << 16;

/** Result of `ReplayWindow.check`: `fresh`, or the reason the number is refused (`duplicate`, `too-old`). */
export type ReplayVerdict = 'fresh' | ReplayReason;

/**
 * Sliding-window replay protection for media sequence numbers (RFC 3711 §3.3.2; docs/crypto.md §6): each
 * number inside the window is accepted once, numbers below it are too old. Update only after authentication.
 */
export class ReplayWindow {
  /** How many sequence numbers at and below the highest are tracked. */
  readonly size: number;
  readonly #bits: Uint32Array;
  readonly #capacity: number;
  #highest = -1;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < MIN_REPLAY_WINDOW || size > MAX_REPLAY_WINDOW) {
      throw invalidArgument(`replay window size must be ${MIN_REPLAY_WINDOW}..${MAX_REPLAY_WINDOW}`);
    }
    this.size = size;
    this.#bits = new Uint32Array(Math.ceil(size / 32));
    this.#capacity = this.#bits.length * 32;
  }

  /** The highest sequence number accepted so far, or undefined before the first. */
  get highest(): number | undefined {
    return this.#highest < 0 ? undefined : this.#highest;
  }

  /** Verdict for `seq` without changing the window. */
  check(seq: number): ReplayVerdict {
    requireSequence(seq);
    if (seq > this.#highest) return 'fresh';
    if (seq <= this.#highest - this.size) return 'too-old';
    return this.#isSet(seq) ? 'duplicate' : 'fresh';
  }

  /** Records `seq` as received. Call only after `check(seq)` returned `fresh` and the packet authenticated. */
  accept(seq: number): void {
    const verdict = this.check(seq);
    if (verdict !== 'fresh') throw invalidArgument(`sequence number is ${verdict}`);
    if (seq > this.#highest) this.#slideTo(seq);
    this.#set(seq);
  }

  #slideTo(seq: number): void {
    const jump = seq - this.#highest;
    if (this.#highest < 0 || jump >= this.#capacity) {
      this.#bits.fill(0);
    } else {
      // Positions highest+1 … seq now stand for new numbers: clear what they held (numbers a capacity ago).
      for (let s = this.#highest + 1; s <= seq; s++) this.#clear(s);
    }
    this.#highest = seq;
  }

  #index(seq: number): number {
    return seq % this.#capacity;
  }

  #isSet(seq: number): boolean {
    const i = this.#index(seq);
    return (this.#bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  #set(seq: number): void {
    const i = this.#index(seq);
    this.#bits[i >>> 5]! |= 1 << (i & 31);
  }

  #clear(seq: number): void {
    const i = this.#index(seq);
    this.#bits[i >>> 5]! &= ~(1 << (i & 31));
  }
}

export function requireSequence(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw invalidArgument('sequence number must be a non-negative safe integer');
}
