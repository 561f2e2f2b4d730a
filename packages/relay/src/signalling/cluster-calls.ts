/**
 * What the call router needs from a relay cluster (docs/operations.md "Relay cluster", docs/design.md §6):
 * every relay keeps a replica of the cluster's call table (which relay carries each call and who its
 * parties are, kept current through Redis pub/sub), so the synchronous core can route a CALL_RESPONSE /
 * CALL_END to the relay that carries the call, refuse a callee that is busy on another relay, and let a
 * surviving relay take over a call whose relay died (CALL_RESUME). A single relay has none of this.
 */
import type { CallEnd, CallResponse, CallResume } from '@leitung/wire';

/** The call messages a relay forwards, for an authenticated client it holds, to the relay of the call. */
export type ForwardedCallMessage = CallResponse | CallEnd | CallResume;

/** One call as the cluster's call table knows it. */
export interface ClusterCall {
  /** Hex call id. */
  readonly key: string;
  /** Hex client ids. */
  readonly caller: string;
  readonly callee: string;
  /** Hex fingerprint of the relay that carries the call (its state and media session). */
  readonly relay: string;
}

/** The party a forwarded message comes from (authenticated by the relay that holds it). */
export interface ForwardingParty {
  readonly clientId: string;
  readonly clientIdBytes: Uint8Array;
  readonly name: string;
}

/**
 * The call table a relay cluster shares (docs/operations.md "Relay cluster"), as the {@link RelayCore} uses it:
 * which relay carries each call, forwarding a party's call messages to that relay, and finding a call to resume
 * after its relay died. `RedisSignalling` (`@leitung/relay/cluster`) implements it; a single relay has none.
 */
export interface ClusterCalls {
  /** This relay's fingerprint (hex); MEDIA_GRANT `mediaRelay` carries it as 32 bytes. */
  readonly relayId: string;
  /** A call started or moved to this relay: publish it to the cluster's call table. */
  announce(call: ClusterCall): void;
  /** The call ended on this relay. */
  retire(callKey: string): void;
  /** The call with this id anywhere in the cluster. */
  lookup(callKey: string): ClusterCall | undefined;
  /** The call carried by another relay that the client is in, if any. */
  remoteCallOf(clientId: string): ClusterCall | undefined;
  /** Whether `clientId` is connected to this relay. */
  isLocal(clientId: string): boolean;
  /**
   * The relay the client was connected to before its current connection (hex fingerprint), if known:
   * a client that resumes a call carried by that relay lost it (the relay died).
   */
  previousRelayOf(clientId: string): string | undefined;
  /** Sends `message` of `from` to the relay `relayId` (it carries the call). False when it cannot. */
  forward(relayId: string, from: ForwardingParty, message: ForwardedCallMessage): boolean;
}
