/**
 * Every error @leitung/audio throws is an {@link AudioError} with a stable `code` (docs/errors.md).
 * Callers branch on `code`, never on the message text.
 */
export const AudioErrorCode = {
  /** An option or argument is out of range (codec settings, jitter-buffer bounds, a non-finite `now`, …). */
  InvalidArgument: 'AUDIO_ERR_INVALID_ARGUMENT',
  /** A PCM frame is not an `Int16Array` of 960 samples (20 ms at 48 kHz). */
  InvalidFrame: 'AUDIO_ERR_INVALID_FRAME',
  /** A transport payload is not one codec id byte plus 1–4000 codec bytes. */
  InvalidPayload: 'AUDIO_ERR_INVALID_PAYLOAD',
  /** A codec id this build does not know (1 = PCM16, 2 = Opus). */
  UnknownCodec: 'AUDIO_ERR_UNKNOWN_CODEC',
  /** libopus rejected a packet or frame, or a PCM16 payload has the wrong size. */
  CodecFailure: 'AUDIO_ERR_CODEC_FAILURE',
  /** The Opus build cannot be loaded (no WebAssembly, wrong bytes, missing files, no native addon). */
  CodecUnavailable: 'AUDIO_ERR_CODEC_UNAVAILABLE',
  /** A codec's frames need media packets larger than the relay forwards (docs/session-protocol.md §4.5). */
  PacketTooLarge: 'AUDIO_ERR_PACKET_TOO_LARGE',
  /** Use after `close`, or a stream run twice. */
  Closed: 'AUDIO_ERR_CLOSED',
  /** A file is not RIFF/WAVE 16-bit integer PCM, has no `data` chunk, or would exceed 4 GiB. */
  WavFormat: 'AUDIO_ERR_WAV_FORMAT',
  /** A file cannot be opened, read, written or renamed (the OS code is in the message). */
  File: 'AUDIO_ERR_FILE',
  /** No device tool (`arecord`/`aplay`/`sox`) is installed, or it cannot be started. */
  DeviceUnavailable: 'AUDIO_ERR_DEVICE_UNAVAILABLE',
  /** A device tool started and then failed (no sound card, device busy), or a source/sink threw. */
  DeviceFailed: 'AUDIO_ERR_DEVICE_FAILED',
} as const;

/** Every code this package raises. */
export type AudioErrorCode = (typeof AudioErrorCode)[keyof typeof AudioErrorCode];

/** Every code this package raises, as a list (docs/errors.md "@leitung/audio" describes each one). */
export const AUDIO_ERROR_CODES: readonly AudioErrorCode[] = Object.values(AudioErrorCode);

/** Base class of every error @leitung/audio throws; `code` is stable, the message is for people. */
export class AudioError extends Error {
  readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is an {@link AudioError}, optionally with the given code. */
export function isAudioError(err: unknown, code?: AudioErrorCode): err is AudioError {
  return err instanceof AudioError && (code === undefined || err.code === code);
}

/** `cause` itself when it is an AudioError, else AUDIO_ERR_DEVICE_FAILED wrapping it (stream shells report, never throw). */
export function asDeviceFailure(cause: unknown, message: string): AudioError {
  return cause instanceof AudioError ? cause : new AudioError('AUDIO_ERR_DEVICE_FAILED', message, { cause });
}
