/**
 * A simplified ITU-T G.107 E-model: transmission rating R and an estimated MOS from one-way delay,
 * effective packet loss and the codec's impairment factors. Narrowband scale (R ≤ 93.2 with default
 * parameters), the scale most MOS figures are quoted on; wideband gains are not credited (G.107.1 would).
 *
 * Simplifications, all with default G.107 parameters (no echo, default noise and loudness):
 * - R = 93.2 − Id − Ie,eff (R0 − Is = 93.2, A = 0);
 * - Id from the one-way mouth-to-ear delay Ta with the fit of Cole & Rosenbluth, "Voice over IP
 *   Performance Monitoring", ACM SIGCOMM CCR 31(2), 2001: Id = 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3);
 * - Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl) (G.107 §7.6, eq. 7-29);
 * - MOS from R by G.107 Annex B (eq. B-4).
 */
import type { CodecImpairment } from './codec.js';

/**
 * PCM16: Ie = 0 and Bpl = 4.3, the ITU-T G.113 Appendix I planning values for G.711 without packet
 * loss concealment. Our PCM concealment (repeat one frame with a fade, then silence) is cruder than
 * G.711 Appendix I, so the no-PLC robustness is the honest one to use.
 */
export const PCM16_IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 4.3 };

/**
 * Opus in VoIP mode at ≥ 16 kbit/s: Ie = 0 and Bpl = 25.1.
 * - Ie: G.113 lists no Opus value. Wideband Opus at 16–32 kbit/s is rated above narrowband G.711 in
 *   listening tests (Rämö & Toukomaa, "Voice Quality Characterization of IETF Opus Codec",
 *   Interspeech 2011), and G.711 is the 0 point of the narrowband scale, which cannot go lower.
 * - Bpl: the G.113 Appendix I value for G.711 with packet loss concealment. Opus PLC is at least as
 *   capable and in-band FEC recovers part of the losses, so this understates Opus's robustness; it is a
 *   conservative stand-in until a published Opus Bpl exists.
 */
export const OPUS_IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 25.1 };

/**
 * Opus below 16 kbit/s falls back towards narrowband: use the G.113 Appendix I values of G.729A + VAD
 * (Ie = 11, Bpl = 19), the narrowband 8 kbit/s codec it is usually compared with.
 */
export const OPUS_LOW_RATE_IMPAIRMENT: CodecImpairment = { ie: 11, bpl: 19 };

/**
 * The inputs of {@link eModel}: one-way delay, effective packet loss, burstiness and the codec's impairment
 * values.
 */
export interface EModelInput {
  /** One-way mouth-to-ear delay Ta in ms (network + jitter buffer + codec). */
  readonly oneWayDelayMs: number;
  /** Effective packet loss Ppl in percent (lost, late and discarded; not counting FEC-recovered frames). */
  readonly packetLossPercent: number;
  /** Burst ratio (1 = random loss; > 1 = bursty), G.107 §7.6. */
  readonly burstRatio?: number;
  readonly impairment: CodecImpairment;
}

/**
 * What {@link eModel} computes: the transmission rating R, the estimated MOS, and the two impairments R was
 * reduced by (delay Id and effective equipment impairment Ie,eff).
 */
export interface EModelResult {
  /** Transmission rating factor R (0–100). */
  readonly r: number;
  /** Estimated mean opinion score (1–4.5). */
  readonly mos: number;
  /** Delay impairment Id. */
  readonly id: number;
  /** Effective equipment impairment Ie,eff. */
  readonly ieEff: number;
}

const R0_MINUS_IS = 93.2;

/**
 * The simplified ITU-T G.107 E-model (see the module comment): R = 93.2 − Id − Ie,eff, and the MOS from R
 * (G.107 Annex B). Non-finite inputs count as 0 delay and 0 loss. `AudioReceiver`'s statistics apply it to what
 * the receiver measured.
 */
export function eModel(input: EModelInput): EModelResult {
  const ta = Math.max(0, finiteOr(input.oneWayDelayMs, 0));
  const ppl = Math.min(100, Math.max(0, finiteOr(input.packetLossPercent, 0)));
  const burstR = Math.max(1, finiteOr(input.burstRatio ?? 1, 1));
  const { ie, bpl } = input.impairment;
  const id = 0.024 * ta + (ta > 177.3 ? 0.11 * (ta - 177.3) : 0);
  const ieEff = ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
  const r = Math.min(100, Math.max(0, R0_MINUS_IS - id - ieEff));
  return { r, mos: mosFromR(r), id, ieEff };
}

/** G.107 Annex B, eq. (B-4); clamped to 1, since the cubic dips just below 1 for R under about 6.5. */
export function mosFromR(r: number): number {
  if (!(r > 0)) return 1;
  if (r >= 100) return 4.5;
  return Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}

function finiteOr(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}
