/**
 * @packageDocumentation
 * `@leitung/audio/node` — the Node-only parts of @leitung/audio: WAV files, system audio devices through
 * `arecord`/`aplay`/`sox` child processes, and the Opus backend that loads @evan/opus's native addon
 * and wasm build from disk.
 */
export {
  availableAudioTools,
  type CaptureTool,
  type DeviceOptions,
  findExecutable,
  openCaptureDevice,
  openPlaybackDevice,
  type PlaybackTool,
  type ProcessHandle,
  type ProcessSink,
  type ProcessSource,
  type SpawnOptions,
  spawnPcmSink,
  spawnPcmSource,
} from './device.js';
export {
  type LoadOpusOptions,
  loadOpusBackend,
  loadOpusWasmBackend,
  type OpusEncoderBuild,
  opusWasmPath,
} from './opus-native.js';
export { createWavFileSink, openWavFileSource, type WavFileSink, type WavFileSource } from './wav-file.js';
