/**
 * What the page's main thread and its AudioWorklet processors (worklet.ts) agree on: processor names and
 * frame sizes. The AudioContext runs at 48 kHz, the rate of every frame in @leitung/audio
 * (docs/design.md §8), so a frame is 960 samples on both sides and nothing is resampled in the page.
 */
export const CONTEXT_SAMPLE_RATE = 48_000;
/** 20 ms at 48 kHz. */
export const FRAME_SAMPLES = 960;
export const CAPTURE_PROCESSOR = 'leitung-capture';
export const PLAYBACK_PROCESSOR = 'leitung-playback';
/**
 * Frames the player collects before it starts: 40 ms against timer jitter (30–50 ms while the receiver
 * resizes frames to 15–25 ms). Each time it runs dry the pre-buffer grows by a frame (playout-queue.ts).
 */
export const PLAYBACK_PREBUFFER_FRAMES = 2;
/** The largest pre-buffer after the player ran dry (120 ms): a main thread held up that long is rare. */
export const PLAYBACK_MAX_PREBUFFER_FRAMES = 6;
/** Frames that may wait in the player; older ones are dropped (200 ms). */
export const PLAYBACK_MAX_FRAMES = 10;
/** Audio played without running dry after which the pre-buffer shrinks by a frame again (2 s). */
export const PLAYBACK_RELAX_SAMPLES = 2 * CONTEXT_SAMPLE_RATE;
/** Posted to the player when a call's audio begins: it forgets the last call's queue and pre-buffer. */
export const PLAYBACK_RESET = 'reset';
/** What the player posts to the main thread each time it ran dry. */
export interface PlaybackReport {
  readonly underruns: number;
  readonly dropped: number;
  readonly targetFrames: number;
}
