/**
 * Exact 2:1 rate change between the internal 48 kHz and PCM16's 24 kHz wire rate (docs/session-protocol.md
 * §4 "Media payload"): a linear-phase FIR low-pass (Blackman-windowed sinc, 11 kHz cut-off, > 70 dB
 * stop band from 13 kHz) run as a streaming decimator and interpolator. Every call turns one frame into
 * exactly one frame at the other rate — 960 → 480 samples and back — so PCM16 keeps the codec
 * interface's fixed frames; the price is a fixed delay of {@link HALF_RATE_DELAY} samples (48 kHz) per
 * filter, ~0.5 ms each way.
 */
import { toInt16 } from './audio-format.js';

const TAPS = 47;
/** Group delay of one filter in 48 kHz samples: the centre tap. */
export const HALF_RATE_DELAY = (TAPS - 1) / 2;
/** Cut-off as a fraction of 48 kHz (11 kHz): below the 12 kHz Nyquist frequency of the 24 kHz wire rate. */
const CUTOFF = 11_000 / 48_000;

const KERNEL = (() => {
  const h = new Float64Array(TAPS);
  let sum = 0;
  for (let n = 0; n < TAPS; n++) {
    const x = n - HALF_RATE_DELAY;
    const sinc = x === 0 ? 2 * CUTOFF : Math.sin(2 * Math.PI * CUTOFF * x) / (Math.PI * x);
    const w =
      0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (TAPS - 1));
    h[n] = sinc * w;
    sum += h[n]!;
  }
  for (let n = 0; n < TAPS; n++) h[n] = h[n]! / sum; // unity gain at DC
  return h;
})();

/** 48 kHz → 24 kHz, one frame at a time. */
export class HalfRateDecimator {
  /** The last TAPS − 1 input samples, then the frame being filtered. */
  #buffer = new Float64Array(0);
  /** The last TAPS − 1 input samples of the previous frame. */
  #history = new Float64Array(TAPS - 1);

  decimate(frame: Int16Array): Int16Array {
    const buffer = this.#window(frame);
    const out = new Int16Array(frame.length / 2);
    for (let k = 0; k < out.length; k++) out[k] = toInt16(filterAt(buffer, 2 * k + TAPS - 1));
    this.#history = buffer.slice(buffer.length - (TAPS - 1));
    return out;
  }

  #window(frame: Int16Array): Float64Array {
    if (this.#buffer.length !== TAPS - 1 + frame.length)
      this.#buffer = new Float64Array(TAPS - 1 + frame.length);
    this.#buffer.set(this.#history);
    for (let i = 0; i < frame.length; i++) this.#buffer[TAPS - 1 + i] = frame[i]!;
    return this.#buffer;
  }
}

/** 24 kHz → 48 kHz, one frame at a time: zero stuffing, then the same low-pass (gain 2). */
export class HalfRateInterpolator {
  #buffer = new Float64Array(0);
  #history = new Float64Array(TAPS - 1);

  interpolate(frame: Int16Array): Int16Array {
    const length = frame.length * 2;
    if (this.#buffer.length !== TAPS - 1 + length) this.#buffer = new Float64Array(TAPS - 1 + length);
    const buffer = this.#buffer;
    buffer.set(this.#history);
    buffer.fill(0, TAPS - 1);
    for (let i = 0; i < frame.length; i++) buffer[TAPS - 1 + 2 * i] = 2 * frame[i]!;
    const out = new Int16Array(length);
    // Every other input of the filter is a stuffed zero: only the taps that meet real samples are summed
    // (the same sum, half the work).
    for (let n = 0; n < length; n++) out[n] = toInt16(filterAt(buffer, n + TAPS - 1, (n + TAPS - 1) % 2, 2));
    this.#history = buffer.slice(buffer.length - (TAPS - 1));
    return out;
  }
}

/** y = Σ h[j] · x[end − j] over j = first, first + step, …: the filter's output for the sample at `end`. */
function filterAt(x: Float64Array, end: number, first = 0, step = 1): number {
  let acc = 0;
  for (let j = first; j < TAPS; j += step) acc += KERNEL[j]! * x[end - j]!;
  return acc;
}
