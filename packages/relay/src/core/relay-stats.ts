/**
 * The plain counters the metrics endpoint reads (docs/relay.md "Metrics"). Kept as numbers in the core so
 * the core needs no metrics library; the shell turns them into Prometheus series.
 */

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
