/**
 * Every error @leitung/audio throws is an {@link AudioError} with a stable `code` (docs/errors.md).
 * Callers branch on `code`, never on the message text.
 */
export const AUDIO_ERROR_CODES = [
  'AUDIO_ERR_INVALID_ARGUMENT',
  'AUDIO_ERR_INVALID_FRAME',
  'AUDIO_ERR_INVALID_PAYLOAD',
  'AUDIO_ERR_UNKNOWN_CODEC',
  'AUDIO_ERR_CODEC_FAILURE',
  'AUDIO_ERR_CODEC_UNAVAILABLE',
  'AUDIO_ERR_PACKET_TOO_LARGE',
  'AUDIO_ERR_CLOSED',
  'AUDIO_ERR_WAV_FORMAT',
  'AUDIO_ERR_FILE',
  'AUDIO_ERR_DEVICE_UNAVAILABLE',
  'AUDIO_ERR_DEVICE_FAILED',
] as const;

export type AudioErrorCode = (typeof AUDIO_ERROR_CODES)[number];

export class AudioError extends Error {
  readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioError';
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
