/**
 * Every open control connection and the counts the connection caps are checked against
 * (docs/relay.md "Limits and their defaults", "Handshake slots"): connections by id, the handshake slots
 * (connections before WELCOME, oldest first), the established connection of each client, and per address
 * (IPv4 /32, IPv6 /64) the connections and handshake slots it holds. The table decides nothing about
 * refusals; it answers whether a cap is reached and whom fair eviction would pick.
 */
import type { RelayLimits } from '../limits.js';
import type { Connection } from './connection.js';
import type { ConnectionId } from './outputs.js';

type ConnectionCaps = Pick<
  RelayLimits,
  'maxConnectionsPerIp' | 'maxUnauthenticatedPerIp' | 'maxUnauthenticated' | 'maxClients'
>;

interface AddressCount {
  total: number;
  unauthenticated: number;
}

export class ConnectionTable {
  readonly #caps: ConnectionCaps;
  readonly #connections = new Map<ConnectionId, Connection>();
  /** Connections before WELCOME, oldest first (Map keeps insertion order). */
  readonly #unauthenticated = new Map<ConnectionId, Connection>();
  readonly #established = new Map<string, Connection>();
  readonly #perAddress = new Map<string, AddressCount>();

  constructor(caps: ConnectionCaps) {
    this.#caps = caps;
  }

  /** Open control connections. */
  get size(): number {
    return this.#connections.size;
  }

  /** Connections that have not finished the handshake. */
  get unauthenticatedCount(): number {
    return this.#unauthenticated.size;
  }

  /** Clients with an established channel. */
  get clientCount(): number {
    return this.#established.size;
  }

  get(connId: ConnectionId): Connection | undefined {
    return this.#connections.get(connId);
  }

  /** A snapshot of every connection, safe to iterate while connections are closed. */
  all(): Connection[] {
    return [...this.#connections.values()];
  }

  /** The established connection of a client, if it is connected here. */
  established(clientId: string): Connection | undefined {
    return this.#established.get(clientId);
  }

  hasClient(clientId: string): boolean {
    return this.#established.has(clientId);
  }

  /** Established connections by client id. */
  clients(): IterableIterator<[string, Connection]> {
    return this.#established.entries();
  }

  /** Whether the address of `addressKey` holds its share of connections or of handshake slots. */
  addressFull(addressKey: string): boolean {
    const count = this.#perAddress.get(addressKey) ?? { total: 0, unauthenticated: 0 };
    return (
      count.total >= this.#caps.maxConnectionsPerIp ||
      count.unauthenticated >= this.#caps.maxUnauthenticatedPerIp
    );
  }

  /** Whether every handshake slot of the relay is taken. */
  handshakesFull(): boolean {
    return this.#unauthenticated.size >= this.#caps.maxUnauthenticated;
  }

  /** Whether WELCOME for `clientId` would exceed `maxClients` (a client already here replaces itself). */
  clientsFull(clientId: string): boolean {
    return this.#established.size >= this.#caps.maxClients && !this.#established.has(clientId);
  }

  /**
   * Whom a newcomer may displace when the handshake slots are full (docs/relay.md "Handshake slots"): only
   * a connection that has progressed no further than itself — one still waiting for its REGISTER — taken
   * from the address that holds the most handshake slots (the oldest of that address). A connection that
   * has been sent CHALLENGE is never evicted; it keeps its handshake timeout. Undefined when nothing may be.
   */
  evictionCandidate(): Connection | undefined {
    let victim: Connection | undefined;
    let victimSlots = 0;
    for (const candidate of this.#unauthenticated.values()) {
      if (candidate.phase.kind !== 'awaiting-register') continue;
      const held = this.#perAddress.get(candidate.addressKey)?.unauthenticated ?? 0;
      // Oldest first (insertion order): a later connection only wins with strictly more slots.
      if (held > victimSlots) {
        victim = candidate;
        victimSlots = held;
      }
    }
    return victim;
  }

  /** Admits a new connection: it takes a handshake slot until it is established or gone. */
  add(connection: Connection): void {
    const count = this.#perAddress.get(connection.addressKey) ?? { total: 0, unauthenticated: 0 };
    count.total++;
    count.unauthenticated++;
    this.#perAddress.set(connection.addressKey, count);
    this.#connections.set(connection.id, connection);
    this.#unauthenticated.set(connection.id, connection);
  }

  /** The connection finished its handshake as `clientId`: its handshake slot is free again. */
  establish(connection: Connection, clientId: string): void {
    this.#unauthenticated.delete(connection.id);
    const count = this.#perAddress.get(connection.addressKey);
    if (count !== undefined) count.unauthenticated--;
    this.#established.set(clientId, connection);
  }

  /**
   * Removes a connection. `clientId` is the client it was established as, if any; true when it still held
   * that client (a connection replaced by a newer login of the same identity no longer does).
   */
  remove(connection: Connection, clientId: string | undefined): boolean {
    this.#connections.delete(connection.id);
    const wasUnauthenticated = this.#unauthenticated.delete(connection.id);
    const count = this.#perAddress.get(connection.addressKey);
    if (count !== undefined) {
      count.total--;
      if (wasUnauthenticated) count.unauthenticated--;
      if (count.total <= 0) this.#perAddress.delete(connection.addressKey);
    }
    if (clientId === undefined || this.#established.get(clientId) !== connection) return false;
    this.#established.delete(clientId);
    return true;
  }
}
