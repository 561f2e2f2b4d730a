/**
 * Runs RelayCore in-process with a fake clock: outputs are dispatched to per-connection inboxes, sealed
 * frames are opened with the client's channel. No sockets, fully deterministic.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { ClientHandshake, type SealedChannel } from '@leitung/session';
import {
  type ControlMessage,
  type ControlMessageOf,
  decodeMessage,
  type MessageTypeName,
} from '@leitung/wire';
import {
  type KeyDirectory,
  LocalKeyDirectory,
  RelayCore,
  type RelayCoreOptions,
  type RelayOutput,
} from '../../src/core/index.js';
import type { RelayEvent } from '../../src/index.js';
import { MemoryDirectoryStore } from '../../src/testing.js';
import { crypto } from './keys.js';

export interface Peer {
  readonly connId: number;
  channel: SealedChannel | undefined;
  readonly inbox: ControlMessage[];
  closed: string | undefined;
}

export class Harness {
  readonly core: RelayCore;
  readonly directory: KeyDirectory;
  readonly peers = new Map<number, Peer>();
  readonly events: RelayEvent[] = [];
  now = 1_700_000_000_000;
  #nextId = 1;

  constructor(
    readonly relayKey: RsaPrivateKey,
    options: Partial<RelayCoreOptions> = {},
  ) {
    this.directory =
      options.directory ??
      new LocalKeyDirectory({
        store: new MemoryDirectoryStore(),
        crypto,
        privateKey: relayKey,
        now: () => this.now,
      });
    this.core = new RelayCore({ crypto, privateKey: relayKey, directory: this.directory, ...options });
  }

  apply(outputs: readonly RelayOutput[]): void {
    for (const output of outputs) {
      switch (output.kind) {
        case 'send': {
          const peer = this.peers.get(output.connId);
          if (peer === undefined) break;
          peer.inbox.push(peer.channel ? peer.channel.open(output.payload) : decodeMessage(output.payload));
          break;
        }
        case 'close': {
          const peer = this.peers.get(output.connId);
          if (peer !== undefined) peer.closed = output.reason;
          break;
        }
        case 'event':
          this.events.push(output.event);
          break;
        case 'schedule':
          break;
      }
    }
  }

  open(ip = '192.0.2.1'): Peer {
    const peer: Peer = { connId: this.#nextId++, channel: undefined, inbox: [], closed: undefined };
    this.peers.set(peer.connId, peer);
    this.apply(this.core.connectionOpened(peer.connId, ip, this.now));
    return peer;
  }

  /** Sends a plain (handshake-phase) payload. */
  plain(peer: Peer, payload: Uint8Array): void {
    this.apply(this.core.frameReceived(peer.connId, payload, this.now));
  }

  send(peer: Peer, message: ControlMessage): void {
    if (!peer.channel) throw new Error('not registered');
    this.apply(this.core.frameReceived(peer.connId, peer.channel.seal(message), this.now));
  }

  /** Removes and returns the first message of `type` the peer received. */
  take<T extends MessageTypeName>(peer: Peer, type: T): ControlMessageOf<T> {
    const index = peer.inbox.findIndex((m) => m.type === type);
    if (index < 0)
      throw new Error(`no ${type} for connection ${peer.connId}: ${peer.inbox.map((m) => m.type).join(',')}`);
    return peer.inbox.splice(index, 1)[0] as ControlMessageOf<T>;
  }

  tick(ms: number): void {
    this.now += ms;
    this.apply(this.core.tick(this.now));
  }
}

/** Registers through the in-process core; returns the peer with its sealed channel. */
export function registerFull(h: Harness, privateKey: RsaPrivateKey, name: string, ip?: string): Peer {
  const peer = h.open(ip);
  const handshake = new ClientHandshake({
    crypto,
    privateKey,
    name,
    pinnedRelayFingerprint: h.relayKey.publicKey.fingerprint(),
  });
  const sends: Uint8Array[] = [];
  const run = (outputs: readonly RelayOutput[]) => {
    for (const o of outputs) {
      if (o.kind === 'send' && o.connId === peer.connId) sends.push(o.payload);
      else h.apply([o]);
      if (o.kind === 'close' && o.connId === peer.connId) peer.closed = o.reason;
    }
  };
  run(h.core.frameReceived(peer.connId, handshake.start(), h.now));
  const challenge = sends.shift();
  if (challenge === undefined || peer.closed) {
    if (challenge) peer.inbox.push(decodeMessage(challenge));
    return peer;
  }
  const prove = handshake.onChallenge(challenge);
  run(h.core.frameReceived(peer.connId, prove, h.now));
  const welcome = sends.shift();
  if (welcome === undefined) return peer;
  try {
    const result = handshake.onWelcome(welcome);
    peer.channel = result.channel;
    peer.inbox.push(result.welcome);
    for (const rest of sends) peer.inbox.push(result.channel.open(rest));
  } catch {
    peer.inbox.push(decodeMessage(welcome));
  }
  return peer;
}
