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
 * Frames the player collects before it starts (and after it ran dry): 40 ms against timer jitter (30–50 ms
 * while the receiver resizes frames to 15–25 ms).
 */
export const PLAYBACK_PREBUFFER_FRAMES = 2;
/** Frames that may wait in the player; older ones are dropped (200 ms). */
export const PLAYBACK_MAX_FRAMES = 10;
