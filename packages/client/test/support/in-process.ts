/**
 * Runs ClientCores against the relay double's core in one process, with a fake clock: every byte passes
 * through the real codecs and ciphers, but there are no sockets or timers, so timeouts are exact and runs
 * are deterministic (docs/architecture.md "Cores and shells"). Each client's media lane is a
 * MediaChannelCore driven here the way the Client's MediaChannel drives it: opened, retargeted and closed
 * on the core's `media:*` outputs (docs/architecture.md "Media lane"). Every core input returns its
 * outputs (docs/architecture.md "Cores and shells"); they wait in the node's outbox until `pump`
 * carries them out, so tests call a core and then pump, as before.
 */
import type { LeitungCrypto, RsaPrivateKey, X25519PrivateKey } from '@leitung/crypto';
import type { IdentityOperation, IdentityOperationResult } from '@leitung/session';
import {
  ClientCore,
  type ClientCoreSettings,
  type CommandResult,
  type CoreIdentity,
  type CoreOutput,
  MediaChannelCore,
} from '../../src/core.js';
import type { CoreEvent, MediaFrame, RelayEntry } from '../../src/index.js';
import { DoubleDirectory } from './double-directory.js';
import { crypto as baseCrypto } from './fixtures.js';
import { RelayDoubleCore } from './relay-double-core.js';

/** A client's media lane; shared by the copies `reconnect` makes, like the Client keeps its lane. */
interface Lane {
  callId: string | undefined;
  channel: MediaChannelCore | undefined;
  /** Every frame the lane delivered. */
  readonly frames: MediaFrame[];
  /** The core's lane outputs, in order (`media:open`, `media:retarget`, `media:close`). */
  readonly decisions: string[];
}

interface Node {
  readonly core: ClientCore;
  readonly crypto: LeitungCrypto;
  readonly lane: Lane;
  readonly conn: number;
  readonly address: { address: string; port: number };
  readonly events: CoreEvent[];
  readonly results: Map<number, CommandResult>;
  /** Outputs the core returned that `pump` has not carried out yet. */
  readonly outbox: CoreOutput[];
  /** `key-operation` outputs of a held-identity core, waiting for `answerKeyOperations`. */
  readonly keyOperations: { readonly id: number; readonly operation: IdentityOperation }[];
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
  /** Command handles, unique across nodes (the Client numbers its own the same way, from 1). */
  #nextHandle = 1;

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
  join(options: Omit<ClientCoreSettings, 'crypto'> & CoreIdentity & { crypto?: LeitungCrypto }): Node {
    const crypto = options.crypto ?? baseCrypto;
    const lane: Lane = { callId: undefined, channel: undefined, frames: [], decisions: [] };
    const core = new ClientCore({
      deferredOutputs: true,
      ...options,
      crypto,
      lastSentSequence: (callId) => (lane.callId === callId ? lane.channel?.lastSentSequence : undefined),
    });
    const conn = this.#nextConn++;
    const node: Node = {
      core,
      crypto,
      lane,
      conn,
      address: { address: `10.0.0.${conn}`, port: 40_000 + conn },
      events: [],
      results: new Map(),
      outbox: [],
      keyOperations: [],
      open: true,
      persisted: 0,
    };
    this.#nodes.set(conn, node);
    this.relay.opened(conn);
    this.input(node, core.connect(this.entry, this.now));
    this.input(node, core.transportOpened(this.now));
    this.pump();
    return node;
  }

  /** Hands the outputs a core input returned to the network, as the Client shell does; `pump` delivers. */
  input(node: Node, outputs: readonly CoreOutput[]): void {
    node.outbox.push(...outputs);
  }

  /** Starts a command that settles later under a fresh handle (its result lands in `results`). */
  command(node: Node, start: (handle: number) => readonly CoreOutput[]): number {
    const handle = this.#nextHandle++;
    this.input(node, start(handle));
    return handle;
  }

  /** Delivers every pending output until nothing moves. */
  pump(): void {
    for (let round = 0; round < 10_000; round++) {
      let moved = false;
      for (const node of this.#nodes.values()) {
        for (const out of node.outbox.splice(0)) {
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
            case 'media:open':
            case 'media:retarget':
            case 'media:close':
              this.#lane(node, out);
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
            case 'key-operation':
              node.keyOperations.push({ id: out.id, operation: out.operation });
              break;
            case 'deferred':
              this.input(node, node.core.runDeferred(out.id, this.now));
              break;
          }
        }
      }
      for (const out of this.relay.take()) {
        moved = true;
        const node = this.#nodes.get(out.conn);
        if (!node?.open) continue;
        if (out.kind === 'send') this.input(node, node.core.receive(out.payload, this.now));
        else {
          node.open = false;
          this.relay.closed(node.conn);
          this.input(node, node.core.transportClosed(this.now));
        }
      }
      if (!moved) return;
    }
    throw new Error('network did not settle');
  }

  /**
   * Answers the node's waiting key operations (the holder of a held identity) with `answer`, in order,
   * then pumps; returns how many were answered.
   */
  answerKeyOperations(node: Node, answer: (operation: IdentityOperation) => IdentityOperationResult): number {
    const waiting = node.keyOperations.splice(0);
    for (const { id, operation } of waiting) {
      this.input(node, node.core.keyOperationDone(id, answer(operation), this.now));
    }
    this.pump();
    return waiting.length;
  }

  /** Moves the clock and runs every core's timers and every media lane's. */
  advance(ms: number): void {
    this.now += ms;
    for (const node of this.#nodes.values()) {
      this.input(node, node.core.tick(this.now));
      const { channel, callId } = node.lane;
      if (!channel || !callId) continue;
      const { datagrams, failed, stalled } = channel.tick(this.now);
      this.#toRelay(node, datagrams);
      // The lane reports to the core, which owns the call state, as the Client shell does.
      if (failed) this.input(node, node.core.mediaLane(callId, { kind: 'failed' }, this.now));
      if (stalled)
        this.input(node, node.core.mediaLane(callId, { kind: 'audio', flow: 'stalled' }, this.now));
    }
    this.pump();
  }

  /** Sends one frame on the client's media lane (what `Client.sendFrame` does); false when refused. */
  sendFrame(node: Node, frame: MediaFrame): boolean {
    const datagram = node.lane.channel?.send(frame);
    if (!datagram) return false;
    this.#toRelay(node, [datagram]);
    this.pump();
    return true;
  }

  /** Cuts a client's TCP connection (both ends see it closed). */
  cut(node: Node): void {
    if (!node.open) return;
    node.open = false;
    this.relay.closed(node.conn);
    this.input(node, node.core.transportClosed(this.now));
    this.pump();
  }

  /** Re-opens a fresh connection for an existing core (after `cut`). */
  reconnect(node: Node): Node {
    const conn = this.#nextConn++;
    const again: Node = { ...node, conn, open: true };
    this.#nodes.delete(node.conn);
    this.#nodes.set(conn, again);
    this.relay.opened(conn);
    this.input(again, again.core.connect(this.entry, this.now));
    this.input(again, again.core.transportOpened(this.now));
    this.pump();
    return again;
  }

  #lane(node: Node, out: Extract<CoreOutput, { kind: `media:${string}` }>): void {
    const lane = node.lane;
    lane.decisions.push(out.kind);
    switch (out.kind) {
      case 'media:open':
        lane.channel?.close();
        lane.callId = out.callId;
        lane.channel = new MediaChannelCore({ crypto: node.crypto, keys: out.keys, grant: out.grant });
        this.#toRelay(node, lane.channel.bind(this.now));
        return;
      case 'media:retarget':
        if (lane.callId === out.callId && lane.channel)
          this.#toRelay(node, lane.channel.rebind(out.grant, this.now));
        return;
      case 'media:close':
        if (lane.callId !== out.callId) return;
        lane.channel?.close();
        lane.channel = undefined;
        lane.callId = undefined;
        return;
    }
  }

  #toRelay(node: Node, datagrams: readonly Uint8Array[]): void {
    for (const data of datagrams) {
      for (const reply of this.relay.datagram(data, node.address)) this.#deliver(reply.to, reply.data);
    }
  }

  #deliver(to: { address: string; port: number }, data: Uint8Array): void {
    for (const node of this.#nodes.values()) {
      if (node.address.address !== to.address || node.address.port !== to.port) continue;
      const { channel, callId } = node.lane;
      if (!channel || !callId) continue;
      const input = channel.receive(data, this.now);
      switch (input.kind) {
        case 'frame':
          node.lane.frames.push(input.frame);
          if (input.audioStarted)
            this.input(node, node.core.mediaLane(callId, { kind: 'audio', flow: 'flowing' }, this.now));
          break;
        case 'bound':
          this.input(
            node,
            node.core.mediaLane(callId, { kind: 'bound', sessionId: input.sessionId }, this.now),
          );
          break;
        case 'challenged':
          this.#toRelay(node, input.datagrams);
          break;
        case 'dropped':
          break;
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
