/**
 * The core's counters (docs/relay.md "Metrics"): plain numbers, so the core needs no metrics library; the
 * shell copies them into Prometheus series when scraped.
 */

/** Plain counters the metrics read (cheap to keep; no library in the core). */
export interface RelayCoreStats {
  connectionsAccepted: number;
  framesReceived: number;
  handshakesCompleted: number;
  registrations: number;
  logins: number;
  callsRequested: number;
  /** Rejections by code (every ERROR the relay sent and every refused connection). */
  readonly refusals: Map<string, number>;
}

export function emptyRelayCoreStats(): RelayCoreStats {
  return {
    connectionsAccepted: 0,
    framesReceived: 0,
    handshakesCompleted: 0,
    registrations: 0,
    logins: 0,
    callsRequested: 0,
    refusals: new Map(),
  };
}

export function countRefusal(stats: RelayCoreStats, code: string): void {
  stats.refusals.set(code, (stats.refusals.get(code) ?? 0) + 1);
}
