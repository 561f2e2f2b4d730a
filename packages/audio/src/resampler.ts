/**
 * Streaming sample-rate converter for the edges (sources and sinks at other rates). Band-limited
 * interpolation: each output sample is the input convolved with a Blackman-windowed sinc centred on
 * its exact position (Smith, "Digital Audio Resampling", CCRMA), cut off below the lower Nyquist
 * frequency so that downsampling does not alias. Zero phase: output sample k sits at input time
 * k·from/to, so conversion adds no delay.
 */
import { AudioError } from './errors.js';

/** Zero crossings of the sinc on each side. 16 gives > 70 dB stopband with the Blackman window. */
const HALF_TAPS = 16;
/** Kernel table resolution (entries per input sample); linear interpolation between entries. */
const TABLE_STEPS = 256;
/** Cutoff as a fraction of the lower Nyquist frequency, leaving room for the transition band. */
const CUTOFF = 0.92;

/**
 * A streaming sample-rate converter (band-limited interpolation with a Blackman-windowed sinc; no delay):
 * `process` converts each block of float samples as it comes, `flush` returns the tail. {@link FormatConverter}
 * uses one to bring sources at other rates to 48 kHz.
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  readonly #step: number;
  readonly #scale: number;
  readonly #halfWidth: number;
  readonly #table: Float64Array;
  #input = new Float64Array(4096);
  /** Number of valid samples in #input; #input[0] is absolute input index #base. */
  #length = 0;
  #base = 0;
  /** Absolute input position of the next output sample. */
  #nextOutput = 0;
  #outputIndex = 0;
  #flushed = false;

  constructor(fromRate: number, toRate: number) {
    for (const rate of [fromRate, toRate]) {
      if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1000 || rate > 768_000) {
        throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'sample rates must be integers in 1000–768000 Hz');
      }
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.#step = fromRate / toRate;
    // Downsampling stretches the kernel by from/to so its cutoff follows the output's Nyquist.
    this.#scale = Math.min(1, toRate / fromRate) * CUTOFF;
    this.#halfWidth = Math.ceil(HALF_TAPS / this.#scale);
    this.#table = kernelTable();
  }

  /** Converts the next block of input; returns whatever output is complete so far. */
  process(input: Float32Array | Float64Array): Float64Array {
    if (this.#flushed) throw new AudioError('AUDIO_ERR_CLOSED', 'the resampler was flushed');
    if (this.fromRate === this.toRate) return Float64Array.from(input);
    this.#append(input);
    return this.#produce(this.#base + this.#length);
  }

  /** Ends the stream: returns the output that the last input samples still contribute to. */
  flush(): Float64Array {
    if (this.#flushed) return new Float64Array(0);
    this.#flushed = true;
    if (this.fromRate === this.toRate) return new Float64Array(0);
    const end = this.#base + this.#length;
    this.#append(new Float64Array(this.#halfWidth + 1));
    return this.#produce(end, true);
  }

  #append(input: Float32Array | Float64Array): void {
    if (this.#length + input.length > this.#input.length) {
      const bigger = new Float64Array(Math.max(this.#input.length * 2, this.#length + input.length));
      bigger.set(this.#input.subarray(0, this.#length));
      this.#input = bigger;
    }
    this.#input.set(input, this.#length);
    this.#length += input.length;
  }

  /** Emits outputs whose kernel lies within the buffered input (or, when flushing, before `end`). */
  #produce(end: number, flushing = false): Float64Array {
    const out: number[] = [];
    const h = this.#halfWidth;
    const available = this.#base + this.#length;
    for (;;) {
      const t = this.#nextOutput;
      if (flushing ? t >= end : Math.floor(t) + h >= available) break;
      const centre = Math.floor(t);
      let sum = 0;
      for (let n = centre - h + 1; n <= centre + h; n++) {
        const i = n - this.#base;
        if (i < 0 || i >= this.#length) continue;
        sum += this.#input[i]! * this.#kernel((t - n) * this.#scale);
      }
      out.push(sum * this.#scale);
      this.#outputIndex++;
      this.#nextOutput = this.#outputIndex * this.#step;
    }
    // Drop input no future output can reach.
    const keepFrom = Math.floor(this.#nextOutput) - h;
    const drop = Math.min(this.#length, Math.max(0, keepFrom - this.#base));
    if (drop > 0) {
      this.#input.copyWithin(0, drop, this.#length);
      this.#length -= drop;
      this.#base += drop;
    }
    return Float64Array.from(out);
  }

  #kernel(x: number): number {
    const a = Math.abs(x) * TABLE_STEPS;
    const i = Math.floor(a);
    if (i >= this.#table.length - 1) return 0;
    const frac = a - i;
    return this.#table[i]! * (1 - frac) + this.#table[i + 1]! * frac;
  }
}

let sharedTable: Float64Array | undefined;

function kernelTable(): Float64Array {
  if (sharedTable === undefined) {
    const size = HALF_TAPS * TABLE_STEPS + 2;
    sharedTable = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const x = i / TABLE_STEPS;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = x >= HALF_TAPS ? 0 : blackman(x / HALF_TAPS);
      sharedTable[i] = sinc * w;
    }
  }
  return sharedTable;
}

/** Blackman window over |u| ≤ 1, centred on 0. */
function blackman(u: number): number {
  const v = Math.PI * u;
  return 0.42 + 0.5 * Math.cos(v) + 0.08 * Math.cos(2 * v);
}
