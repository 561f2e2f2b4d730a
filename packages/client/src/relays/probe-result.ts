/**
 * What probing a relay yields (docs/client.md "Relays: choice, failover, resume"): its round-trip time and
 * the load from its PONG. Types only, shared by the relay policy core and the prober that owns the socket.
 */
import type { RelayLoad } from '@leitung/wire';
import type { RelayEntry } from './relay-entry.js';

/** What probing one relay measured: its round-trip time and the load it reported in its PONG. */
export interface ProbeResult {
  /** Round-trip time of PING → PONG in ms (the prober's clock). */
  readonly rttMs: number;
  /** The relay's coarse load (percentage of `capacity` 100 in steps of 5; never client or call counts). */
  readonly load: RelayLoad;
}

/** Probes one relay; rejects when it cannot be reached or does not answer within `timeoutMs`. */
export type RelayProbe = (entry: RelayEntry, timeoutMs: number) => Promise<ProbeResult>;
