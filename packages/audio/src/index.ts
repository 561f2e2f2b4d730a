/**
 * @packageDocumentation
 * @leitung/audio — the voice pipeline of a Leitung call: Opus (default) and PCM16 codecs, framing into
 * transport frames, an adaptive jitter buffer with loss concealment, call-quality statistics with an
 * E-model MOS, and audio sources and sinks. A leaf package: it defines the {@link FrameTransport} it
 * needs and knows nothing of sockets or keys. This entry point runs in browsers too; file and device
 * access lives in `@leitung/audio/node`.
 */
export { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE, SAMPLES_PER_MS } from './audio-format.js';
export {
  type AudioSink,
  type AudioSource,
  createPcmSink,
  createPcmSource,
  type PcmSink,
  pipeAudio,
  readFrames,
} from './audio-stream.js';
export {
  type AudioCodec,
  type AudioDecoder,
  type AudioEncoder,
  CODEC_IDS,
  type CodecId,
  type CodecImpairment,
  type CodecName,
  type ConcealedFrame,
  type ConcealMethod,
  type EncodedFrame,
} from './codec.js';
export {
  type EModelInput,
  type EModelResult,
  eModel,
  mosFromR,
  OPUS_IMPAIRMENT,
  OPUS_LOW_RATE_IMPAIRMENT,
  PCM16_IMPAIRMENT,
} from './e-model.js';
export { AUDIO_ERROR_CODES, AudioError, AudioErrorCode, isAudioError } from './errors.js';
export { FormatConverter, mixToMono } from './format-converter.js';
export type { FrameTransport, MediaFrame } from './frame-transport.js';
export {
  createSilenceSource,
  createSweepSource,
  createToneSource,
  type SweepOptions,
  type ToneOptions,
} from './generators.js';
export { ImpairedLink, type ImpairedLinkStats, type ImpairmentOptions } from './impaired-link.js';
export { InterarrivalJitter } from './interarrival-jitter.js';
export {
  type ConcealReason,
  JITTER_BUFFER_DEFAULTS,
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type PlayoutDecision,
  type PullHints,
  type PushResult,
} from './jitter-buffer.js';
export { createMemoryTransportPair } from './memory-transport.js';
export type {
  OpusBackend,
  OpusDecoderHandle,
  OpusEncoderHandle,
  OpusEncoderSettings,
} from './opus-backend.js';
export { createOpusCodec, OPUS_DEFAULTS, type OpusCodecOptions } from './opus-codec.js';
export { type OpusMode, opusPacketHasFec, opusPacketMode } from './opus-packet.js';
export {
  instantiateOpusWasm,
  instantiateOpusWasmSync,
  type OpusWasmSource,
  opusWasmSimdSupported,
} from './opus-wasm.js';
export {
  type DecodedPayload,
  decodePayload,
  encodePayload,
  MAX_PAYLOAD_BYTES,
  Packetizer,
  type PacketizerOptions,
} from './packetizer.js';
export { createPcm16Codec, PCM16_FRAME_BYTES, PCM16_WIRE_RATE } from './pcm16-codec.js';
export {
  AudioReceiveStream,
  type AudioReceiveStreamEvents,
  type AudioReceiveStreamOptions,
} from './receive-stream.js';
export {
  AudioReceiver,
  type AudioReceiverOptions,
  DEFAULT_STALL_MS,
  type PlayoutFrame,
  type PlayoutSource,
  type ReceiveStats,
} from './receiver.js';
export { Resampler } from './resampler.js';
export {
  AudioSendStream,
  type AudioSendStreamEvents,
  type AudioSendStreamOptions,
  type StreamClock,
  SYSTEM_CLOCK,
} from './send-stream.js';
export {
  AudioSender,
  type AudioSenderOptions,
  assertCodecFits,
  type BitrateKbps,
  DEFAULT_MAX_MEDIA_PACKET,
  type SendStats,
} from './sender.js';
export {
  barkSpectralDistance,
  type DelayEstimate,
  envelopeCorrelation,
  envelopeDb,
  estimateDelay,
  type Samples,
  type SpectralOptions,
} from './signal-analysis.js';
export { type Listener, TypedEmitter } from './typed-emitter.js';
export {
  type ByteReader,
  decodeWav,
  encodeWav,
  readWavLayout,
  WAV_HEADER_BYTES,
  type WavFormat,
  type WavLayout,
  wavHeader,
} from './wav.js';
export {
  LEITUNG_MEDIA_OVERHEAD,
  type MediaPacketOverhead,
  mediaPacketSize,
  type WireSize,
} from './wire-overhead.js';
