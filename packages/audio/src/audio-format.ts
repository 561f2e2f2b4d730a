/**
 * The one internal audio format (docs/design.md §8): 48 kHz, mono, signed 16-bit, 20 ms frames. Sources and
 * sinks at other rates or channel counts convert at the edges.
 */
import { AudioError } from './errors.js';

/**
 * Sample rate of all PCM inside the package, in Hz: 48 kHz, Opus's native rate (docs/design.md §8). Sources and
 * sinks at other rates convert at the edges.
 */
export const SAMPLE_RATE = 48_000;
/** Length of one frame, in ms: every encoder, decoder, source, sink and transport frame carries 20 ms. */
export const FRAME_MS = 20;
/**
 * Samples in one 20 ms frame at 48 kHz mono (960): the length of every `Int16Array` a source yields, a sink
 * takes and a codec encodes or decodes.
 */
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
/** Media timestamps count samples of the 48 kHz clock, as RTP does for Opus (RFC 7587 §4.1). */
export const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

/** Throws AUDIO_ERR_INVALID_FRAME unless `pcm` is an Int16Array of exactly one frame. */
export function assertFrame(pcm: unknown): asserts pcm is Int16Array {
  if (!(pcm instanceof Int16Array)) {
    throw new AudioError('AUDIO_ERR_INVALID_FRAME', 'a frame must be an Int16Array');
  }
  if (pcm.length !== FRAME_SAMPLES) {
    throw new AudioError(
      'AUDIO_ERR_INVALID_FRAME',
      `a frame holds ${FRAME_SAMPLES} samples (20 ms at 48 kHz), got ${pcm.length}`,
    );
  }
}

/**
 * Fewest samples in a frame of playout (15 ms): an `AudioReceiver` with `variableFrames` shortens a frame by up
 * to a quarter while its jitter buffer shrinks its delay, so sinks take 15–25 ms (packages/audio/README.md,
 * "Jitter buffer").
 */
export const MIN_PLAYOUT_SAMPLES = (FRAME_SAMPLES * 3) / 4;
/** Most samples in a frame of playout (25 ms): a frame lengthened by a quarter while the delay grows. */
export const MAX_PLAYOUT_SAMPLES = (FRAME_SAMPLES * 5) / 4;

/**
 * Throws AUDIO_ERR_INVALID_FRAME unless `pcm` is an Int16Array of one frame of playout: what a sink takes,
 * {@link MIN_PLAYOUT_SAMPLES}–{@link MAX_PLAYOUT_SAMPLES} samples (20 ms, or 15–25 ms while a receiver with
 * `variableFrames` moves its delay).
 */
export function assertPlayoutFrame(pcm: unknown): asserts pcm is Int16Array {
  if (!(pcm instanceof Int16Array)) {
    throw new AudioError('AUDIO_ERR_INVALID_FRAME', 'a frame must be an Int16Array');
  }
  if (pcm.length < MIN_PLAYOUT_SAMPLES || pcm.length > MAX_PLAYOUT_SAMPLES) {
    throw new AudioError(
      'AUDIO_ERR_INVALID_FRAME',
      `a frame of playout holds ${MIN_PLAYOUT_SAMPLES}–${MAX_PLAYOUT_SAMPLES} samples (15–25 ms at 48 kHz), got ${pcm.length}`,
    );
  }
}

/** Clamps and rounds a float sample to signed 16-bit. */
export function toInt16(x: number): number {
  const r = Math.round(x);
  return Math.min(32767, Math.max(r, -32768));
}
