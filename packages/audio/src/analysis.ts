/**
 * @packageDocumentation
 * `@leitung/audio/analysis` — diagnostics of call quality, for reports, tests and benchmarks: the
 * simplified ITU-T G.107 E-model (R factor and MOS) with the codec impairment values the receiver uses,
 * the wire-size model of a media packet (header, cipher padding, tag, IPv4/UDP headers and fragments),
 * and objective signal measurements (delay by cross-correlation, Bark spectral distance, envelope
 * correlation). `AudioReceiver`'s statistics already apply the E-model and the wire-size model;
 * this entry point is for computing them yourself.
 */
export {
  type EModelInput,
  type EModelResult,
  eModel,
  mosFromR,
  OPUS_IMPAIRMENT,
  OPUS_LOW_RATE_IMPAIRMENT,
  PCM16_IMPAIRMENT,
} from './e-model.js';
export {
  barkSpectralDistance,
  type DelayEstimate,
  envelopeCorrelation,
  envelopeDb,
  estimateDelay,
  pearsonCorrelation,
  type Samples,
  type SpectralOptions,
} from './signal-analysis.js';
export {
  LEITUNG_MEDIA_OVERHEAD,
  type MediaPacketOverhead,
  mediaPacketSize,
  type WireSize,
} from './wire-overhead.js';
