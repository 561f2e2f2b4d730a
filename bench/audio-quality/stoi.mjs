// STOI, the Short-Time Objective Intelligibility measure (C. H. Taal, R. C. Hendriks, R. Heusdens,
// J. Jensen, "An Algorithm for Intelligibility Prediction of Time–Frequency Weighted Noisy Speech", IEEE
// Trans. Audio, Speech, Lang. Process. 19(7), 2011), implemented from that paper with the constants of its
// reference implementation: 10 kHz signals, 256-sample Hann frames (hop 128) zero-padded to a 512-point
// FFT, frames more than 40 dB below the loudest clean frame removed from both signals, 15 one-third-octave
// bands from 150 Hz, 30-frame (384 ms) segments, clipping at β = −15 dB. The result is the mean
// correlation of clean and processed band envelopes, between about 0 and 1 (higher is better).
//
// What it is: a full-reference, time-aligned measure of how much of the speech envelope in each band
// survives — it drops with lost or concealed frames, gaps, inserted or dropped frames and misalignment.
// What it is not: a quality (MOS) predictor like ITU-T P.862/P.863. It ignores everything above 5 kHz and
// saturates near 1 for clean codec output, so it separates impairments of the stream far better than it
// ranks codec fidelity; the Bark spectral distance printed beside it covers that side.

const FS = 10_000;
const N_FRAME = 256;
const HOP = 128;
const NFFT = 512;
const BANDS = 15;
const MIN_FREQ = 150;
const SEGMENT = 30;
const BETA_DB = -15;
const DYN_RANGE_DB = 40;
const EPS = 2.220446049250313e-16;

// Hann window of length N_FRAME without its zero end points (hanning(N + 2)[1:-1]).
const WINDOW = Float64Array.from(
  { length: N_FRAME },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (N_FRAME + 1)),
);

function fftInPlace(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const ur = re[i + k];
        const ui = im[i + k];
        const vr = re[i + k + len / 2] * wr - im[i + k + len / 2] * wi;
        const vi = re[i + k + len / 2] * wi + im[i + k + len / 2] * wr;
        re[i + k] = ur + vr;
        im[i + k] = ui + vi;
        re[i + k + len / 2] = ur - vr;
        im[i + k + len / 2] = ui - vi;
      }
    }
  }
}

/** One-third-octave band edges as FFT bin ranges [lo, hi). */
function bandBins() {
  const freqs = Array.from({ length: NFFT / 2 + 1 }, (_, i) => (i * FS) / NFFT);
  const nearest = (f) => {
    let best = 0;
    for (let i = 1; i < freqs.length; i++) if ((freqs[i] - f) ** 2 < (freqs[best] - f) ** 2) best = i;
    return best;
  };
  return Array.from({ length: BANDS }, (_, k) => [
    nearest(MIN_FREQ * 2 ** ((2 * k - 1) / 6)),
    nearest(MIN_FREQ * 2 ** ((2 * k + 1) / 6)),
  ]);
}
const BAND_BINS = bandBins();

function frameStarts(length) {
  const starts = [];
  for (let s = 0; s < length - N_FRAME; s += HOP) starts.push(s);
  return starts;
}

/** Drops the frames where the clean signal is more than 40 dB below its loudest frame, from both signals. */
function removeSilentFrames(x, y) {
  const starts = frameStarts(x.length);
  const energy = starts.map((s) => {
    let e = 0;
    for (let i = 0; i < N_FRAME; i++) e += (x[s + i] * WINDOW[i]) ** 2;
    return 20 * Math.log10(Math.sqrt(e) + EPS);
  });
  const max = Math.max(...energy);
  const keep = starts.filter((_, i) => max - DYN_RANGE_DB - energy[i] < 0);
  const outLength = (keep.length - 1) * HOP + N_FRAME;
  const xs = new Float64Array(Math.max(0, outLength));
  const ys = new Float64Array(Math.max(0, outLength));
  keep.forEach((s, j) => {
    for (let i = 0; i < N_FRAME; i++) {
      xs[j * HOP + i] += x[s + i] * WINDOW[i];
      ys[j * HOP + i] += y[s + i] * WINDOW[i];
    }
  });
  return [xs, ys];
}

/** One-third-octave band magnitudes per frame: bands[j][m]. */
function bandEnvelopes(x) {
  const starts = frameStarts(x.length);
  const bands = Array.from({ length: BANDS }, () => new Float64Array(starts.length));
  const re = new Float64Array(NFFT);
  const im = new Float64Array(NFFT);
  starts.forEach((s, m) => {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < N_FRAME; i++) re[i] = x[s + i] * WINDOW[i];
    fftInPlace(re, im);
    BAND_BINS.forEach(([lo, hi], j) => {
      let e = 0;
      for (let k = lo; k < hi; k++) e += re[k] * re[k] + im[k] * im[k];
      bands[j][m] = Math.sqrt(e);
    });
  });
  return bands;
}

/**
 * STOI of `processed` against `clean`, both time-aligned, same length, sampled at 10 kHz (resample first).
 */
export function stoi(clean, processed) {
  const n = Math.min(clean.length, processed.length);
  const [x, y] = removeSilentFrames(clean.subarray(0, n), processed.subarray(0, n));
  const X = bandEnvelopes(x);
  const Y = bandEnvelopes(y);
  const frames = X[0].length;
  if (frames < SEGMENT) throw new Error('STOI needs at least 30 active frames (about 0.4 s of speech)');
  const clip = 10 ** (-BETA_DB / 20);
  let sum = 0;
  let count = 0;
  for (let m = SEGMENT; m <= frames; m++) {
    for (let j = 0; j < BANDS; j++) {
      const xs = X[j].subarray(m - SEGMENT, m);
      const ys = Y[j].subarray(m - SEGMENT, m);
      let nx = 0;
      let ny = 0;
      for (let i = 0; i < SEGMENT; i++) {
        nx += xs[i] ** 2;
        ny += ys[i] ** 2;
      }
      const alpha = Math.sqrt(nx) / (Math.sqrt(ny) + EPS);
      const yp = Float64Array.from(ys, (v, i) => Math.min(v * alpha, xs[i] * (1 + clip)));
      let mx = 0;
      let my = 0;
      for (let i = 0; i < SEGMENT; i++) {
        mx += xs[i] / SEGMENT;
        my += yp[i] / SEGMENT;
      }
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < SEGMENT; i++) {
        sxy += (xs[i] - mx) * (yp[i] - my);
        sxx += (xs[i] - mx) ** 2;
        syy += (yp[i] - my) ** 2;
      }
      sum += sxy / (Math.sqrt(sxx) * Math.sqrt(syy) + EPS);
      count++;
    }
  }
  return sum / count;
}

export const STOI_RATE = FS;
