/**
 * Signalling: which client is online, and delivering a control message to the connection that holds a
 * client (docs/design.md §6). The core talks only to this interface, so a cluster backend (presence and
 * delivery through Redis, docs/operations.md "Relay cluster") can route a message to a client held by
 * another relay without touching the core. {@link LocalSignalling} is the single-relay implementation: everything is in this process.
 */
import type { ControlMessage } from '@leitung/wire';

/** Hands a message to a locally held client's sealed channel. */
export type LocalDelivery = (message: ControlMessage) => void;

/**
 * Presence and delivery as the {@link RelayCore} sees it (docs/design.md §6): which clients are online, and
 * handing a control message to the connection that holds a client. {@link LocalSignalling} is the single-relay
 * implementation; `RedisSignalling` (`@leitung/relay/cluster`) reaches clients held by other relays.
 */
export interface Signalling {
  /** A client finished its handshake on this relay; `deliver` seals onto its connection. */
  attach(clientId: string, deliver: LocalDelivery): void;
  /** The client's connection on this relay is gone. */
  detach(clientId: string, deliver: LocalDelivery): void;
  /** Whether the client is online (anywhere the backend knows of). */
  isOnline(clientId: string): boolean;
  /** Delivers `message` to the client; false when it is not online. */
  deliver(clientId: string, message: ControlMessage): boolean;
  /** Delivers `message` to every online client except `except`. */
  broadcast(message: ControlMessage, except?: string): void;
  /** Number of online clients. */
  readonly onlineCount: number;
}

/**
 * The {@link Signalling} of a single relay: every client is held in this process; the default of `RelayCore`
 * and `startRelay`.
 */
export class LocalSignalling implements Signalling {
  readonly #clients = new Map<string, LocalDelivery>();

  get onlineCount(): number {
    return this.#clients.size;
  }

  attach(clientId: string, deliver: LocalDelivery): void {
    this.#clients.set(clientId, deliver);
  }

  detach(clientId: string, deliver: LocalDelivery): void {
    // Only the connection that holds the client may detach it (a replaced connection must not).
    if (this.#clients.get(clientId) === deliver) this.#clients.delete(clientId);
  }

  isOnline(clientId: string): boolean {
    return this.#clients.has(clientId);
  }

  deliver(clientId: string, message: ControlMessage): boolean {
    const deliver = this.#clients.get(clientId);
    if (deliver === undefined) return false;
    deliver(message);
    return true;
  }

  broadcast(message: ControlMessage, except?: string): void {
    for (const [clientId, deliver] of this.#clients) if (clientId !== except) deliver(message);
  }
}
