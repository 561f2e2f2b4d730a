/**
 * @packageDocumentation
 * @leitung/audio — the voice pipeline of a Leitung call: Opus (default) and PCM16 codecs, the send and
 * receive sides of one audio stream with an adaptive jitter buffer, loss concealment and call-quality
 * statistics with an E-model MOS, and audio sources and sinks. A leaf package: it defines the
 * {@link FrameTransport} it needs and knows nothing of sockets or keys. This entry point holds what an
 * application uses and runs in browsers too. The other entry points:
 *
 * - `@leitung/audio/node`: WAV files, system audio devices and loading Opus from disk (Node only);
 * - `@leitung/audio/core`: the sans-I/O building blocks (jitter buffer, packetizer, resampler, …) for
 *   people assembling their own pipeline;
 * - `@leitung/audio/testing`: in-memory transports and a simulated lossy network;
 * - `@leitung/audio/analysis`: the E-model, wire-size model and signal measurements.
 */
export {
  FRAME_MS,
  FRAME_SAMPLES,
  MAX_PLAYOUT_SAMPLES,
  MIN_PLAYOUT_SAMPLES,
  SAMPLE_RATE,
  SAMPLES_PER_MS,
} from './audio-format.js';
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
export { AUDIO_ERROR_CODES, AudioError, AudioErrorCode, isAudioError } from './errors.js';
export type { FrameTransport, MediaFrame } from './frame-transport.js';
export {
  createSilenceSource,
  createSweepSource,
  createToneSource,
  type SweepOptions,
  type ToneOptions,
} from './generators.js';
export type { OpusBackend } from './opus-backend.js';
export { createOpusCodec, OPUS_DEFAULTS, type OpusCodecOptions } from './opus-codec.js';
export { instantiateOpusWasm, type OpusWasmSource, opusWasmSimdSupported } from './opus-wasm.js';
export { createPcm16Codec } from './pcm16-codec.js';
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
export { decodeWav, encodeWav, type WavFormat } from './wav.js';
