/**
 * One clock for everything the program measures: wall-clock milliseconds with sub-millisecond
 * resolution (performance.timeOrigin + performance.now()). Two processes on one machine read the same
 * wall clock, which is what lets the demo subtract the caller's dial time from the callee's first-frame
 * time, and the sender's first-sample time from the receiver's.
 */
import type { StreamClock } from '@leitung/audio';

export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** The audio streams' pacing clock on the same scale as {@link wallClock}. */
export const WALL_STREAM_CLOCK: StreamClock = {
  now: wallClock,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
