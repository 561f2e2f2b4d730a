/**
 * Runs ClientCores against the relay double's core in one process, with a fake clock: every byte passes
 * through the real codecs and ciphers, but there are no sockets or timers, so timeouts are exact and runs
 * are deterministic (docs/architecture.md "Cores and shells").
 */
import type { LeitungCrypto, RsaPrivateKey, X25519PrivateKey } from '@leitung/crypto';
import {
  ClientCore,
  type ClientCoreOptions,
  type CommandResult,
  type CoreEvent,
  type RelayEntry,
} from '../../src/index.js';
import { DoubleDirectory } from './double-directory.js';
import { crypto as baseCrypto } from './fixtures.js';
import { RelayDoubleCore } from './relay-double-core.js';

interface Node {
  readonly core: ClientCore;
  readonly conn: number;
  readonly address: { address: string; port: number };
  readonly events: CoreEvent[];
  readonly results: Map<number, CommandResult>;
  open: boolean;
  persisted: number;
}

/** A crypto object that records the secrets it hands out, to check they are erased later. */
export function trackingCrypto(): {
  crypto: LeitungCrypto;
  ephemerals: X25519PrivateKey[];
  packetKeys: Uint8Array[];
} {
  const ephemerals: X25519PrivateKey[] = [];
  const packetKeys: Uint8Array[] = [];
  const crypto: LeitungCrypto = {
    ...baseCrypto,
    generateX25519KeyPair: () => {
      const pair = baseCrypto.generateX25519KeyPair();
      ephemerals.push(pair.privateKey);
      return pair;
    },
    createPacketCipher: (keyMaterial, options) => {
      packetKeys.push(keyMaterial);
      return baseCrypto.createPacketCipher(keyMaterial, options);
    },
  };
  return { crypto, ephemerals, packetKeys };
}

export class InProcessNetwork {
  now = 1_800_000_000_000;
  readonly relay: RelayDoubleCore;
  readonly entry: RelayEntry;
  readonly #nodes = new Map<number, Node>();
  #nextConn = 1;

  constructor(relayKey: RsaPrivateKey, options: { pageSize?: number; crypto?: LeitungCrypto } = {}) {
    const crypto = options.crypto ?? baseCrypto;
    this.relay = new RelayDoubleCore({
      crypto,
      key: relayKey,
      directory: new DoubleDirectory(crypto, relayKey),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    });
    this.entry = { host: 'relay.test', port: 1, mediaPort: 2, fingerprint: relayKey.publicKey.fingerprint() };
  }

  /** Creates a core, connects and registers it (pumping until quiet). */
  join(options: Omit<ClientCoreOptions, 'crypto'> & { crypto?: LeitungCrypto }): Node {
    const core = new ClientCore({ crypto: baseCrypto, ...options });
    const conn = this.#nextConn++;
    const node: Node = {
      core,
      conn,
      address: { address: `10.0.0.${conn}`, port: 40_000 + conn },
      events: [],
      results: new Map(),
      open: true,
      persisted: 0,
    };
    this.#nodes.set(conn, node);
    this.relay.opened(conn);
    core.connect(this.entry, this.now);
    core.transportOpened(this.now);
    this.pump();
    return node;
  }

  /** Delivers every pending output until nothing moves. */
  pump(): void {
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      for (const node of this.#nodes.values()) {
        for (const out of node.core.takeOutputs()) {
          moved = true;
          switch (out.kind) {
            case 'send':
              if (node.open) this.relay.frame(node.conn, out.payload);
              break;
            case 'close':
              if (node.open) {
                node.open = false;
                this.relay.closed(node.conn);
              }
              break;
            case 'datagram':
              for (const reply of this.relay.datagram(out.data, node.address))
                this.#deliver(reply.to, reply.data);
              break;
            case 'event':
              node.events.push(out.event);
              break;
            case 'persist':
              node.persisted += 1;
              break;
            case 'result':
              node.results.set(out.handle, out.result);
              break;
          }
        }
      }
      for (const out of this.relay.take()) {
        moved = true;
        const node = this.#nodes.get(out.conn);
        if (!node?.open) continue;
        if (out.kind === 'send') node.core.receive(out.payload, this.now);
        else {
          node.open = false;
          this.relay.closed(node.conn);
          node.core.transportClosed(this.now);
        }
      }
      if (!moved) return;
    }
    throw new Error('network did not settle');
  }

  /** Moves the clock and runs every core's timers. */
  advance(ms: number): void {
    this.now += ms;
    for (const node of this.#nodes.values()) node.core.tick(this.now);
    this.pump();
  }

  /** Cuts a client's TCP connection (both ends see it closed). */
  cut(node: Node): void {
    if (!node.open) return;
    node.open = false;
    this.relay.closed(node.conn);
    node.core.transportClosed(this.now);
    this.pump();
  }

  /** Re-opens a fresh connection for an existing core (after `cut`). */
  reconnect(node: Node): Node {
    const conn = this.#nextConn++;
    const again: Node = { ...node, conn, open: true };
    this.#nodes.delete(node.conn);
    this.#nodes.set(conn, again);
    this.relay.opened(conn);
    again.core.connect(this.entry, this.now);
    again.core.transportOpened(this.now);
    this.pump();
    return again;
  }

  #deliver(to: { address: string; port: number }, data: Uint8Array): void {
    for (const node of this.#nodes.values()) {
      if (node.address.address === to.address && node.address.port === to.port) {
        node.core.datagramReceived(data, this.now);
      }
    }
  }
}

export function eventsOf<T extends CoreEvent['type']>(
  node: { events: CoreEvent[] },
  type: T,
): Extract<CoreEvent, { type: T }>[] {
  return node.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}
