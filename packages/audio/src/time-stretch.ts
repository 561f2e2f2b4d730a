/**
 * Time-scale modification of one frame by WSOLA (waveform-similarity overlap-add, Verhelst & Roelands 1993),
 * sans-I/O and deterministic: the jitter buffer's moves are played as a frame made up to 25 % shorter or
 * longer instead of a whole frame dropped or concealed (packages/audio/README.md, "Jitter buffer").
 *
 * The output is cut from short segments of the input laid at a steady synthesis hop; each segment is taken
 * from near its proportional place in the input, at the offset (within ±`toleranceSamples`) whose start
 * correlates best with what the segment before it would have continued with, and cross-faded into it. So
 * periods are repeated or left out whole and the pitch stays. The first and last samples are the input's
 * own: the frame joins its unmodified neighbours without a seam, and no state carries over between frames.
 */
import { AudioError } from './errors.js';

/** Largest change of a frame's length {@link timeStretch} makes, as a share of the input length. */
export const MAX_STRETCH_RATIO = 0.25;

/** Tuning of {@link timeStretch}; the defaults suit 48 kHz speech in 20 ms frames. */
export interface TimeStretchOptions {
  /** Length of one overlap-add segment; default 240 samples (5 ms). */
  readonly segmentSamples?: number;
  /**
   * How far a segment may move from its proportional place to line up, and so how far the result's length
   * may be from the target; default 120 samples (2.5 ms), at most half a segment.
   */
  readonly toleranceSamples?: number;
}

const DEFAULT_SEGMENT = 240;
const DEFAULT_TOLERANCE = 120;
/** Correlation a start gives up, across the whole search range, for lying farther from its nominal place. */
const NEAR_WEIGHT = 0.05;

/**
 * `input` made about `targetLength` samples long at the same pitch (WSOLA). The result is within
 * `toleranceSamples` of the target and never more than {@link MAX_STRETCH_RATIO} of the input length away from
 * it: the frame must end as the input does, so only the length that lines up the last join with the input's
 * own end keeps a periodic sound seamless (a 100 Hz voice cannot lose 3 ms, only whole periods). A target
 * equal to the input length returns an unchanged copy. Allocates the result, nothing else: it is a view of
 * exactly the result's length on a buffer sized for the longest result the tolerance allows.
 */
export function timeStretch(
  input: Int16Array,
  targetLength: number,
  options: TimeStretchOptions = {},
): Int16Array {
  const segment = options.segmentSamples ?? DEFAULT_SEGMENT;
  const tolerance = options.toleranceSamples ?? DEFAULT_TOLERANCE;
  const n = input.length;
  const bad = (why: string) => new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `time stretch: ${why}`);
  if (!Number.isInteger(segment) || segment < 4 || segment % 2 !== 0)
    throw bad('segmentSamples must be an even integer ≥ 4');
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > segment / 2)
    throw bad('toleranceSamples must be an integer in [0, segmentSamples / 2]');
  if (n < 2 * segment) throw bad(`the input needs at least ${2 * segment} samples`);
  const maxChange = Math.floor(n * MAX_STRETCH_RATIO);
  if (!Number.isInteger(targetLength) || Math.abs(targetLength - n) > maxChange)
    throw bad(`target length must be an integer within ${MAX_STRETCH_RATIO * 100} % of the input length`);
  if (targetLength === n) return input.slice();

  // Synthesis hops of at least half a segment, so that only two segments ever overlap.
  const span = targetLength - segment;
  const hops = Math.max(1, Math.floor(span / (segment / 2)));
  const scale = (n - segment) / span;
  const synthesisAt = (k: number) => Math.floor((k * span) / hops);
  const out = new Int16Array(Math.min(n + maxChange, targetLength + tolerance));

  out.set(input.subarray(0, segment), 0);
  let previous = 0;
  let length = segment;
  for (let k = 1; k <= hops; k++) {
    const y = synthesisAt(k);
    const hop = y - synthesisAt(k - 1);
    const overlap = segment - hop;
    // What the previous segment would have gone on with: the new one should start like it.
    const natural = previous + hop;
    const ahead = Math.min(segment, n - natural);
    let a: number;
    if (k < hops) {
      const nominal = Math.round(y * scale);
      a = bestMatch(input, natural, ahead, nominal, nominal - tolerance, nominal + tolerance, n - segment);
    } else {
      // The last segment is the input's end, so the frame ends as the input does; where it starts (and so
      // the frame's length) is chosen within the tolerance for the join that lines up best.
      const nominal = n - segment;
      // Length y + n − a: never the other way than asked, never beyond the bounds.
      const shorter = targetLength < n;
      const from = Math.max(nominal - tolerance, y - maxChange, shorter ? y + 1 : 0);
      const to = Math.min(nominal + tolerance, n - overlap, y + maxChange, shorter ? n : y - 1);
      a = bestMatch(input, natural, ahead, nominal, from, to, n - overlap);
    }
    // Raised-cosine cross-fade over the overlap (the weights sum to one), then the segment's own rest.
    for (let i = 0; i < overlap; i++) {
      const w = 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / overlap);
      out[y + i] = Math.round(out[y + i]! * (1 - w) + input[a + i]! * w);
    }
    const end = k < hops ? a + segment : n;
    out.set(input.subarray(a + overlap, end), y + overlap);
    length = y + end - a;
    previous = a;
  }
  return out.subarray(0, length);
}

/**
 * The start in [from, to] (clamped to [0, last]) whose following samples correlate best with x[natural, +len):
 * the nominal start unless another is strictly better, so silence and ties keep the proportional place.
 */
function bestMatch(
  x: Int16Array,
  natural: number,
  len: number,
  nominal: number,
  from: number,
  to: number,
  last: number,
): number {
  const lo = Math.max(0, from);
  const hi = Math.min(last, to);
  // A small pull towards the nominal start: of several periods that match, the nearest keeps the length.
  const similarity = (c: number) =>
    correlation(x, c, natural, Math.min(len, x.length - c)) -
    (NEAR_WEIGHT * Math.abs(c - nominal)) / (to - from + 1);
  let best = clampInt(nominal, lo, hi);
  let bestScore = similarity(best);
  for (let c = lo; c <= hi; c++) {
    const score = similarity(c);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}
/** Normalised cross-correlation of x[a, a+len) and x[b, b+len); 0 when either is silent. */
function correlation(x: Int16Array, a: number, b: number, len: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < len; i++) {
    const u = x[a + i]!;
    const v = x[b + i]!;
    ab += u * v;
    aa += u * u;
    bb += v * v;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

function clampInt(x: number, lo: number, hi: number): number {
  return x < lo ? lo : Math.min(x, hi);
}
