/**
 * Whether the peer's audio is arriving (docs/client.md "Call state"): `waiting` until the first frame of
 * the call authenticates, `flowing` while frames keep coming, `stalled` once none came for `stallAfterMs`,
 * and `flowing` again with the next frame. The call snapshot turns a stall into `reconnecting` and the
 * quality display into "no audio", so no figure is ever shown over audio that did not arrive.
 *
 * Cheap on the frame path on purpose: a frame only stores its arrival time; the stall is found by one
 * timer per `stallAfterMs` while audio flows (never one timer per frame).
 */
/**
 * Whether the peer's audio arrives (the `audio` field of a call snapshot once answered; docs/client.md
 * "Call state"): `waiting` before the call's first authenticated frame, `flowing`, or `stalled` after
 * 500 ms (`audioStallMs`) without one — the snapshot then shows `reconnecting`.
 */
export type AudioFlow = 'waiting' | 'flowing' | 'stalled';

/** Default silence after which a flowing call counts as stalled: half the 1 s the call screen allows. */
export const DEFAULT_AUDIO_STALL_MS = 500;

export class AudioFlowWatch {
  readonly #stallAfterMs: number;
  #flow: AudioFlow = 'waiting';
  #lastFrameAt = 0;
  #checkAt: number | undefined;

  constructor(stallAfterMs: number = DEFAULT_AUDIO_STALL_MS) {
    this.#stallAfterMs = stallAfterMs;
  }

  get flow(): AudioFlow {
    return this.#flow;
  }

  /** A frame authenticated at `now`; true when audio (re)starts with it. */
  frame(now: number): boolean {
    this.#lastFrameAt = now;
    if (this.#flow === 'flowing') return false;
    this.#flow = 'flowing';
    this.#checkAt = now + this.#stallAfterMs;
    return true;
  }

  /** When `check` is due, if audio is flowing. */
  nextCheck(): number | undefined {
    return this.#flow === 'flowing' ? this.#checkAt : undefined;
  }

  /** True when audio stalled at `now` (reported once per stall). */
  check(now: number): boolean {
    if (this.#flow !== 'flowing' || this.#checkAt === undefined || now < this.#checkAt) return false;
    if (now - this.#lastFrameAt < this.#stallAfterMs) {
      this.#checkAt = this.#lastFrameAt + this.#stallAfterMs;
      return false;
    }
    this.#flow = 'stalled';
    this.#checkAt = undefined;
    return true;
  }
}
