/** Timeouts of the client core and their defaults (docs/client.md "Defaults"). */
/** Timeouts of the core (milliseconds). */
export interface CoreTiming {
  /** From `connect` to WELCOME. Default 15 000. */
  readonly handshakeTimeoutMs?: number;
  /** A request without answer fails after this. Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Ringing without answer ends the call (both sides). Default 30 000. */
  readonly ringTimeoutMs?: number;
  /** Sealed PING period on a ready connection. Default 5 000. */
  readonly keepaliveIntervalMs?: number;
  /** Consecutive unanswered PINGs after which the connection counts as lost. Default 3. */
  readonly keepaliveMisses?: number;
  /** How long a live call waits for a new relay connection (CALL_RESUME) after losing its relay. Default 30 000. */
  readonly resumeTimeoutMs?: number;
}

export function resolveTiming(t: CoreTiming = {}): Required<CoreTiming> {
  return {
    handshakeTimeoutMs: t.handshakeTimeoutMs ?? 15_000,
    requestTimeoutMs: t.requestTimeoutMs ?? 10_000,
    ringTimeoutMs: t.ringTimeoutMs ?? 30_000,
    keepaliveIntervalMs: t.keepaliveIntervalMs ?? 5_000,
    keepaliveMisses: t.keepaliveMisses ?? 3,
    resumeTimeoutMs: t.resumeTimeoutMs ?? 30_000,
  };
}
