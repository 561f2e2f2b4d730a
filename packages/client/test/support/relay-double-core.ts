/**
 * A relay double, sans-I/O: registration (RelayHandshake), phonebook, key lookups with proofs, call
 * routing, media grants and the UDP media router — enough of a relay to test the client end to end — plus
 * hooks that make it lie (tampered CHALLENGE, substituted keys, forked tree heads, forged INCOMING_CALL).
 * The socket shell is relay-double.ts.
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import {
  buildBindChallenge,
  buildControlPacket,
  RelayHandshake,
  type SealedChannel,
  senderOf,
  verifyControlPacket,
} from '@leitung/session';
import {
  type Contact,
  type ControlMessage,
  type ControlMessageOf,
  type DirectoryEntry,
  decodeMediaPacket,
  decodeMessage,
  encodeMessage,
  type MediaPacket,
  type RelayLoad,
} from '@leitung/wire';
import { bytesEqual } from '../../src/bytes.js';
import type { DoubleDirectory } from './double-directory.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface Lies {
  /** Rewrites the directory sent whole with CHALLENGE (small directories); undefined: not sent at all. */
  directory?: (entries: DirectoryEntry[]) => DirectoryEntry[] | undefined;
  /** Rewrites the CHALLENGE payload (e.g. flip a signature bit). */
  challenge?: (payload: Uint8Array) => Uint8Array;
  /**
   * Rewrites a PUBLIC_KEY answer (substituted key, missing proof, forked head…); `requester` is the hex id
   * of the asking client, so one client can be shown a forked log and another the real one.
   */
  publicKey?: (answer: ControlMessageOf<'PUBLIC_KEY'>, requester: string) => ControlMessageOf<'PUBLIC_KEY'>;
  /** Rewrites a CONSISTENCY answer (`requester` as above). */
  consistency?: (
    answer: ControlMessageOf<'CONSISTENCY'>,
    requester: string,
  ) => ControlMessageOf<'CONSISTENCY'>;
  /** Rewrites an INCOMING_CALL before it reaches the callee. */
  incomingCall?: (message: ControlMessageOf<'INCOMING_CALL'>) => ControlMessageOf<'INCOMING_CALL'>;
  /** Rewrites a CALL_RESPONSE before it reaches the caller. */
  callResponse?: (message: ControlMessageOf<'CALL_RESPONSE'>) => ControlMessageOf<'CALL_RESPONSE'>;
  /** Swallows client messages for which this returns true (a relay that goes silent). */
  drop?: (message: ControlMessage) => boolean;
  /** Refuses every CALL_REQUEST with a non-fatal ERROR of this code (as a rate-limited relay does). */
  refuseCalls?: string;
  /** Swallows the first, unsealed frame of new connections (REGISTER or PING). */
  dropFirst?: boolean;
}

export type DoubleOutput =
  | { readonly kind: 'send'; readonly conn: number; readonly payload: Uint8Array; readonly delayMs: number }
  | { readonly kind: 'close'; readonly conn: number };

export interface Address {
  readonly address: string;
  readonly port: number;
}

type Conn =
  | { kind: 'new'; handshake: RelayHandshake }
  | { kind: 'challenged'; handshake: RelayHandshake; name: string; publicKey: Uint8Array; headSize: number }
  | { kind: 'established'; channel: SealedChannel; clientId: string; name: string }
  | { kind: 'closed' };

interface Call {
  callId: string;
  caller: string;
  callee: string;
  sessionId?: number;
}

interface MediaSession {
  sessionId: number;
  callId: string;
  tokens: { caller: Uint8Array; callee: Uint8Array };
  bound: { caller?: Address | undefined; callee?: Address | undefined };
  counters: { caller: number; callee: number };
  /** BIND_CHALLENGE nonces sent, by "side address:port" (return routability, session-protocol §4.2). */
  nonces: Map<string, Uint8Array>;
}

export interface RelayDoubleCoreOptions {
  readonly crypto: LeitungCrypto;
  readonly key: RsaPrivateKey;
  readonly directory: DoubleDirectory;
  /** Phonebook page size (to exercise paging). */
  readonly pageSize?: number;
}

export class RelayDoubleCore {
  readonly crypto: LeitungCrypto;
  readonly key: RsaPrivateKey;
  readonly directory: DoubleDirectory;
  lies: Lies = {};
  /** Delay of every PONG (simulated RTT). */
  pongDelayMs = 0;
  load: RelayLoad = { clients: 0, calls: 0, packetsPerSecond: 0, capacity: 10_000 };
  /** Every DATA datagram forwarded (what a relay operator could record). */
  readonly forwarded: Uint8Array[] = [];
  readonly dropped: string[] = [];
  readonly received: ControlMessage[] = [];
  /** The first frame of every registration (REGISTER or REGISTER_SEALED), as received. */
  readonly registrations: Uint8Array[] = [];
  /** PROVE frames received (a client that refused the CHALLENGE never sends one). */
  proves = 0;
  readonly #pageSize: number;
  readonly #conns = new Map<number, Conn>();
  readonly #online = new Map<string, number>();
  readonly #calls = new Map<string, Call>();
  readonly #sessions = new Map<number, MediaSession>();
  #out: DoubleOutput[] = [];

  constructor(options: RelayDoubleCoreOptions) {
    this.crypto = options.crypto;
    this.key = options.key;
    this.directory = options.directory;
    this.#pageSize = options.pageSize ?? 256;
  }

  take(): DoubleOutput[] {
    return this.#out.splice(0);
  }

  opened(conn: number): void {
    this.#conns.set(conn, {
      kind: 'new',
      handshake: new RelayHandshake({ crypto: this.crypto, privateKey: this.key }),
    });
  }

  closed(conn: number): void {
    const c = this.#conns.get(conn);
    this.#conns.set(conn, { kind: 'closed' });
    if (c?.kind !== 'established' || this.#online.get(c.clientId) !== conn) return;
    this.#online.delete(c.clientId);
    for (const call of [...this.#calls.values()]) {
      if ((call.caller === c.clientId || call.callee === c.clientId) && call.sessionId === undefined) {
        const other = call.caller === c.clientId ? call.callee : call.caller;
        this.#toClient(other, {
          type: 'CALL_END',
          callId: Buffer.from(call.callId, 'hex'),
          reason: 'offline',
        });
        this.#calls.delete(call.callId);
      }
    }
    this.#broadcast(c.clientId, 'offline');
  }

  frame(conn: number, payload: Uint8Array): void {
    const c = this.#conns.get(conn);
    if (!c) return;
    try {
      switch (c.kind) {
        case 'new':
          this.#onFirst(conn, c, payload);
          return;
        case 'challenged':
          this.#onProve(conn, c, payload);
          return;
        case 'established':
          this.#onSealed(conn, c, payload);
          return;
        case 'closed':
          return;
      }
    } catch {
      this.#out.push({ kind: 'close', conn });
      this.#conns.set(conn, { kind: 'closed' });
    }
  }

  /** The connection id of an online client. */
  connOf(clientId: string): number | undefined {
    return this.#online.get(clientId);
  }

  /** Hex ids of the clients online now. */
  online(): string[] {
    return [...this.#online.keys()];
  }

  /** Seals `message` to an online client (for tests of what a relay may or may not send). */
  push(clientId: string, message: ControlMessage): void {
    this.#toClient(clientId, message);
  }

  #onFirst(conn: number, c: Extract<Conn, { kind: 'new' }>, payload: Uint8Array): void {
    if (this.lies.dropFirst) return;
    const message = decodeMessage(payload);
    if (message.type === 'PING') {
      // Unsealed probe before REGISTER: clients measure RTT and load of relays they are not on.
      this.#out.push({
        kind: 'send',
        conn,
        payload: encodeMessage({ type: 'PONG', nonce: message.nonce, load: this.load }),
        delayMs: this.pongDelayMs,
      });
      return;
    }
    this.registrations.push(payload.slice());
    const register = c.handshake.onRegister(payload);
    const bound = this.directory.byName(register.name);
    if (bound && hex(bound.publicKey) !== hex(register.publicKey)) {
      this.#send(
        conn,
        encodeMessage({ type: 'ERROR', code: 'RELAY_ERR_NAME_TAKEN', message: 'taken', fatal: true }),
      );
      this.#out.push({ kind: 'close', conn });
      return;
    }
    const size = this.directory.size;
    const known = register.knownTreeSize;
    // Like the real relay: small directories (≤ 64 entries) go out whole, for the seed's flat-root check.
    const listed = size <= 64 ? [...this.directory.entries] : undefined;
    const whole = listed !== undefined && this.lies.directory ? this.lies.directory(listed) : listed;
    let challenge = c.handshake.challenge({
      treeHead: this.directory.head(size),
      consistencyProof: known <= size ? this.directory.consistency(known, size) : [],
      ...(whole === undefined ? {} : { directory: whole }),
    });
    if (this.lies.challenge) challenge = this.lies.challenge(challenge);
    this.#conns.set(conn, {
      kind: 'challenged',
      handshake: c.handshake,
      name: register.name,
      publicKey: register.publicKey,
      headSize: size,
    });
    this.#send(conn, challenge);
  }

  #onProve(conn: number, c: Extract<Conn, { kind: 'challenged' }>, payload: Uint8Array): void {
    this.proves += 1;
    let channel: SealedChannel;
    try {
      channel = c.handshake.onProve(payload);
    } catch {
      this.#send(
        conn,
        encodeMessage({ type: 'ERROR', code: 'RELAY_ERR_PROOF_FAILED', message: 'no', fatal: true }),
      );
      this.#out.push({ kind: 'close', conn });
      this.#conns.set(conn, { kind: 'closed' });
      return;
    }
    const clientId = this.crypto.sha3_256(c.publicKey);
    const existing = this.directory.byId(clientId);
    const isNew = !existing;
    const entry = existing ?? this.directory.add(c.name, c.publicKey);
    const size = this.directory.size;
    const id = hex(clientId);
    const previous = this.#online.get(id);
    if (previous !== undefined) this.#out.push({ kind: 'close', conn: previous });
    this.#conns.set(conn, { kind: 'established', channel, clientId: id, name: entry.name });
    this.#online.set(id, conn);
    this.#send(
      conn,
      channel.seal({
        type: 'WELCOME',
        clientId,
        entry,
        inclusionProof: this.directory.inclusion(entry.index, size),
        treeHead: this.directory.head(size),
        consistencyProof: this.directory.consistency(c.headSize, size),
        mapProof: this.directory.mapProof(entry.name, size),
        phonebook: this.#page(0, this.#pageSize),
      }),
    );
    this.#broadcast(id, isNew ? 'added' : 'online');
  }

  #onSealed(conn: number, c: Extract<Conn, { kind: 'established' }>, payload: Uint8Array): void {
    const message = c.channel.open(payload);
    this.received.push(message);
    if (this.lies.drop?.(message)) return;
    switch (message.type) {
      case 'PING':
        this.#out.push({
          kind: 'send',
          conn,
          payload: c.channel.seal({ type: 'PONG', nonce: message.nonce, load: this.load }),
          delayMs: this.pongDelayMs,
        });
        return;
      case 'PHONEBOOK_REQUEST':
        this.#reply(c, conn, {
          type: 'PHONEBOOK_PAGE',
          requestId: message.requestId,
          page: this.#page(message.offset, Math.min(message.limit, this.#pageSize)),
        });
        return;
      case 'GET_PUBLIC_KEY': {
        const entry =
          message.target.by === 'name'
            ? this.directory.byName(message.target.name)
            : this.directory.byId(message.target.clientId);
        if (!entry) {
          this.#reply(c, conn, {
            type: 'ERROR',
            requestId: message.requestId,
            code: 'RELAY_ERR_NOT_FOUND',
            message: 'no such entry',
            fatal: false,
          });
          return;
        }
        const size = this.directory.size;
        let answer: ControlMessageOf<'PUBLIC_KEY'> = {
          type: 'PUBLIC_KEY',
          requestId: message.requestId,
          entry,
          inclusionProof: this.directory.inclusion(entry.index, size),
          treeHead: this.directory.head(size),
          mapProof: this.directory.mapProof(entry.name, size),
        };
        if (this.lies.publicKey) answer = this.lies.publicKey(answer, c.clientId);
        this.#reply(c, conn, answer);
        return;
      }
      case 'GET_CONSISTENCY': {
        const to = message.toSize ?? this.directory.size;
        let answer: ControlMessageOf<'CONSISTENCY'> = {
          type: 'CONSISTENCY',
          requestId: message.requestId,
          fromSize: message.fromSize,
          treeHead: this.directory.head(to),
          proof: this.directory.consistency(message.fromSize, to),
        };
        if (this.lies.consistency) answer = this.lies.consistency(answer, c.clientId);
        this.#reply(c, conn, answer);
        return;
      }
      case 'CALL_REQUEST': {
        if (this.lies.refuseCalls) {
          this.#reply(c, conn, {
            type: 'ERROR',
            code: this.lies.refuseCalls,
            message: 'refused',
            fatal: false,
          });
          return;
        }
        const callee = hex(message.callee);
        const callId = hex(message.callId);
        if (!this.#online.has(callee)) {
          this.#reply(c, conn, { type: 'CALL_END', callId: message.callId, reason: 'offline' });
          return;
        }
        this.#calls.set(callId, { callId, caller: c.clientId, callee });
        let incoming: ControlMessageOf<'INCOMING_CALL'> = {
          type: 'INCOMING_CALL',
          callId: message.callId,
          caller: Buffer.from(c.clientId, 'hex'),
          callerName: c.name,
          sealedCallData: message.sealedCallData,
        };
        if (this.lies.incomingCall) incoming = this.lies.incomingCall(incoming);
        this.#toClient(callee, incoming);
        return;
      }
      case 'CALL_RESPONSE': {
        const call = this.#calls.get(hex(message.callId));
        if (!call || call.callee !== c.clientId) return;
        this.#toClient(call.caller, this.lies.callResponse ? this.lies.callResponse(message) : message);
        if (message.decision !== 'accept') {
          this.#calls.delete(call.callId);
          return;
        }
        const session = this.#allocate(call);
        for (const side of ['caller', 'callee'] as const) {
          this.#toClient(call[side], {
            type: 'MEDIA_GRANT',
            callId: message.callId,
            sessionId: session.sessionId,
            token: session.tokens[side],
            side,
            expiresAt: Date.now() + 60_000,
          });
        }
        return;
      }
      case 'CALL_END': {
        const call = this.#calls.get(hex(message.callId));
        if (!call || (call.caller !== c.clientId && call.callee !== c.clientId)) return;
        this.#toClient(call.caller === c.clientId ? call.callee : call.caller, message);
        this.#calls.delete(call.callId);
        if (call.sessionId !== undefined) this.#sessions.delete(call.sessionId);
        return;
      }
      case 'CALL_RESUME': {
        const call = this.#calls.get(hex(message.callId));
        const session = call?.sessionId === undefined ? undefined : this.#sessions.get(call.sessionId);
        if (!call || !session || (call.caller !== c.clientId && call.callee !== c.clientId)) {
          this.#reply(c, conn, { type: 'CALL_END', callId: message.callId, reason: 'error' });
          return;
        }
        const side = call.caller === c.clientId ? 'caller' : 'callee';
        session.tokens[side] = this.crypto.randomBytes(32);
        session.bound[side] = undefined;
        this.#reply(c, conn, {
          type: 'MEDIA_GRANT',
          callId: message.callId,
          sessionId: session.sessionId,
          token: session.tokens[side],
          side,
          expiresAt: Date.now() + 60_000,
        });
        return;
      }
      default:
        return;
    }
  }

  /** The media router: returns the datagrams to send in answer to one received datagram. */
  datagram(data: Uint8Array, from: Address): { to: Address; data: Uint8Array }[] {
    let packet: MediaPacket;
    try {
      packet = decodeMediaPacket(data);
    } catch {
      this.dropped.push('malformed');
      return [];
    }
    const session = this.#sessions.get(packet.sessionId);
    if (!session) {
      this.dropped.push('unknown-session');
      return [];
    }
    const side = senderOf(packet.direction);
    const other = side === 'caller' ? 'callee' : 'caller';
    const same = (a: Address | undefined) =>
      a !== undefined && a.address === from.address && a.port === from.port;
    switch (packet.type) {
      case 'BIND':
      case 'BIND_CONFIRM': {
        if (!verifyControlPacket(this.crypto, session.tokens[side], packet)) {
          this.dropped.push('bad-token');
          return [];
        }
        if (packet.sequence <= session.counters[side]) {
          this.dropped.push('replayed-bind');
          return [];
        }
        session.counters[side] = packet.sequence;
        const key = `${side} ${from.address}:${from.port}`;
        if (packet.type === 'BIND' && !same(session.bound[side])) {
          const nonce = this.crypto.randomBytes(16);
          session.nonces.set(key, nonce);
          const challenge = buildBindChallenge({
            sessionId: session.sessionId,
            side,
            counter: packet.sequence,
            nowMs: Date.now(),
            nonce,
          });
          return [{ to: from, data: challenge }];
        }
        if (packet.type === 'BIND_CONFIRM') {
          const nonce = session.nonces.get(key);
          if (nonce === undefined || !bytesEqual(nonce, packet.body.subarray(0, 16))) {
            this.dropped.push('bad-nonce');
            return [];
          }
          session.bound[side] = from;
        }
        const ack = buildControlPacket(this.crypto, {
          kind: 'BIND_ACK',
          token: session.tokens[side],
          sessionId: session.sessionId,
          side,
          counter: packet.sequence,
          nowMs: Date.now(),
        });
        return [{ to: from, data: ack }];
      }
      case 'KEEPALIVE':
        if (!same(session.bound[side]) || !verifyControlPacket(this.crypto, session.tokens[side], packet)) {
          this.dropped.push('bad-keepalive');
        }
        return [];
      case 'DATA': {
        const target = session.bound[other];
        if (!same(session.bound[side]) || !target) {
          this.dropped.push('unbound-source');
          return [];
        }
        this.forwarded.push(data);
        return [{ to: target, data }];
      }
      case 'BIND_ACK':
      case 'BIND_CHALLENGE':
        this.dropped.push('wrong-type');
        return [];
    }
  }

  /** Grants (for tests that need a session's tokens). */
  session(callIdHex: string): MediaSession | undefined {
    const call = this.#calls.get(callIdHex);
    return call?.sessionId === undefined ? undefined : this.#sessions.get(call.sessionId);
  }

  #allocate(call: Call): MediaSession {
    let sessionId: number;
    do sessionId = this.crypto.randomBytes(4).reduce((a, b) => a * 256 + b, 0) >>> 0;
    while (this.#sessions.has(sessionId));
    const session: MediaSession = {
      sessionId,
      callId: call.callId,
      tokens: { caller: this.crypto.randomBytes(32), callee: this.crypto.randomBytes(32) },
      bound: {},
      counters: { caller: 0, callee: 0 },
      nonces: new Map(),
    };
    this.#sessions.set(sessionId, session);
    call.sessionId = sessionId;
    return session;
  }

  #page(offset: number, limit: number) {
    const contacts: Contact[] = this.directory.entries.slice(offset, offset + limit).map((e) => ({
      clientId: e.clientId,
      name: e.name,
      online: this.#online.has(hex(e.clientId)),
    }));
    return { offset, total: this.directory.size, contacts };
  }

  #broadcast(clientId: string, kind: 'added' | 'online' | 'offline'): void {
    const entry = this.directory.byId(Buffer.from(clientId, 'hex'));
    if (!entry) return;
    const contact = { clientId: entry.clientId, name: entry.name, online: kind !== 'offline' };
    for (const [id] of this.#online) {
      if (id !== clientId) this.#toClient(id, { type: 'PHONEBOOK_DELTA', changes: [{ kind, contact }] });
    }
  }

  #toClient(clientId: string, message: ControlMessage): void {
    const conn = this.#online.get(clientId);
    const c = conn === undefined ? undefined : this.#conns.get(conn);
    if (conn === undefined || c?.kind !== 'established') return;
    this.#send(conn, c.channel.seal(message));
  }

  #reply(c: Extract<Conn, { kind: 'established' }>, conn: number, message: ControlMessage): void {
    this.#send(conn, c.channel.seal(message));
  }

  #send(conn: number, payload: Uint8Array): void {
    this.#out.push({ kind: 'send', conn, payload, delayMs: 0 });
  }
}
