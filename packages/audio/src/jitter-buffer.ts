/**
 * Adaptive jitter buffer (docs/design.md §8), sans-I/O: frames and the receive time go in with `push`, and
 * each time the last frame has played (every 20 ms unless frames are resized) `pull` says what to play. The
 * caller owns the clock: every method takes `now` in ms.
 *
 * Playout runs on the media clock: slot `t` is played when `now − t/48` reaches the playout offset. Let
 * o = arrival − media time be a packet's transit offset; the buffer keeps the offsets of the last
 * `historyPackets` packets and aims at an offset `target` above the smallest one, where target is the
 * `quantile` (95th by default) of (o − min o), clamped to [minDelayMs, maxDelayMs]: that many packets
 * are on time and the rest are concealed. The target rises at once and falls with a half-life, and the
 * playout offset follows it by whole frames: a concealed frame is inserted to grow (at most one per
 * `growIntervalFrames`), a frame is dropped to shrink (at most one per `shrinkIntervalFrames`, in a
 * quiet moment when the caller says so). A caller that can time-scale (`PullHints.timeScale`, as
 * `AudioReceiver` does) is asked to stretch or compress the next frames by one frame in all instead, and
 * the buffer then keeps to the quantile itself, 2 ms either way (packages/audio/README.md, "Jitter
 * buffer"). A caller that also plays frames of any length (`PullHints.variableLength`) and pulls again when
 * a frame has played is asked to play single frames up to 5 ms longer or shorter instead (`resizeSamples`),
 * so the delay moves by parts of a frame and is held within a few ms of the quantile rather than on the
 * grid of whole frames that 20 ms pulls leave it. Late packets are discarded and counted, duplicates
 * dropped, reordering undone; at most `maxPackets` frames are held, so memory never grows without bound.
 */
import { FRAME_MS, FRAME_SAMPLES, SAMPLES_PER_MS } from './audio-format.js';
import { AudioError } from './errors.js';
import type { MediaFrame } from './frame-transport.js';
import { InterarrivalJitter } from './interarrival-jitter.js';
import { MAX_PAYLOAD_BYTES } from './packetizer.js';
import { isUint32, unwrapUint32, wrapUint32 } from './serial-number.js';

/**
 * Tuning of a {@link JitterBuffer} (and of the one inside `AudioReceiver`, through its `jitterBuffer` option).
 * Every field is optional; the defaults are in {@link JITTER_BUFFER_DEFAULTS}.
 */
export interface JitterBufferOptions {
  /** Lower bound of the target delay; default 20 ms. */
  readonly minDelayMs?: number;
  /** Hard upper bound of the target delay; default 160 ms. */
  readonly maxDelayMs?: number;
  /**
   * Delay used before enough arrivals are seen; default 20 ms, the lower bound: on a steady network the
   * playout then never has to move (every move inserts or drops a frame, which is heard), and jitter
   * grows it within the first arrivals.
   */
  readonly initialDelayMs?: number;
  /** Share of packets that should arrive in time; default 0.95. */
  readonly quantile?: number;
  /** Arrivals the jitter estimate looks back on; default 250 (5 s). */
  readonly historyPackets?: number;
  /** Most frames held at once; default 32. */
  readonly maxPackets?: number;
  /** Half-life with which the target falls after jitter calms down; default 1000 ms. */
  readonly shrinkHalfLifeMs?: number;
  /** Pulls between two inserted frames while growing; default 2. */
  readonly growIntervalFrames?: number;
  /** Pulls between two dropped frames while shrinking; default 10. */
  readonly shrinkIntervalFrames?: number;
  /**
   * Delay added to the target while frames went missing among the last `historyPackets` slots, so that
   * when a frame is concealed the next one — whose in-band FEC rebuilds it — is already buffered; default
   * 20 ms (one frame). 0 turns it off.
   */
  readonly lossReserveMs?: number;
  /** Concealed frames in a row before playing plain silence; default 10. */
  readonly maxConcealFrames?: number;
  /** A timestamp jump larger than this restarts the buffer (the sender restarted); default 2000 ms. */
  readonly resyncMs?: number;
}

/**
 * The jitter buffer's defaults: target delay 20–160 ms (20 ms before enough arrivals are seen) at the 95th
 * percentile of the last 250 transit offsets (5 s), plus one frame while frames went missing among the last
 * 250 slots (for FEC), at most 32 frames held, falling with a 1 s half-life,
 * growing by at most one frame every 2nd pull and shrinking by at most one every 10th, silence after 10
 * concealed frames in a row, restart after a timestamp jump of 2 s. The package README explains the choices.
 */
export const JITTER_BUFFER_DEFAULTS: Required<JitterBufferOptions> = {
  minDelayMs: 20,
  maxDelayMs: 160,
  initialDelayMs: 20,
  quantile: 0.95,
  historyPackets: 250,
  maxPackets: 32,
  shrinkHalfLifeMs: 1000,
  growIntervalFrames: 2,
  shrinkIntervalFrames: 10,
  lossReserveMs: 20,
  maxConcealFrames: 10,
  resyncMs: 2000,
};

/** What `push` did with a frame. */
export type PushResult = 'accepted' | 'duplicate' | 'late' | 'overflow' | 'invalid';

/** Why a frame is concealed: it never came, the sender skipped it (DTX), or the buffer is growing. */
export type ConcealReason = 'missing' | 'dtx' | 'stretch';

/**
 * What {@link JitterBuffer.pull} says to do with the next 20 ms slot: `play` a buffered payload, `conceal` a
 * missing one (with the following payload for FEC when it is already buffered), or play `silence` while
 * buffering or after the buffer drained.
 */
export type PlayoutDecision =
  | {
      readonly kind: 'play';
      readonly timestamp: number;
      readonly sequence: number;
      readonly payload: Uint8Array;
      /** How long this frame waited in the buffer, ms. */
      readonly waitedMs: number;
      /**
       * The payload of the slot just before this one when the buffer skipped it to shrink the delay: decode
       * it too (and discard or splice its audio), so that the decoder's state runs on without a jump.
       */
      readonly skipped?: Uint8Array;
      /**
       * Only when the caller offered `timeScale`: move the playout by one frame (20 ms) by playing this frame
       * and the next few up to 25 % longer (`stretch`, to grow the delay) or shorter (`compress`, to shrink
       * it), instead of a frame inserted or skipped.
       */
      readonly timeScale?: TimeScaleMove;
      /**
       * Only when the caller offered `variableLength`: play this frame that many samples longer (> 0, to grow
       * the delay) or shorter (< 0, to shrink it) by time-scaling, at most {@link MAX_RESIZE_SAMPLES} either
       * way, and pull again once it has played.
       */
      readonly resizeSamples?: number;
    }
  | {
      readonly kind: 'conceal';
      readonly timestamp: number;
      readonly reason: ConcealReason;
      /** Payload of the following frame when already buffered (for FEC), else undefined. */
      readonly next: Uint8Array | undefined;
    }
  | { readonly kind: 'silence'; readonly reason: 'buffering' | 'drained' };

/** Which way a time-scaled move goes: `stretch` grows the delay by a frame, `compress` shrinks it by one. */
export type TimeScaleMove = 'stretch' | 'compress';

/**
 * What the caller tells {@link JitterBuffer.pull} about the audio just played, so that the buffer shrinks the
 * delay where dropping a frame is not heard.
 */
export interface PullHints {
  /**
   * Whether the audio just played was quiet, so that dropping a frame now is not heard. When given as
   * false the buffer postpones shrinking (up to a second); when omitted it shrinks whenever due.
   */
  readonly quiet?: boolean;
  /**
   * Whether the stream's decoder rebuilds a lost frame from the next packet (Opus in-band FEC). When false
   * the buffer does not hold the `lossReserveMs` for it, which would only add delay; when omitted it does.
   */
  readonly fec?: boolean;
  /**
   * Whether the caller can play a move of the delay by time-scaling frames (`AudioReceiver` can, with
   * `timeStretch`). When true the buffer asks for that (the `timeScale` of a `play` decision) where it would
   * otherwise insert a concealed frame or skip one that is not quiet; when omitted it moves by whole frames.
   */
  readonly timeScale?: boolean;
  /**
   * Whether the caller plays each frame at the length it comes in and pulls again once it has played, so
   * that `now` at each pull is when that slot starts to play (`AudioReceiver` with `variableFrames`). Implies
   * `timeScale`. When true the buffer moves by resizing single frames (`resizeSamples`), by up to 5 ms each,
   * and keeps its delay within a few ms of the quantile instead of on a 20 ms grid.
   */
  readonly variableLength?: boolean;
}

/**
 * Counters and current state of a {@link JitterBuffer}: frames received, duplicate, late, lost (RFC 3550
 * §6.4.1), discarded, invalid; frames played, concealed, stretched and silent; interarrival jitter, delay added
 * and target delay, frames held, and the G.107 burst ratio of the loss pattern. `AudioReceiver`'s
 * `ReceiveStats` extends it.
 */
export interface JitterBufferStats {
  /** Distinct frames received (late ones included, duplicates and invalid ones not). */
  readonly packetsReceived: number;
  readonly packetsDuplicate: number;
  /** Frames that arrived after their slot was played; discarded. */
  readonly packetsLate: number;
  /** RFC 3550 §6.4.1 cumulative loss: expected minus received, never negative. */
  readonly packetsLost: number;
  /** Frames dropped to shrink the delay or because the buffer was full. */
  readonly packetsDiscarded: number;
  readonly packetsInvalid: number;
  readonly resyncs: number;
  readonly framesPlayed: number;
  /** Frames concealed because their packet was missing or skipped (DTX). */
  readonly framesConcealed: number;
  /** Frames inserted to grow the delay. */
  readonly framesStretched: number;
  /**
   * Delay grown by time-stretching played frames instead of inserting one (20 ms per move, or what a resize
   * asked for), ms.
   */
  readonly stretchedMs: number;
  /**
   * Delay shrunk by compressing played frames instead of skipping one (20 ms per move, or what a resize
   * asked for), ms.
   */
  readonly compressedMs: number;
  /** Pulls answered with silence after playout started (drained buffer). */
  readonly framesSilent: number;
  readonly interarrivalJitterMs: number;
  /** Current playout offset above the fastest packet's transit, i.e. the delay this buffer adds. */
  readonly bufferDelayMs: number;
  readonly targetDelayMs: number;
  readonly bufferedPackets: number;
  /** G.107 burst ratio of the missing-frame pattern (1 = random). */
  readonly burstRatio: number;
  /**
   * Frames missing at playout (lost or late), percent of the last `historyPackets` slots played (5 s by
   * default), before any FEC: what the sender's encoder should plan its redundancy for
   * (`AudioSender.setExpectedLossPercent`). 0 before the first slot.
   */
  readonly recentLossPercent: number;
}

interface Entry {
  readonly sequence: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
  readonly arrival: number;
}

type Phase =
  | { readonly kind: 'idle' }
  | { readonly kind: 'buffering'; readonly startAt: number }
  | { readonly kind: 'playing'; readonly nextTs: number };

const MIN_HISTORY = 16;
/** Most a frame is lengthened or shortened by one resize (`PullHints.variableLength`): 5 ms, 25 % of a frame. */
export const MAX_RESIZE_SAMPLES = FRAME_SAMPLES / 4;
/**
 * With resized frames the delay is held in the band [need + RESIZE_MIN_ABOVE_MS, need + this], ms: wide
 * enough that a need that wanders by a few ms (it falls with a half-life) moves nothing, narrow enough to stay
 * well under the next 20 ms step (docs/benchmarks.md, "audio quality", "Resized frames").
 */
const RESIZE_BAND_MS = 8;
/**
 * Resized frames keep the delay at least this far above the need, ms: held right at the 95th percentile, up
 * to 5 % of the frames come late and are concealed, and the stretcher may miss a length by half; a whole-frame
 * move rounded up to the next 20 ms step and so left a margin by chance.
 */
const RESIZE_MIN_ABOVE_MS = 1;
/** A growing resize aims this far above where growing starts, ms, so that the next pull is not short again. */
const RESIZE_AIM_MS = 2;

/** Pulls (1 s) a shrink waits for a quiet moment before it drops a frame anyway. */
const SHRINK_PATIENCE_PULLS = 50;
const SEEN_WINDOW = 1024;
/**
 * Pulls between two time-scaled moves: one move spreads over four frames (25 % each) and a stretch shows in
 * the playout offset only once it has added up to a whole frame, so the next must not start before.
 */
const TIME_SCALE_INTERVAL_PULLS = 6;
/** Up to this many frames short, growing by stretching is fast enough; beyond it a frame is inserted. */
const STRETCH_LIMIT_FRAMES = 1;
/** A frame missing among this many slots before means frames are coming late now: grow at once. */
const RECENT_MISSING_FRAMES = 3;
/** A missing frame that has not come this many slots later counts as lost for the loss reserve. */
const LATE_GRACE_FRAMES = 5;
/**
 * Hysteresis of the time-scaled moves around the need, ms: grow when more than this below it, shrink only
 * when a frame less still leaves this much above it, so that a need that wanders by a millisecond moves
 * nothing.
 */
const NEED_HYSTERESIS_MS = 2;

/**
 * The adaptive jitter buffer, sans-I/O (docs/design.md §8): `push(frame, now)` takes each arriving transport
 * frame, `pull(now)` once per played frame (20 ms, or 15–25 ms when resized) returns a {@link PlayoutDecision}
 * for the next slot. It adapts its delay to the observed transit variation, undoes reordering, drops
 * duplicates and late frames, and never holds more than `maxPackets` frames. The caller owns the clock.
 * `AudioReceiver` wraps one together with the decoders.
 */
export class JitterBuffer {
  readonly #o: Required<JitterBufferOptions>;
  #phase: Phase = { kind: 'idle' };
  readonly #buffer = new Map<number, Entry>();
  readonly #seen = new Set<number>();
  readonly #seenOrder: number[] = [];
  readonly #history: number[] = [];
  #historyNext = 0;
  readonly #jitter = new InterarrivalJitter();

  #tsBase = 0;
  #highestTs = 0;
  #highestSeq = 0;
  #baseSeq = 0;
  #lastPlayedSeq: number | undefined;

  #target: number;
  /**
   * The quantile of the transit variation like the target, without its `minDelayMs` floor: the delay below
   * which more than the planned share of frames comes late. A buffer that moves by time-scaling grows as soon
   * as it is below this (its moves are cheap); the floor is a margin, not a need.
   */
  #need = 0;
  #targetUpdatedAt: number | undefined;
  #minTransit: number | undefined;
  #bufferDelay = 0;
  #sinceAdjust = 0;
  #excessPulls = 0;
  #concealedInRow = 0;
  #lastSlotLost = false;
  #slotsFound = 0;
  #slotsLost = 0;
  #foundToLost = 0;
  #lostToFound = 0;
  /** Outcome of the last `historyPackets` slots (true: missing), a ring. */
  readonly #recentSlots: boolean[] = [];
  #recentNext = 0;
  #recentLost = 0;
  /**
   * Slots concealed with nothing newer buffered: lost or late if more frames come, the end of the stream if
   * none do. Counted as missing (loss history, burst ratio) only once a later frame arrives.
   */
  #unresolvedSlots = 0;
  /** Timestamps of frames that came after their slot, within the last `historyPackets` slots. */
  readonly #lateStamps = new Set<number>();
  /** Timestamps of the slots concealed for a missing frame, within the last `historyPackets` slots. */
  readonly #missingStamps = new Set<number>();
  /** Timestamps of the unresolved slots (see `#unresolvedSlots`). */
  readonly #unresolvedStamps: number[] = [];
  /** Timestamp of the last slot concealed for a missing frame. */
  #lastMissingTs: number | undefined;
  /** Timestamp of the slot being played, for the reserve's look at which frames never came. */
  #playingTs = 0;
  #fec = true;

  #received = 0;
  #receivedBeforeResync = 0;
  #expectedBeforeResync = 0;
  #duplicate = 0;
  #late = 0;
  #discarded = 0;
  #invalid = 0;
  #resyncs = 0;
  #played = 0;
  #concealed = 0;
  #stretched = 0;
  #stretchedMs = 0;
  #compressedMs = 0;
  /**
   * Delay grown by resized frames and not given back yet, in samples asked for (`PullHints.variableLength`):
   * within the floor's band the buffer shrinks only by this much, so a need that rose for a moment (a call's
   * first seconds) is given back while a clean network that never grew never moves.
   */
  #resizedNet = 0;
  #silent = 0;

  constructor(options: JitterBufferOptions = {}) {
    this.#o = validate(options);
    this.#target = clamp(this.#o.initialDelayMs, this.#o.minDelayMs, this.#o.maxDelayMs);
  }

  /** Takes one received frame. Never throws for bad frames from the network: they count as invalid. */
  push(frame: MediaFrame, now: number): PushResult {
    checkNow(now);
    if (!isValidFrame(frame)) {
      this.#invalid++;
      return 'invalid';
    }
    if (this.#phase.kind === 'idle') this.#start(frame, now);
    let seq = unwrapUint32(frame.sequence, this.#highestSeq);
    let ts = unwrapUint32(frame.timestamp, this.#highestTs);
    const reference = this.#phase.kind === 'playing' ? this.#phase.nextTs : this.#highestTs;
    if (Math.abs(ts - reference) > this.#o.resyncMs * SAMPLES_PER_MS) {
      this.#resync(frame, now);
      seq = frame.sequence;
      ts = frame.timestamp;
    }
    if (this.#seen.has(seq) || this.#buffer.has(ts)) {
      this.#duplicate++;
      return 'duplicate';
    }
    this.#markSeen(seq);
    this.#received++;
    for (; this.#unresolvedSlots > 0; this.#unresolvedSlots--) this.#recordSlot(true);
    for (const missing of this.#unresolvedStamps) this.#missingStamps.add(missing);
    this.#unresolvedStamps.length = 0;
    this.#highestSeq = Math.max(this.#highestSeq, seq);
    this.#highestTs = Math.max(this.#highestTs, ts);
    this.#jitter.update(now, ts);
    this.#observeTransit(now - this.#mediaMs(ts), now);

    if (this.#phase.kind === 'playing' && ts < this.#phase.nextTs) {
      this.#late++;
      this.#lateStamps.add(ts);
      return 'late';
    }
    if (this.#buffer.size >= this.#o.maxPackets) {
      const oldest = this.#oldest();
      if (oldest === undefined || ts < oldest.timestamp) {
        this.#discarded++;
        return 'overflow';
      }
      // Full: we are far behind the sender. Drop the oldest frame and skip playout past it.
      this.#buffer.delete(oldest.timestamp);
      this.#discarded++;
      if (this.#phase.kind === 'playing' && this.#phase.nextTs <= oldest.timestamp) {
        this.#phase = { kind: 'playing', nextTs: oldest.timestamp + FRAME_SAMPLES };
      }
    }
    this.#buffer.set(ts, { sequence: seq, timestamp: ts, payload: frame.payload, arrival: now });
    return 'accepted';
  }

  /**
   * Decides what to play for the next slot. Call once per frame period — with `variableLength`, when the
   * last frame has played, whatever its length.
   */
  pull(now: number, hints: PullHints = {}): PlayoutDecision {
    checkNow(now);
    const phase = this.#phase;
    switch (phase.kind) {
      case 'idle':
        return { kind: 'silence', reason: 'buffering' };
      case 'buffering': {
        const oldest = this.#oldest();
        // Pulls come every 20 ms: start at the pull nearest to the planned time, not the first after it.
        if (now < phase.startAt - FRAME_MS / 2 || oldest === undefined)
          return { kind: 'silence', reason: 'buffering' };
        this.#phase = { kind: 'playing', nextTs: oldest.timestamp };
        this.#sinceAdjust = 0;
        return this.#playSlot(now, oldest.timestamp, hints);
      }
      case 'playing':
        return this.#playSlot(now, phase.nextTs, hints);
      default:
        return assertNever(phase);
    }
  }

  stats(): JitterBufferStats {
    const expected =
      this.#expectedBeforeResync + (this.#received > 0 ? this.#highestSeq - this.#baseSeq + 1 : 0);
    const received = this.#receivedBeforeResync + this.#received;
    const p = this.#slotsFound > 0 ? this.#foundToLost / this.#slotsFound : 0;
    const q = this.#slotsLost > 0 ? this.#lostToFound / this.#slotsLost : 1;
    return {
      packetsReceived: received,
      packetsDuplicate: this.#duplicate,
      packetsLate: this.#late,
      packetsLost: Math.max(0, expected - received),
      packetsDiscarded: this.#discarded,
      packetsInvalid: this.#invalid,
      resyncs: this.#resyncs,
      framesPlayed: this.#played,
      framesConcealed: this.#concealed,
      framesStretched: this.#stretched,
      stretchedMs: this.#stretchedMs,
      compressedMs: this.#compressedMs,
      framesSilent: this.#silent,
      interarrivalJitterMs: this.#jitter.valueMs,
      bufferDelayMs: this.#bufferDelay,
      targetDelayMs: this.#effectiveTarget(),
      bufferedPackets: this.#buffer.size,
      burstRatio: p + q > 0 && this.#slotsLost > 0 ? Math.max(1, 1 / (p + q)) : 1,
      recentLossPercent:
        this.#recentSlots.length > 0 ? (100 * this.#recentLost) / this.#recentSlots.length : 0,
    };
  }

  #playSlot(now: number, slot: number, hints: PullHints): PlayoutDecision {
    this.#fec = hints.fec ?? true;
    const windowStart = slot - this.#recentSlots.length * FRAME_SAMPLES;
    for (const stamps of [this.#lateStamps, this.#missingStamps])
      for (const ts of stamps) if (ts < windowStart) stamps.delete(ts);
    this.#playingTs = slot;
    let nextTs = slot;
    const offset = now - this.#mediaMs(nextTs);
    this.#bufferDelay = Math.max(0, offset - (this.#minTransit ?? offset));
    const error = this.#bufferDelay - this.#effectiveTarget();
    this.#sinceAdjust++;
    const variable = hints.variableLength === true;
    const scaling = hints.timeScale === true || variable;
    let move: TimeScaleMove | undefined;
    let resize = 0;

    if (variable) {
      const step = this.#resizeStep(nextTs);
      if (step === 'insert') {
        this.#sinceAdjust = 0;
        this.#stretched++;
        return { kind: 'conceal', timestamp: wrapUint32(nextTs), reason: 'stretch', next: undefined };
      }
      resize = step;
      this.#resizedNet = Math.max(0, this.#resizedNet + resize);
      if (resize !== 0) this.#sinceAdjust = 0;
      if (resize > 0) this.#stretchedMs += resize / SAMPLES_PER_MS;
      else this.#compressedMs -= resize / SAMPLES_PER_MS;
    }
    // Moving by time-scaling is cheap: grow as soon as the delay is below the need, not half a frame below
    // the target.
    const short =
      !variable &&
      (error < -FRAME_MS / 2 || (scaling && this.#bufferDelay < this.#effectiveNeed() - NEED_HYSTERESIS_MS));
    if (short) {
      // Stretching what plays is not heard; inserting a concealed frame is, but is there at once — what a
      // buffer needs that is far short, or whose frames are coming late right now.
      const missingLately =
        this.#lastMissingTs !== undefined &&
        nextTs - this.#lastMissingTs <= RECENT_MISSING_FRAMES * FRAME_SAMPLES;
      const stretch =
        scaling && error >= -STRETCH_LIMIT_FRAMES * FRAME_MS && !missingLately && this.#buffer.has(nextTs);
      if (stretch && this.#sinceAdjust >= TIME_SCALE_INTERVAL_PULLS) {
        this.#sinceAdjust = 0;
        move = 'stretch';
        this.#stretchedMs += FRAME_MS;
      } else if (!stretch && this.#sinceAdjust >= this.#o.growIntervalFrames) {
        this.#sinceAdjust = 0;
        this.#stretched++;
        return { kind: 'conceal', timestamp: wrapUint32(nextTs), reason: 'stretch', next: undefined };
      }
    }
    // Shrink by one frame when a full frame too much is buffered (0.75 frame: the band of
    // −0.5 … +0.75 frames is wider than one step, so grow and shrink never chase each other).
    let skippedPayload: Uint8Array | undefined;
    const tooMuch = error > 0.75 * FRAME_MS;
    this.#excessPulls = tooMuch ? this.#excessPulls + 1 : 0;
    // Prefer a quiet moment (when the caller can tell); never wait more than a second or two frames.
    const quiet = hints.quiet ?? true;
    const shrinkNow = quiet || error > 2 * FRAME_MS || this.#excessPulls >= SHRINK_PATIENCE_PULLS;
    if (
      tooMuch &&
      scaling &&
      !variable &&
      !quiet &&
      shrinkNow &&
      move === undefined &&
      this.#bufferDelay - FRAME_MS >= this.#effectiveNeed() + NEED_HYSTERESIS_MS &&
      this.#sinceAdjust >= Math.max(TIME_SCALE_INTERVAL_PULLS, this.#o.shrinkIntervalFrames) &&
      this.#buffer.has(nextTs)
    ) {
      // A quiet moment is still preferred (a skip there is not heard, and is done at once); when none came in
      // time, compress the next frames of speech instead of skipping one.
      this.#excessPulls = 0;
      this.#sinceAdjust = 0;
      move = 'compress';
      this.#compressedMs += FRAME_MS;
    } else if (
      tooMuch &&
      resize === 0 &&
      shrinkNow &&
      (!scaling || this.#bufferDelay - FRAME_MS >= this.#effectiveNeed() + NEED_HYSTERESIS_MS) &&
      this.#sinceAdjust >= this.#o.shrinkIntervalFrames &&
      this.#buffer.has(nextTs + FRAME_SAMPLES)
    ) {
      this.#excessPulls = 0;
      skippedPayload = this.#buffer.get(nextTs)?.payload;
      if (this.#buffer.delete(nextTs)) this.#discarded++;
      nextTs += FRAME_SAMPLES;
      this.#sinceAdjust = 0;
      this.#bufferDelay = Math.max(0, this.#bufferDelay - FRAME_MS);
    }

    const entry = this.#buffer.get(nextTs);
    this.#phase = { kind: 'playing', nextTs: nextTs + FRAME_SAMPLES };
    if (entry !== undefined) {
      this.#buffer.delete(nextTs);
      this.#lastPlayedSeq = entry.sequence;
      this.#concealedInRow = 0;
      this.#played++;
      this.#recordSlot(false);
      return {
        kind: 'play',
        timestamp: wrapUint32(entry.timestamp),
        sequence: wrapUint32(entry.sequence),
        payload: entry.payload,
        waitedMs: now - entry.arrival,
        ...(skippedPayload === undefined ? {} : { skipped: skippedPayload }),
        ...(move === undefined ? {} : { timeScale: move }),
        ...(resize === 0 ? {} : { resizeSamples: resize }),
      };
    }
    const following = this.#oldest();
    const skipped =
      following !== undefined &&
      this.#lastPlayedSeq !== undefined &&
      following.sequence === this.#lastPlayedSeq + 1;
    const reason: ConcealReason = skipped ? 'dtx' : 'missing';
    if (reason === 'missing') {
      this.#lastMissingTs = nextTs;
      if (following === undefined) {
        this.#unresolvedSlots++;
        this.#unresolvedStamps.push(nextTs);
      } else {
        this.#recordSlot(true);
        this.#missingStamps.add(nextTs);
      }
    }
    this.#concealedInRow++;
    if (this.#concealedInRow > this.#o.maxConcealFrames) {
      this.#silent++;
      return { kind: 'silence', reason: 'drained' };
    }
    this.#concealed++;
    return {
      kind: 'conceal',
      timestamp: wrapUint32(nextTs),
      reason,
      next: this.#buffer.get(nextTs + FRAME_SAMPLES)?.payload,
    };
  }

  /**
   * The move of a caller that plays frames of any length (`PullHints.variableLength`): samples to lengthen
   * (> 0) or shorten (< 0) the frame of slot `ts` by, or `insert` a concealed frame. Grows when less than
   * `RESIZE_MIN_ABOVE_MS` above the need, or half a frame below the target (whose floor keeps a margin for the
   * loss reserve's FEC packet, as with whole-frame moves), but only to just above that instead of a whole frame
   * up; shrinks when more than `RESIZE_BAND_MS` above the need, to the middle of the band or the target —
   * within the floor's band (¾ of a frame over the floor) only by what resizing grew, so that a clean network,
   * whose need is below the floor, never moves (packages/audio/README.md, "Jitter buffer"). At most
   * {@link MAX_RESIZE_SAMPLES} per frame; a delay more than a frame short of where it grows to, or a slot whose
   * frame is not there, grows by an inserted frame, which is there at once.
   */
  #resizeStep(ts: number): number | 'insert' {
    const need = this.#effectiveNeed();
    const delay = this.#bufferDelay;
    const have = this.#buffer.has(ts);
    const growBelow = Math.max(need + RESIZE_MIN_ABOVE_MS, this.#effectiveTarget() - FRAME_MS / 2);
    if (delay < growBelow) {
      const aim = growBelow + RESIZE_AIM_MS;
      if (have && delay >= aim - STRETCH_LIMIT_FRAMES * FRAME_MS)
        return Math.min(MAX_RESIZE_SAMPLES, Math.ceil((aim - delay) * SAMPLES_PER_MS));
      return this.#sinceAdjust >= this.#o.growIntervalFrames ? 'insert' : 0;
    }
    if (delay <= need + RESIZE_BAND_MS || !have) return 0;
    const floorTarget = Math.min(this.#o.maxDelayMs, this.#o.minDelayMs + this.#reserve());
    const aim = Math.max(need + (RESIZE_MIN_ABOVE_MS + RESIZE_BAND_MS) / 2, this.#effectiveTarget());
    const room =
      delay > floorTarget + 0.75 * FRAME_MS
        ? delay - aim
        : Math.min(delay - aim, this.#resizedNet / SAMPLES_PER_MS);
    return room > 0 ? -Math.min(MAX_RESIZE_SAMPLES, Math.ceil(room * SAMPLES_PER_MS)) : 0;
  }

  /**
   * The target plus, while frames go missing, the reserve that lets the next packet's FEC arrive in time. A
   * missing frame that came late after all is the jitter's, which the target's percentile covers: the
   * reserve is held only for frames that never came ({@link JitterBuffer.#neverCame}).
   */
  #effectiveTarget(): number {
    return Math.min(this.#o.maxDelayMs, this.#target + this.#reserve());
  }

  /** The need ({@link JitterBuffer.#need}) plus the same reserve as the target's. */
  #effectiveNeed(): number {
    return Math.min(this.#o.maxDelayMs, this.#need + this.#reserve());
  }

  #reserve(): number {
    return this.#fec && this.#neverCame() ? this.#o.lossReserveMs : 0;
  }

  /**
   * Whether a frame went missing among the last `historyPackets` slots and had not come `LATE_GRACE_FRAMES`
   * after its slot: lost, not merely late (once the transit percentile is measured).
   */
  #neverCame(): boolean {
    // Until the percentile is measured, a missing frame is the only sign of jitter: hold the reserve for it.
    if (this.#history.length < MIN_HISTORY) return this.#recentLost > 0;
    const settled = this.#playingTs - LATE_GRACE_FRAMES * FRAME_SAMPLES;
    for (const ts of this.#missingStamps) if (ts < settled && !this.#lateStamps.has(ts)) return true;
    return false;
  }

  #start(frame: MediaFrame, now: number): void {
    this.#tsBase = frame.timestamp;
    this.#highestTs = frame.timestamp;
    this.#highestSeq = frame.sequence;
    this.#baseSeq = frame.sequence;
    this.#phase = { kind: 'buffering', startAt: now + this.#target };
  }

  #resync(frame: MediaFrame, now: number): void {
    this.#resyncs++;
    this.#expectedBeforeResync += this.#highestSeq - this.#baseSeq + 1;
    this.#receivedBeforeResync += this.#received;
    this.#received = 0;
    this.#buffer.clear();
    this.#seen.clear();
    this.#seenOrder.length = 0;
    this.#history.length = 0;
    this.#historyNext = 0;
    this.#minTransit = undefined;
    this.#resizedNet = 0;
    this.#lastPlayedSeq = undefined;
    this.#unresolvedSlots = 0;
    this.#lateStamps.clear();
    this.#missingStamps.clear();
    this.#unresolvedStamps.length = 0;
    this.#lastMissingTs = undefined;
    this.#jitter.restart();
    this.#start(frame, now);
  }

  #markSeen(seq: number): void {
    this.#seen.add(seq);
    this.#seenOrder.push(seq);
    if (this.#seenOrder.length > SEEN_WINDOW) this.#seen.delete(this.#seenOrder.shift()!);
  }

  #observeTransit(transit: number, now: number): void {
    if (this.#history.length < this.#o.historyPackets) this.#history.push(transit);
    else this.#history[this.#historyNext] = transit;
    this.#historyNext = (this.#historyNext + 1) % this.#o.historyPackets;

    const sorted = Float64Array.from(this.#history).sort();
    this.#minTransit = sorted[0];
    let raw = this.#o.initialDelayMs;
    if (sorted.length >= MIN_HISTORY) {
      const index = Math.min(sorted.length - 1, Math.ceil(this.#o.quantile * sorted.length) - 1);
      raw = sorted[Math.max(0, index)]! - sorted[0]!;
    }
    const need = sorted.length >= MIN_HISTORY ? Math.min(raw, this.#o.maxDelayMs) : 0;
    raw = clamp(raw, this.#o.minDelayMs, this.#o.maxDelayMs);
    const fall = (from: number, to: number) => {
      if (to >= from || this.#targetUpdatedAt === undefined) return to;
      const dt = Math.max(0, now - this.#targetUpdatedAt);
      return from + (to - from) * (1 - 2 ** (-dt / this.#o.shrinkHalfLifeMs));
    };
    this.#target = fall(this.#target, raw);
    this.#need = fall(this.#need, need);
    this.#targetUpdatedAt = now;
  }

  #recordSlot(lost: boolean): void {
    if (this.#slotsFound + this.#slotsLost > 0) {
      if (lost && !this.#lastSlotLost) this.#foundToLost++;
      if (!lost && this.#lastSlotLost) this.#lostToFound++;
    }
    if (lost) this.#slotsLost++;
    else this.#slotsFound++;
    this.#lastSlotLost = lost;
    if (this.#recentSlots.length === this.#o.historyPackets) {
      if (this.#recentSlots[this.#recentNext]) this.#recentLost--;
      this.#recentSlots[this.#recentNext] = lost;
    } else {
      this.#recentSlots.push(lost);
    }
    this.#recentNext = (this.#recentNext + 1) % this.#o.historyPackets;
    if (lost) this.#recentLost++;
  }

  #oldest(): Entry | undefined {
    let oldest: Entry | undefined;
    for (const e of this.#buffer.values())
      if (oldest === undefined || e.timestamp < oldest.timestamp) oldest = e;
    return oldest;
  }

  #mediaMs(ts: number): number {
    return (ts - this.#tsBase) / SAMPLES_PER_MS;
  }
}

function isValidFrame(frame: unknown): frame is MediaFrame {
  if (typeof frame !== 'object' || frame === null) return false;
  const f = frame as Partial<MediaFrame>;
  return (
    isUint32(f.sequence) &&
    isUint32(f.timestamp) &&
    f.payload instanceof Uint8Array &&
    f.payload.length > 0 &&
    f.payload.length <= MAX_PAYLOAD_BYTES
  );
}

function checkNow(now: number): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', '`now` must be a finite number of milliseconds');
  }
}

function validate(options: JitterBufferOptions): Required<JitterBufferOptions> {
  const o = { ...JITTER_BUFFER_DEFAULTS };
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(key in o))
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `unknown jitter buffer option ${key}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `jitter buffer option ${key} must be a number ≥ 0`);
    }
    (o as Record<string, number>)[key] = value;
  }
  const bad = (why: string) => new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `jitter buffer: ${why}`);
  if (o.minDelayMs > o.maxDelayMs) throw bad('minDelayMs exceeds maxDelayMs');
  if (!(o.quantile > 0 && o.quantile <= 1)) throw bad('quantile must be in (0, 1]');
  for (const key of [
    'historyPackets',
    'maxPackets',
    'growIntervalFrames',
    'shrinkIntervalFrames',
    'maxConcealFrames',
  ] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw bad(`${key} must be an integer ≥ 1`);
  }
  if (o.maxPackets < 2) throw bad('maxPackets must be at least 2');
  if (o.shrinkHalfLifeMs <= 0) throw bad('shrinkHalfLifeMs must be positive');
  if (o.resyncMs < o.maxDelayMs) throw bad('resyncMs must be at least maxDelayMs');
  return o;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : Math.min(x, hi);
}

function assertNever(x: never): never {
  throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `unexpected state ${JSON.stringify(x)}`);
}
