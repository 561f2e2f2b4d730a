/**
 * @packageDocumentation
 * `@leitung/audio/core` — the sans-I/O building blocks under `AudioSender` and `AudioReceiver`, for people
 * who assemble their own audio pipeline or shell instead of using the streams of `@leitung/audio`: the
 * adaptive jitter buffer and the WSOLA time-stretcher that plays its moves, the packetizer and the
 * payload format, RFC 3550 interarrival jitter, rate and format conversion for sources and sinks at other
 * rates, the Opus packet inspection concealment relies on, the encoder's loss planning for FEC, the
 * encoder and decoder handles a libopus backend returns, the PCM16 wire format and a streaming WAV header
 * parser. Browser-safe like the root
 * entry point. Applications rarely need it.
 */
export { FormatConverter, mixToMono } from './format-converter.js';
export { InterarrivalJitter } from './interarrival-jitter.js';
export {
  type ConcealReason,
  JITTER_BUFFER_DEFAULTS,
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  MAX_RESIZE_SAMPLES,
  type PlayoutDecision,
  type PullHints,
  type PushResult,
  type TimeScaleMove,
} from './jitter-buffer.js';
export type {
  OpusApplication,
  OpusDecoderHandle,
  OpusEncoderHandle,
  OpusEncoderSettings,
  OpusSignal,
} from './opus-backend.js';
export { OPUS_FEC_PLANNING, plannedLossPercent } from './opus-codec.js';
export { type OpusMode, opusPacketHasFec, opusPacketMode } from './opus-packet.js';
export { instantiateOpusWasmSync } from './opus-wasm.js';
export {
  type DecodedPayload,
  decodePayload,
  encodePayload,
  MAX_PAYLOAD_BYTES,
  Packetizer,
  type PacketizerOptions,
} from './packetizer.js';
export { PCM16_FRAME_BYTES, PCM16_WIRE_RATE } from './pcm16-codec.js';
export { Resampler } from './resampler.js';
export { MAX_STRETCH_RATIO, type TimeStretchOptions, timeStretch } from './time-stretch.js';
export { type ByteReader, readWavLayout, WAV_HEADER_BYTES, type WavLayout, wavHeader } from './wav.js';
