/**
 * The relay-list entry both ends share (docs/protocol.md, docs/operations.md "Pinning: the relay-list
 * entry"): a relay writes it about itself, a client pins the relay by it. One definition here, one layer
 * below both, so the relay and the client name the same thing the same way.
 */

/**
 * One relay of a relay list (what `leitung-relay --info-out` writes): where it listens and the fingerprint
 * of its key. A client refuses a relay whose key does not match the fingerprint — no trust on first use
 * (docs/design.md §2).
 */
export interface RelayEntry {
  /** Host name or IP address of the relay's control (TCP) and media (UDP) ports. */
  readonly host: string;
  /** TCP port of the control channel. */
  readonly port: number;
  /** UDP port of the media forwarder. */
  readonly mediaPort: number;
  /**
   * Base URL of the relay's WebSocket listener (`ws://…` or `wss://…`), when it has one: clients that
   * cannot use TCP and UDP (browsers) open `<webSocket>/control` and `<webSocket>/media` instead of `port`
   * and `mediaPort` (docs/protocol.md "WebSocket transport").
   */
  readonly webSocket?: string;
  /** Hex SHA3-256 of the relay key's SPKI DER (64 hex digits). */
  readonly fingerprint: string;
  /**
   * Relay cluster: hex id of the cluster's shared directory log (64 hex digits). The relays of a cluster
   * sign with their own keys but name this one log; a client checks every head it sees from any of them
   * against the last one it accepted for this log (docs/client.md "Relay cluster"). Absent for a single
   * relay: the log id is then the relay's fingerprint.
   */
  readonly logId?: string;
}
