/**
 * The relay's load figures: exact for the operator's metrics, coarse in PONG (docs/protocol.md §4.6,
 * docs/relay.md "Metadata the relay reveals").
 */

/** The relay's load figures (exact from `RelayCore.load`, coarse in PONG: docs/protocol.md §4.6). */
export interface RelayLoadFigures {
  readonly clients: number;
  readonly calls: number;
  readonly packetsPerSecond: number;
  readonly capacity: number;
}

/** PONG's load granularity in percent (docs/protocol.md §4.6). */
export const LOAD_STEP_PERCENT = 5;

/**
 * What PONG reports: no client or call count, only the media load as a percentage rounded down to a
 * multiple of {@link LOAD_STEP_PERCENT} (`packetsPerSecond` = that percentage, `capacity` = 100) — enough for
 * relay selection's 80 % rule, too coarse to watch one client come and go or one call start.
 */
export function coarseLoad(exact: RelayLoadFigures): RelayLoadFigures {
  const percent = exact.capacity === 0 ? 100 : (exact.packetsPerSecond / exact.capacity) * 100;
  const bucket = Math.min(255, Math.floor(percent / LOAD_STEP_PERCENT) * LOAD_STEP_PERCENT);
  return { clients: 0, calls: 0, packetsPerSecond: bucket, capacity: 100 };
}
