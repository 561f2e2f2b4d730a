/**
 * A whole call through the real sans-I/O cores in one process (docs/architecture.md "Cores and shells"):
 * one RelayCore (with its MediaRouter) and two ClientCores, each client's media lane a MediaChannelCore
 * opened on the core's `media:open` (docs/architecture.md "Media lane"). No sockets and no timers: control
 * bytes travel as length-prefixed frames through FIFO "TCP" pipes, media datagrams through a FIFO "UDP"
 * queue, and every timer runs when a fake clock reaches it, so every run takes the same steps in the same
 * order (only the random keys and nonces differ) and the whole call takes a fraction of a second. The steps are those of docs/design.md §3–§5: register (handshake),
 * look up with proof, call, answer, bind the media session (BIND / BIND_CHALLENGE / BIND_CONFIRM /
 * BIND_ACK, §5 step 5), exchange end-to-end encrypted frames, hang up (the relay releases the session).
 */
import type { CoreEvent, MediaFrame, RelayEntry } from '@leitung/client';
import { ClientCore, type CommandResult, type CoreOutput, MediaChannelCore } from '@leitung/client/core';
import { createCrypto, type LeitungCrypto, type RsaPrivateKey } from '@leitung/crypto';
import type { RelayEvent } from '@leitung/relay';
import { LocalKeyDirectory, type MediaEndpoint, RelayCore, type RelayOutput } from '@leitung/relay/core';
import { MemoryDirectoryStore } from '@leitung/relay/testing';
import { decodeMediaPacket, encodeFrame, FrameDecoder } from '@leitung/wire';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../scripts/test-keys.mjs';

const crypto: LeitungCrypto = createCrypto();

async function key(name: string): Promise<RsaPrivateKey> {
  return crypto.importRsaPrivateKey((await testKeyPair(name)).privateKeyPem);
}

/** The relay's media port as the clients address it (any address: the queue only compares them). */
const RELAY_MEDIA: MediaEndpoint = { address: '198.51.100.1', port: 3479 };

interface Peer {
  readonly name: string;
  readonly core: ClientCore;
  readonly connId: number;
  /** Where this client's media datagrams come from (the relay forwards to the address it saw). */
  readonly media: MediaEndpoint;
  /** The client's side of the control connection's byte stream. */
  readonly decoder: FrameDecoder;
  readonly events: CoreEvent[];
  readonly results: Map<number, CommandResult>;
  /** Outputs the core returned, carried out when the network settles (what the Client shell does). */
  readonly outbox: CoreOutput[];
  /** The lane's decisions as the core gave them (`media:open`, `media:close`, …). */
  readonly lane: string[];
  readonly frames: MediaFrame[];
  readonly drops: string[];
  channel: MediaChannelCore | undefined;
  callId: string | undefined;
  open: boolean;
}

type Packet =
  | { readonly kind: 'to-relay'; readonly connId: number; readonly bytes: Uint8Array }
  | { readonly kind: 'to-client'; readonly connId: number; readonly bytes: Uint8Array }
  | {
      readonly kind: 'datagram';
      readonly from: MediaEndpoint;
      readonly to: MediaEndpoint;
      readonly data: Uint8Array;
    };

/**
 * The "network" and the shells around the cores: performs their outputs in order, delivers everything in
 * FIFO order, and runs each core's timers when the clock reaches them.
 */
class World {
  now = 1_800_000_000_000;
  readonly relay: RelayCore;
  readonly entry: RelayEntry;
  readonly relayEvents: RelayEvent[] = [];
  /** Types of the media packets the relay's media port received, in order. */
  readonly mediaIn: string[] = [];
  readonly peers = new Map<number, Peer>();
  readonly #queue: Packet[] = [];
  /** Times the relay asked to be ticked at (`schedule` outputs). */
  readonly #relayDue: number[] = [];
  #nextConn = 1;
  /** Command handles (the Client's PendingCommands numbers its own from 1 as well). */
  #nextHandle = 1;

  constructor(relayKey: RsaPrivateKey) {
    const directory = new LocalKeyDirectory({
      store: new MemoryDirectoryStore(),
      crypto,
      privateKey: relayKey,
      now: () => this.now,
    });
    this.relay = new RelayCore({ crypto, privateKey: relayKey, directory });
    this.entry = {
      host: 'relay.test',
      port: 3478,
      mediaPort: RELAY_MEDIA.port,
      fingerprint: relayKey.publicKey.fingerprint(),
    };
  }

  /** A client connects (its own IP, as the relay's per-IP limits expect) and registers. */
  join(name: string, identity: RsaPrivateKey): Peer {
    const connId = this.#nextConn++;
    const peer: Peer = {
      name,
      core: new ClientCore({
        crypto,
        identity,
        name,
        // CALL_RESUME reports the lane's last sequence; the shell's MediaChannel answers it.
        lastSentSequence: (callId) => (peer.callId === callId ? peer.channel?.lastSentSequence : undefined),
      }),
      connId,
      media: { address: `203.0.113.${connId}`, port: 50_000 + connId },
      decoder: new FrameDecoder(),
      events: [],
      results: new Map(),
      outbox: [],
      lane: [],
      frames: [],
      drops: [],
      channel: undefined,
      callId: undefined,
      open: true,
    };
    this.peers.set(connId, peer);
    this.#relayOutputs(this.relay.connectionOpened(connId, `192.0.2.${connId}`, this.now));
    this.input(peer, peer.core.connect(this.entry, this.now));
    this.input(peer, peer.core.transportOpened(this.now));
    this.settle();
    return peer;
  }

  /** Every core input returns its outputs (docs/architecture.md "Cores and shells"): they go out on `settle`. */
  input(peer: Peer, outputs: readonly CoreOutput[]): void {
    peer.outbox.push(...outputs);
  }

  /** Starts a command that settles later under a fresh handle; its result lands in `peer.results`. */
  command(peer: Peer, start: (handle: number) => readonly CoreOutput[]): number {
    const handle = this.#nextHandle++;
    this.input(peer, start(handle));
    return handle;
  }

  /** Performs every pending output and delivers every queued packet until nothing moves. */
  settle(): void {
    for (let round = 0; round < 100_000; round++) {
      for (const peer of this.peers.values()) this.#clientOutputs(peer, peer.outbox.splice(0));
      const packet = this.#queue.shift();
      if (packet === undefined) return;
      this.#deliver(packet);
    }
    throw new Error('the network did not settle');
  }

  /** Moves the clock by `ms`, running every timer that falls due on the way, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    this.settle();
    for (;;) {
      const due = this.#nextDue();
      if (due === undefined || due > end) break;
      this.now = Math.max(this.now, due);
      this.#fireTimers();
      this.settle();
    }
    this.now = end;
  }

  /** Seals `frame` on the peer's lane and sends it to the relay; false when the lane refuses it. */
  sendFrame(peer: Peer, frame: MediaFrame): boolean {
    const datagram = peer.channel?.send(frame);
    if (datagram === undefined) return false;
    this.#queue.push({ kind: 'datagram', from: peer.media, to: RELAY_MEDIA, data: datagram });
    return true;
  }

  /** Queues a raw datagram from the peer's address to the relay (for tampering tests). */
  sendRaw(peer: Peer, data: Uint8Array): void {
    this.#queue.push({ kind: 'datagram', from: peer.media, to: RELAY_MEDIA, data });
  }

  #nextDue(): number | undefined {
    const times: number[] = [...this.#relayDue];
    for (const peer of this.peers.values()) {
      const core = peer.core.nextTimeout();
      if (core !== undefined) times.push(core);
      const lane = peer.channel?.nextTimeout();
      if (lane !== undefined) times.push(lane);
    }
    return times.length === 0 ? undefined : Math.min(...times);
  }

  #fireTimers(): void {
    const now = this.now;
    if (this.#relayDue.some((at) => at <= now)) {
      this.#relayDue.splice(0, this.#relayDue.length, ...this.#relayDue.filter((at) => at > now));
      this.#relayOutputs(this.relay.tick(now));
    }
    for (const peer of this.peers.values()) {
      const core = peer.core.nextTimeout();
      if (core !== undefined && core <= now) this.input(peer, peer.core.tick(now));
      const lane = peer.channel?.nextTimeout();
      if (peer.channel === undefined || peer.callId === undefined || lane === undefined || lane > now)
        continue;
      const { datagrams, failed, stalled } = peer.channel.tick(now);
      for (const data of datagrams)
        this.#queue.push({ kind: 'datagram', from: peer.media, to: RELAY_MEDIA, data });
      // The lane reports to the core, which owns the call state (what the Client shell does).
      if (failed) this.input(peer, peer.core.mediaLane(peer.callId, { kind: 'failed' }, now));
      if (stalled)
        this.input(peer, peer.core.mediaLane(peer.callId, { kind: 'audio', flow: 'stalled' }, now));
    }
  }

  /** What the Client shell does with its core's outputs (packages/client/src/shell). */
  #clientOutputs(peer: Peer, outputs: readonly CoreOutput[]): void {
    for (const out of outputs) {
      switch (out.kind) {
        case 'send':
          // The core hands over frame payloads; the stream carries them length-prefixed (@leitung/wire).
          if (peer.open)
            this.#queue.push({ kind: 'to-relay', connId: peer.connId, bytes: encodeFrame(out.payload) });
          break;
        case 'close':
          if (peer.open) {
            peer.open = false;
            this.#relayOutputs(this.relay.connectionClosed(peer.connId, this.now));
          }
          break;
        case 'event':
          peer.events.push(out.event);
          break;
        case 'result':
          peer.results.set(out.handle, out.result);
          break;
        case 'persist':
          break;
        case 'media:open':
          peer.lane.push(out.kind);
          peer.channel?.close();
          peer.callId = out.callId;
          peer.channel = new MediaChannelCore({ crypto, keys: out.keys, grant: out.grant });
          // The lane binds at once (docs/design.md §5 step 5).
          for (const data of peer.channel.bind(this.now))
            this.#queue.push({ kind: 'datagram', from: peer.media, to: RELAY_MEDIA, data });
          break;
        case 'media:retarget':
          peer.lane.push(out.kind);
          if (peer.channel !== undefined && peer.callId === out.callId)
            for (const data of peer.channel.rebind(out.grant, this.now))
              this.#queue.push({ kind: 'datagram', from: peer.media, to: RELAY_MEDIA, data });
          break;
        case 'media:close':
          peer.lane.push(out.kind);
          if (peer.callId !== out.callId) break;
          peer.channel?.close();
          peer.channel = undefined;
          peer.callId = undefined;
          break;
      }
    }
  }

  /** What the relay shell does with its core's outputs (packages/relay/src/shell/relay.ts). */
  #relayOutputs(outputs: readonly RelayOutput[]): void {
    for (const out of outputs) {
      switch (out.kind) {
        case 'send':
          this.#queue.push({ kind: 'to-client', connId: out.connId, bytes: encodeFrame(out.payload) });
          break;
        case 'close': {
          const peer = this.peers.get(out.connId);
          if (peer?.open) {
            peer.open = false;
            this.input(peer, peer.core.transportClosed(this.now));
          }
          break;
        }
        case 'schedule':
          this.#relayDue.push(out.at);
          break;
        case 'event':
          this.relayEvents.push(out.event);
          break;
        case 'append':
          throw new Error('a single relay appends synchronously');
      }
    }
  }

  #deliver(packet: Packet): void {
    switch (packet.kind) {
      case 'to-relay':
        // Raw stream bytes: the relay core does its own framing (max size checked on the header).
        if (this.peers.get(packet.connId)?.open)
          this.#relayOutputs(this.relay.bytesReceived(packet.connId, packet.bytes, this.now));
        return;
      case 'to-client': {
        const peer = this.peers.get(packet.connId);
        if (!peer?.open) return;
        for (const payload of peer.decoder.push(packet.bytes))
          this.input(peer, peer.core.receive(payload, this.now));
        return;
      }
      case 'datagram':
        if (packet.to.address === RELAY_MEDIA.address && packet.to.port === RELAY_MEDIA.port)
          this.#toRelayMedia(packet.from, packet.data);
        else this.#toClientMedia(packet.to, packet.data);
        return;
    }
  }

  /** The relay's UDP shell (packages/relay/src/shell/media-socket.ts): one router call per datagram. */
  #toRelayMedia(from: MediaEndpoint, data: Uint8Array): void {
    this.mediaIn.push(decodeMediaPacket(data).type);
    const decision = this.relay.media.datagram(data, from, this.now);
    // DATA is forwarded verbatim; control packets are answered (BIND_CHALLENGE, BIND_ACK).
    if (decision.kind === 'forward')
      this.#queue.push({
        kind: 'datagram',
        from: RELAY_MEDIA,
        to: { address: decision.address, port: decision.port },
        data,
      });
    else if (decision.kind === 'reply')
      this.#queue.push({
        kind: 'datagram',
        from: RELAY_MEDIA,
        to: { address: decision.address, port: decision.port },
        data: decision.bytes,
      });
  }

  #toClientMedia(to: MediaEndpoint, data: Uint8Array): void {
    const peer = [...this.peers.values()].find(
      (p) => p.media.address === to.address && p.media.port === to.port,
    );
    if (peer?.channel === undefined || peer.callId === undefined) return;
    const input = peer.channel.receive(data, this.now);
    switch (input.kind) {
      case 'frame':
        peer.frames.push(input.frame);
        if (input.audioStarted)
          this.input(peer, peer.core.mediaLane(peer.callId, { kind: 'audio', flow: 'flowing' }, this.now));
        return;
      case 'bound':
        this.input(
          peer,
          peer.core.mediaLane(peer.callId, { kind: 'bound', sessionId: input.sessionId }, this.now),
        );
        return;
      case 'challenged':
        for (const reply of input.datagrams)
          this.#queue.push({ kind: 'datagram', from: peer.media, to: RELAY_MEDIA, data: reply });
        return;
      case 'dropped':
        peer.drops.push(input.reason);
        return;
    }
  }
}

function eventsOf<T extends CoreEvent['type']>(peer: Peer, type: T): Extract<CoreEvent, { type: T }>[] {
  return peer.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}

function relayEventsOf<T extends RelayEvent['type']>(
  world: World,
  type: T,
): Extract<RelayEvent, { type: T }>[] {
  return world.relayEvents.filter((e): e is Extract<RelayEvent, { type: T }> => e.type === type);
}

/** A recognisable frame: its payload names the direction and the sequence. */
function frame(from: string, sequence: number): MediaFrame {
  return {
    sequence,
    timestamp: sequence * 960,
    payload: new TextEncoder().encode(`${from} frame ${sequence}`),
  };
}

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey] = await Promise.all([key('relay'), key('alice'), key('bob')]);
});

/** Registers alice and bob, places and answers a call and lets both lanes bind (steps of the first test). */
function establishedCall(): { world: World; alice: Peer; bob: Peer; callId: string } {
  const world = new World(relayKey);
  const alice = world.join('alice', aliceKey);
  const bob = world.join('bob', bobKey);
  world.command(alice, (h) => alice.core.placeCall(h, 'bob', world.now));
  world.settle();
  world.input(bob, bob.core.answer(world.now));
  world.settle();
  const callId = alice.callId;
  if (callId === undefined || !alice.channel?.bound || !bob.channel?.bound) throw new Error('no call');
  return { world, alice, bob, callId };
}

describe('a call through the real cores on a fake clock', () => {
  it('registers, calls, binds media, carries frames both ways and releases the session on hang-up', () => {
    const world = new World(relayKey);

    // Registration: the real handshake (REGISTER, CHALLENGE, PROVE, WELCOME; docs/design.md §3).
    const alice = world.join('alice', aliceKey);
    const bob = world.join('bob', bobKey);
    for (const peer of [alice, bob]) {
      expect(peer.core.connectionState).toBe('ready');
      expect(eventsOf(peer, 'registration:complete')).toHaveLength(1);
      expect(eventsOf(peer, 'registration:failed')).toEqual([]);
    }
    expect(world.relay.clientCount).toBe(2);
    expect(world.relay.directorySize).toBe(2);
    expect(world.relay.stats.handshakesCompleted).toBe(2);
    expect(relayEventsOf(world, 'client:registered').map((e) => [e.name, e.clientId, e.created])).toEqual([
      ['alice', alice.core.clientId, true],
      ['bob', bob.core.clientId, true],
    ]);

    // Lookup with proof (docs/design.md §4): bob's key, verified against a signed tree head.
    const lookup = world.command(alice, (h) => alice.core.lookup(h, 'bob', world.now));
    world.settle();
    const found = alice.results.get(lookup);
    expect(found?.ok).toBe(true);
    if (!found?.ok || !('name' in found.value)) throw new Error('lookup failed');
    expect(found.value.name).toBe('bob');
    expect(found.value.clientId).toBe(bob.core.clientId);
    expect(found.value.keyChanged).toBe(false);

    // The call: CALL_REQUEST with sealed call data; bob verifies the caller and rings.
    const call = world.command(alice, (h) => alice.core.placeCall(h, 'bob', world.now));
    world.settle();
    expect(alice.core.callState).toBe('outgoing-ringing');
    expect(bob.core.callState).toBe('incoming-ringing');
    const incoming = eventsOf(bob, 'call:incoming');
    expect(incoming).toHaveLength(1);
    expect(incoming[0]?.peer.name).toBe('alice');
    const callId = incoming[0]?.callId ?? '';
    expect(callId).toMatch(/^[0-9a-f]{32}$/);
    expect(eventsOf(alice, 'call:outgoing')[0]?.callId).toBe(callId);

    // Bob answers: keys confirmed on both sides, the relay allocates the media session and grants it.
    world.advance(1_000);
    world.input(bob, bob.core.answer(world.now));
    world.settle();
    expect(alice.core.callState).toBe('active');
    expect(bob.core.callState).toBe('active');
    const placed = alice.results.get(call);
    expect(placed?.ok).toBe(true);
    if (!placed?.ok || !('callId' in placed.value)) throw new Error('call failed');
    expect(placed.value.callId).toBe(callId);
    expect(eventsOf(alice, 'call:accepted').map((e) => e.role)).toEqual(['caller']);
    expect(eventsOf(bob, 'call:accepted').map((e) => e.role)).toEqual(['callee']);
    expect(world.relay.callCount).toBe(1);
    const allocated = relayEventsOf(world, 'media:allocated');
    expect(allocated.map((e) => e.callId)).toEqual([callId]);
    expect(relayEventsOf(world, 'call:started').map((e) => [e.callId, e.caller, e.callee])).toEqual([
      [callId, alice.core.clientId, bob.core.clientId],
    ]);
    const sessionId = allocated[0]?.sessionId;

    // Media binding through the real router (docs/design.md §5 step 5): each side's BIND is challenged
    // (return routability), BIND_CONFIRM binds the address, BIND_ACK tells the lane.
    expect(alice.lane).toEqual(['media:open']);
    expect(bob.lane).toEqual(['media:open']);
    for (const peer of [alice, bob]) {
      expect(peer.channel?.bound).toBe(true);
      expect(peer.channel?.sessionId).toBe(sessionId);
      expect(eventsOf(peer, 'media:bound')).toEqual([{ type: 'media:bound', callId, sessionId }]);
    }
    expect(world.mediaIn).toEqual(['BIND', 'BIND', 'BIND_CONFIRM', 'BIND_CONFIRM']);
    expect(world.relay.media.sessionCount).toBe(1);
    expect(world.relay.media.hasSession(sessionId ?? -1)).toBe(true);

    // 50 frames alice → bob, then 5 back, 20 ms apart: the relay forwards DATA it cannot read, each lane
    // opens what the other sealed (docs/session-protocol.md §4).
    for (let i = 1; i <= 50; i++) {
      expect(world.sendFrame(alice, frame('alice', i))).toBe(true);
      world.advance(20);
    }
    for (let i = 1; i <= 5; i++) {
      expect(world.sendFrame(bob, frame('bob', i))).toBe(true);
      world.advance(20);
    }
    expect(bob.frames).toEqual(Array.from({ length: 50 }, (_, i) => frame('alice', i + 1)));
    expect(alice.frames).toEqual(Array.from({ length: 5 }, (_, i) => frame('bob', i + 1)));
    expect(alice.drops).toEqual([]);
    expect(bob.drops).toEqual([]);
    expect(world.relay.media.forwardedPackets).toBe(55);
    expect(alice.channel?.stats.sent).toBe(50);
    expect(bob.channel?.stats.received).toBe(50);

    // Audio arrived both ways: both snapshots say active (docs/client.md "Call state").
    expect(alice.core.currentCall).toMatchObject({ phase: 'active', media: 'bound', audio: 'flowing' });
    expect(bob.core.currentCall).toMatchObject({ phase: 'active', media: 'bound', audio: 'flowing' });

    // A quiet stretch: keepalives hold the binding, the control connections ping, nothing breaks — and
    // both snapshots say no audio arrives (never "active" over nothing).
    world.advance(12_000);
    expect(alice.core.callState).toBe('active');
    for (const peer of [alice, bob])
      expect(peer.core.currentCall).toMatchObject({
        phase: 'reconnecting',
        cause: 'media',
        audio: 'stalled',
      });
    expect(world.relay.media.sessionCount).toBe(1);
    expect(world.mediaIn.filter((t) => t === 'KEEPALIVE').length).toBeGreaterThanOrEqual(4);

    // Hang-up: both lanes close (keys erased), the relay ends the call and releases the media session.
    world.input(alice, alice.core.hangUp(world.now));
    world.settle();
    expect(alice.core.callState).toBe('ended');
    expect(bob.core.callState).toBe('ended');
    expect(eventsOf(alice, 'call:ended').map((e) => [e.callId, e.by, e.reason])).toEqual([
      [callId, 'local', 'hangup'],
    ]);
    expect(eventsOf(bob, 'call:ended').map((e) => [e.callId, e.by, e.reason])).toEqual([
      [callId, 'remote', 'hangup'],
    ]);
    expect(alice.lane).toEqual(['media:open', 'media:close']);
    expect(bob.lane).toEqual(['media:open', 'media:close']);
    expect(alice.channel).toBeUndefined();
    expect(bob.channel).toBeUndefined();
    expect(world.relay.callCount).toBe(0);
    expect(world.relay.media.sessionCount).toBe(0);
    expect(relayEventsOf(world, 'media:released').map((e) => [e.callId, e.sessionId, e.reason])).toEqual([
      [callId, sessionId, 'hangup'],
    ]);
    expect(relayEventsOf(world, 'call:ended').map((e) => [e.callId, e.reason])).toEqual([[callId, 'hangup']]);

    // Both clients stay registered; nothing was refused along the way.
    expect(world.relay.clientCount).toBe(2);
    expect(world.relay.stats.refusals.size).toBe(0);
    expect(eventsOf(alice, 'connection:error')).toEqual([]);
    expect(eventsOf(bob, 'connection:error')).toEqual([]);
  });

  it('drops tampered, replayed and misaddressed media, and nothing flows after the hang-up', () => {
    const { world, alice, bob } = establishedCall();
    const sealed = (sequence: number): Uint8Array => {
      const datagram = alice.channel?.send(frame('alice', sequence));
      if (datagram === undefined) throw new Error('lane refused the frame');
      return datagram;
    };

    // One flipped bit in the sealed payload: the relay cannot tell (it never reads DATA) and forwards it;
    // bob's lane fails the authentication and drops it (docs/session-protocol.md §4).
    const tampered = sealed(1);
    tampered[tampered.length - 1]! ^= 0x01;
    world.sendRaw(alice, tampered);
    world.settle();
    expect(world.relay.media.forwardedPackets).toBe(1);
    expect(bob.frames).toEqual([]);
    expect(bob.drops).toEqual(['auth']);

    // A genuine frame passes; the same datagram again is a replay and is dropped by bob's window.
    const genuine = sealed(2);
    world.sendRaw(alice, genuine);
    world.sendRaw(alice, genuine.slice());
    world.settle();
    expect(bob.frames).toEqual([frame('alice', 2)]);
    expect(bob.drops).toEqual(['auth', 'replay']);

    // DATA from an address that did not bind the side is dropped by the relay (docs/design.md §5 step 5).
    const stranger = { ...alice, media: { address: '203.0.113.99', port: 50_099 } };
    world.sendRaw(stranger, sealed(3));
    world.settle();
    expect(world.relay.media.drops['wrong-source']).toBe(1);
    expect(bob.frames).toHaveLength(1);

    // After the hang-up the lane refuses to seal, and a late datagram finds no session at the relay.
    const late = sealed(4);
    world.input(bob, bob.core.hangUp(world.now));
    world.settle();
    expect(world.relay.media.sessionCount).toBe(0);
    expect(world.sendFrame(alice, frame('alice', 5))).toBe(false);
    world.sendRaw(alice, late);
    world.settle();
    expect(world.relay.media.drops['unknown-session']).toBe(1);
    expect(bob.frames).toHaveLength(1);
    expect([alice.core.callState, bob.core.callState]).toEqual(['ended', 'ended']);
  });
});
