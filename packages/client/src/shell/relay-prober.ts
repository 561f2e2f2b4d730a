/**
 * RTT and load probing of a relay (docs/design.md §6) with TCP as the default transport: the PING/PONG
 * exchange itself is probe-exchange.ts, which the browser entry uses without this TCP default.
 */
import type { ProbeResult } from '../relays/probe-result.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { ClientTransport } from '../transport/client-transport.js';
import { tcpUdpTransport } from '../transport/tcp-udp-transport.js';
import { probeOver } from './probe-exchange.js';

export type { ProbeResult, RelayProbe } from '../relays/probe-result.js';

/**
 * Probes `entry` over `transport` (default TCP); rejects with CLIENT_ERR_TIMEOUT,
 * CLIENT_ERR_CONNECTION_CLOSED or CLIENT_ERR_PROTOCOL.
 */
export function probeRelay(
  entry: RelayEntry,
  timeoutMs: number,
  random: (n: number) => Uint8Array,
  transport: ClientTransport = tcpUdpTransport,
): Promise<ProbeResult> {
  return probeOver(entry, timeoutMs, random, transport);
}
