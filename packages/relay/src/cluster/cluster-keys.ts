/**
 * Redis key and channel names of one relay cluster (docs/operations.md "Relay cluster"). Every name
 * starts with `leitung:<cluster id>:`, so several clusters can share one Redis.
 */
export interface ClusterKeys {
  /** List of directory entries (JSON), index = position: the order every replica applies. */
  readonly log: string;
  /** Hash: name uniqueness key → index. */
  readonly names: string;
  /** Hash: hex client id → index. */
  readonly ids: string;
  /** Hash: UTS #39 skeleton of a bound name → its name uniqueness key (confusable names, docs/key-transparency.md). */
  readonly skeletons: string;
  /** Channel: the index of each appended entry. */
  readonly logChannel: string;
  /** Set of relay ids (hex fingerprints) that joined. */
  readonly relays: string;
  /**
   * Hash: relay id → base64 SPKI of its key, written by each relay when it joins. Untrusted: a key is used
   * only when its fingerprint is the id and a configured member (cluster-members.ts).
   */
  readonly relayKeys: string;
  /** Key with a short TTL, refreshed by the relay's heartbeat: the relay is alive. */
  alive(relayId: string): string;
  /** Set of the client ids the relay holds (same TTL as `alive`). */
  clients(relayId: string): string;
  /** Channel: presence changes (JSON). */
  readonly presenceChannel: string;
  /** Hash: hex call id → JSON of the call (the cluster's call table). */
  readonly calls: string;
  /** Channel: call table changes (JSON). */
  readonly callsChannel: string;
  /** Channel: phonebook deltas and other broadcasts (binary). */
  readonly broadcastChannel: string;
  /** Channel: messages for clients the relay holds, and forwarded call messages (binary). */
  inbox(relayId: string): string;
}

/** The Redis key and channel names of the cluster `clusterId` (every name prefixed `leitung:<clusterId>:`). */
export function clusterKeys(clusterId: string): ClusterKeys {
  const p = `leitung:${clusterId}:`;
  return {
    log: `${p}log`,
    names: `${p}names`,
    ids: `${p}ids`,
    skeletons: `${p}skeletons`,
    logChannel: `${p}log-appended`,
    relays: `${p}relays`,
    relayKeys: `${p}relay-keys`,
    alive: (relayId) => `${p}relay:${relayId}:alive`,
    clients: (relayId) => `${p}relay:${relayId}:clients`,
    presenceChannel: `${p}presence`,
    calls: `${p}calls`,
    callsChannel: `${p}calls-changed`,
    broadcastChannel: `${p}broadcast`,
    inbox: (relayId) => `${p}inbox:${relayId}`,
  };
}
