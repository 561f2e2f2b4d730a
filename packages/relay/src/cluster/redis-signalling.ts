/**
 * Presence and delivery for a relay cluster (docs/operations.md "Relay cluster", decision 3), and the
 * replica of the cluster's call table (decision 4). Everything the synchronous core asks is answered
 * from in-memory maps kept current by Redis pub/sub: which client is held by which relay, which calls
 * exist and which relay carries each. Writes go out through `publish` (fire and forget); the
 * {@link ClusterNode} feeds what arrives back in (`onPresence`, `onCallChange`, `relayDead`).
 *
 * A message for a client held by another relay is published, encoded, on that relay's inbox channel;
 * that relay seals it onto the client's channel. What arrives from Redis is schema-checked by the
 * {@link ClusterNode} before it gets here (docs/operations.md "Trust model"); clients still check
 * everything end to end (docs/design.md §4, §5).
 */
import { type ControlMessage, encodeMessage } from '@leitung/wire';
import type {
  ClusterCall,
  ClusterCalls,
  ForwardedCallMessage,
  ForwardingParty,
} from '../signalling/cluster-calls.js';
import type { LocalDelivery, Signalling } from '../signalling/signalling.js';

/** Inbox frame kinds (first byte). */
export const INBOX_DELIVER = 1;
export const INBOX_FORWARD = 2;

/**
 * Where {@link RedisSignalling} sends its writes: publishing on a channel, presence, and the call table. The
 * {@link ClusterNode} provides one on its Redis connection.
 */
export interface ClusterPublisher {
  /** Publishes on a channel (fire and forget; failures are logged by the node). */
  publish(channel: string, payload: string | Buffer): void;
  /** Presence writes: the client is held by this relay (true) or no longer (false). */
  presence(clientId: string, online: boolean): void;
  /** The call table in Redis: set (call) or delete (key only). */
  storeCall(key: string, call: ClusterCall | undefined): void;
}

/**
 * What a {@link RedisSignalling} needs: this relay's id, the channel names (inbox per relay, broadcast, calls)
 * and the publisher its writes go through.
 */
export interface RedisSignallingOptions {
  readonly relayId: string;
  readonly inbox: (relayId: string) => string;
  readonly broadcastChannel: string;
  readonly callsChannel: string;
  readonly publisher: ClusterPublisher;
}

/**
 * {@link Signalling} and {@link ClusterCalls} for a relay cluster: answers the core from in-memory maps of who
 * is held by which relay and which relay carries each call, kept current from Redis pub/sub by the {@link
 * ClusterNode}; a message for a client of another relay goes to that relay's inbox channel.
 */
export class RedisSignalling implements Signalling, ClusterCalls {
  readonly relayId: string;
  readonly #options: RedisSignallingOptions;
  readonly #local = new Map<string, LocalDelivery>();
  /** Clients held by other live relays → relay id. */
  readonly #remote = new Map<string, string>();
  /** The last relay each client was seen on (kept after that relay dies: CALL_RESUME needs it). */
  readonly #lastRelay = new Map<string, string>();
  /** For clients of this relay: the relay they were on before they connected here. */
  readonly #previous = new Map<string, string>();
  readonly #calls = new Map<string, ClusterCall>();
  readonly #callByClient = new Map<string, string>();
  readonly #deadRelays = new Set<string>();

  constructor(options: RedisSignallingOptions) {
    this.relayId = options.relayId;
    this.#options = options;
  }

  get onlineCount(): number {
    return this.#local.size + this.#remote.size;
  }

  /** Clients held by this relay. */
  get localCount(): number {
    return this.#local.size;
  }

  // ---- Signalling ----

  attach(clientId: string, deliver: LocalDelivery): void {
    const before = this.#lastRelay.get(clientId);
    if (before !== undefined && before !== this.relayId) this.#previous.set(clientId, before);
    this.#local.set(clientId, deliver);
    this.#remote.delete(clientId);
    this.#lastRelay.set(clientId, this.relayId);
    this.#options.publisher.presence(clientId, true);
  }

  detach(clientId: string, deliver: LocalDelivery): void {
    if (this.#local.get(clientId) !== deliver) return;
    this.#local.delete(clientId);
    this.#options.publisher.presence(clientId, false);
  }

  isOnline(clientId: string): boolean {
    return this.#local.has(clientId) || this.#remote.has(clientId);
  }

  deliver(clientId: string, message: ControlMessage): boolean {
    const local = this.#local.get(clientId);
    if (local !== undefined) {
      local(message);
      return true;
    }
    const relay = this.#remote.get(clientId);
    if (relay === undefined) return false;
    const frame = Buffer.concat([
      Buffer.from([INBOX_DELIVER]),
      Buffer.from(clientId, 'hex'),
      encodeMessage(message),
    ]);
    this.#options.publisher.publish(this.#options.inbox(relay), frame);
    return true;
  }

  broadcast(message: ControlMessage, except?: string): void {
    this.deliverLocally(message, except);
    const header = Buffer.alloc(64);
    Buffer.from(this.relayId, 'hex').copy(header, 0);
    if (except !== undefined) Buffer.from(except, 'hex').copy(header, 32);
    this.#options.publisher.publish(
      this.#options.broadcastChannel,
      Buffer.concat([header, encodeMessage(message)]),
    );
  }

  /** Delivers to every client of this relay except `except` (broadcasts from other relays end here). */
  deliverLocally(message: ControlMessage, except?: string): void {
    for (const [clientId, deliver] of this.#local) if (clientId !== except) deliver(message);
  }

  // ---- ClusterCalls ----

  announce(call: ClusterCall): void {
    this.#setCall(call);
    this.#options.publisher.storeCall(call.key, call);
    this.#options.publisher.publish(this.#options.callsChannel, JSON.stringify({ op: 'set', call }));
  }

  retire(callKey: string): void {
    const call = this.#calls.get(callKey);
    if (call === undefined || call.relay !== this.relayId) return;
    this.#deleteCall(callKey);
    this.#options.publisher.storeCall(callKey, undefined);
    this.#options.publisher.publish(
      this.#options.callsChannel,
      JSON.stringify({ op: 'delete', key: callKey }),
    );
  }

  lookup(callKey: string): ClusterCall | undefined {
    return this.#calls.get(callKey);
  }

  remoteCallOf(clientId: string): ClusterCall | undefined {
    const key = this.#callByClient.get(clientId);
    const call = key === undefined ? undefined : this.#calls.get(key);
    // A call of a dead relay is not "busy": only CALL_RESUME (lookup) still finds it.
    if (call === undefined || call.relay === this.relayId || this.#deadRelays.has(call.relay))
      return undefined;
    return call;
  }

  isLocal(clientId: string): boolean {
    return this.#local.has(clientId);
  }

  previousRelayOf(clientId: string): string | undefined {
    return this.#previous.get(clientId);
  }

  forward(relayId: string, from: ForwardingParty, message: ForwardedCallMessage): boolean {
    if (relayId === this.relayId || this.#deadRelays.has(relayId)) return false;
    const name = Buffer.from(from.name, 'utf8');
    const frame = Buffer.concat([
      Buffer.from([INBOX_FORWARD]),
      Buffer.from(from.clientIdBytes),
      Buffer.from([name.length]),
      name,
      encodeMessage(message),
    ]);
    this.#options.publisher.publish(this.#options.inbox(relayId), frame);
    return true;
  }

  // ---- inputs from the cluster (ClusterNode) ----

  /** A presence change published by another relay. */
  onPresence(relayId: string, clientId: string, online: boolean): void {
    if (relayId === this.relayId) return;
    if (online) {
      this.#deadRelays.delete(relayId);
      this.#lastRelay.set(clientId, relayId);
      if (!this.#local.has(clientId)) this.#remote.set(clientId, relayId);
    } else if (this.#remote.get(clientId) === relayId) {
      this.#remote.delete(clientId);
    }
  }

  /** A relay's heartbeat expired: its clients are offline. Returns them (for phonebook deltas). */
  relayDead(relayId: string): string[] {
    if (relayId === this.relayId) return [];
    this.#deadRelays.add(relayId);
    const gone: string[] = [];
    for (const [clientId, relay] of this.#remote) {
      if (relay === relayId) {
        this.#remote.delete(clientId);
        gone.push(clientId);
      }
    }
    return gone;
  }

  /** Whether a relay was seen dying (and not seen alive since). */
  isDead(relayId: string): boolean {
    return this.#deadRelays.has(relayId);
  }

  /** Calls carried by `relayId` (to drop them some time after it died). */
  callsOf(relayId: string): string[] {
    return [...this.#calls.values()].filter((c) => c.relay === relayId).map((c) => c.key);
  }

  /** Drops a call of a dead relay that nobody resumed. */
  forgetCall(callKey: string): void {
    const call = this.#calls.get(callKey);
    if (call !== undefined && this.#deadRelays.has(call.relay)) this.#deleteCall(callKey);
  }

  /** A call-table change published by a relay (including this one: ignored then). */
  onCallChange(change: { op: 'set'; call: ClusterCall } | { op: 'delete'; key: string }): void {
    if (change.op === 'set') {
      if (change.call.relay !== this.relayId) this.#setCall(change.call);
      return;
    }
    const call = this.#calls.get(change.key);
    if (call !== undefined && call.relay !== this.relayId) this.#deleteCall(change.key);
  }

  #setCall(call: ClusterCall): void {
    this.#calls.set(call.key, call);
    this.#callByClient.set(call.caller, call.key);
    this.#callByClient.set(call.callee, call.key);
  }

  #deleteCall(key: string): void {
    const call = this.#calls.get(key);
    if (call === undefined) return;
    this.#calls.delete(key);
    if (this.#callByClient.get(call.caller) === key) this.#callByClient.delete(call.caller);
    if (this.#callByClient.get(call.callee) === key) this.#callByClient.delete(call.callee);
  }
}
