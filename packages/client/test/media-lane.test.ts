/**
 * The media lane on its own (docs/architecture.md "Media lane"): a MediaChannel over fake sockets binds at
 * once and keeps its own timers, answers BIND_CHALLENGE, rebinds from a new socket, moves to another relay
 * with the same keys, stays within its hop budget both ways, and erases its keys and token when it closes.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { buildBindChallenge, buildControlPacket, MediaSender } from '@leitung/session';
import { decodeMediaPacket, type MediaGrant } from '@leitung/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DatagramSocket,
  MediaChannel,
  type MediaChannelOptions,
  type MediaTarget,
} from '../src/core.js';
import type { MediaFrame } from '../src/index.js';
import { crypto, key, mediaKeyPair, waitFor } from './support/fixtures.js';

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
const stackTraceLimit = Error.stackTraceLimit;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
  // Deep enough to see the whole walk from the test's own function to the socket.
  Error.stackTraceLimit = 100;
});

afterAll(() => {
  Error.stackTraceLimit = stackTraceLimit;
});

const RELAY_A: MediaTarget = { host: '127.0.0.1', port: 40_001 };
const RELAY_B: MediaTarget = { host: '127.0.0.1', port: 40_002 };

class FakeSocket implements DatagramSocket {
  readonly sent: Uint8Array[] = [];
  closed = false;
  /** Called inside `send`, on the stack of whoever sent. */
  onSend: ((data: Uint8Array) => void) | undefined;

  constructor(
    readonly target: MediaTarget,
    readonly onDatagram: (data: Uint8Array) => void,
  ) {}

  send(data: Uint8Array): void {
    if (this.closed) throw new Error('send on a closed socket');
    this.sent.push(data);
    this.onSend?.(data);
  }

  close(): void {
    this.closed = true;
  }

  /** The decoded types of what was sent. */
  types(): string[] {
    return this.sent.map((d) => decodeMediaPacket(d).type);
  }
}

function lane(
  side: 'caller' | 'callee',
  keys: ReturnType<typeof mediaKeyPair>,
  options: Partial<MediaChannelOptions> = {},
) {
  const sockets: FakeSocket[] = [];
  const grant: MediaGrant = {
    type: 'MEDIA_GRANT',
    callId: keys.callId,
    sessionId: 77,
    token: new Uint8Array(32).fill(side === 'caller' ? 1 : 2),
    side,
    expiresAt: Date.now() + 60_000,
  };
  const bound: number[] = [];
  const channel = new MediaChannel({
    crypto,
    keys: keys[side],
    grant,
    target: RELAY_A,
    openSocket: (target, onDatagram) => {
      const socket = new FakeSocket(target, onDatagram);
      sockets.push(socket);
      return socket;
    },
    onBound: (sessionId) => bound.push(sessionId),
    ...options,
  });
  return { channel, grant, sockets, bound, socket: () => sockets.at(-1)! };
}

/** The relay's BIND_ACK for the last BIND (or BIND_CONFIRM) a socket sent. */
function ackLast(socket: FakeSocket, token: Uint8Array, side: 'caller' | 'callee'): Uint8Array {
  const last = decodeMediaPacket(socket.sent.at(-1)!);
  return buildControlPacket(crypto, {
    kind: 'BIND_ACK',
    token,
    sessionId: last.sessionId,
    side,
    counter: last.sequence,
    nowMs: Date.now(),
  });
}

const frame = (sequence: number): MediaFrame => ({
  sequence,
  timestamp: sequence * 960,
  payload: new Uint8Array([sequence & 0xff, 42]),
});

function boundPair() {
  const keys = mediaKeyPair(alice, bob);
  const caller = lane('caller', keys);
  const callee = lane('callee', keys);
  caller.socket().onDatagram(ackLast(caller.socket(), caller.grant.token, 'caller'));
  callee.socket().onDatagram(ackLast(callee.socket(), callee.grant.token, 'callee'));
  expect(caller.bound).toEqual([77]);
  expect(callee.bound).toEqual([77]);
  return { keys, caller, callee };
}

/** The frames of `stack` strictly between the innermost one naming `inner` and the next naming `outer`. */
function framesBetween(stack: string, inner: string, outer: string): string[] {
  const lines = stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim());
  const from = lines.findIndex((line) => line.includes(inner));
  const to = lines.findIndex((line, i) => i > from && line.includes(outer));
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  return lines.slice(from + 1, to);
}

describe('MediaChannel (the media lane)', () => {
  it('binds through its socket at once; its own timers retry BIND, then report failure', async () => {
    const keys = mediaKeyPair(alice, bob);
    let failed = false;
    const { channel, socket } = lane('caller', keys, {
      bindRetryMs: 5,
      bindRetryMaxMs: 10,
      bindAttempts: 3,
      onFailed: () => {
        failed = true;
      },
    });
    expect(socket().target).toEqual(RELAY_A);
    expect(socket().types()).toEqual(['BIND']);
    await waitFor(() => failed, 2_000, 'media:failed');
    expect(socket().sent.map((d) => decodeMediaPacket(d).sequence)).toEqual([1, 2, 3]);
    expect(channel.bound).toBe(false);
    channel.close();
  });

  it('sends KEEPALIVE on its own timer once bound', async () => {
    const keys = mediaKeyPair(alice, bob);
    const caller = lane('caller', keys, { keepaliveIntervalMs: 10 });
    caller.socket().onDatagram(ackLast(caller.socket(), caller.grant.token, 'caller'));
    expect(caller.channel.bound).toBe(true);
    await waitFor(() => caller.socket().types().includes('KEEPALIVE'), 2_000, 'a KEEPALIVE');
    caller.channel.close();
  });

  it('answers a BIND_CHALLENGE from the socket it came on, and binds from a new socket on rebindSocket', () => {
    const keys = mediaKeyPair(alice, bob);
    const caller = lane('caller', keys);
    const first = caller.socket();
    first.onDatagram(ackLast(first, caller.grant.token, 'caller'));
    caller.channel.rebindSocket();
    expect(first.closed).toBe(true);
    const second = caller.socket();
    expect(second).not.toBe(first);
    expect(second.target).toEqual(RELAY_A);
    expect(second.types()).toEqual(['BIND']);
    expect(caller.channel.bound).toBe(false);
    const bind = decodeMediaPacket(second.sent[0]!);
    second.onDatagram(
      buildBindChallenge({
        sessionId: 77,
        side: 'caller',
        counter: bind.sequence,
        nowMs: Date.now(),
        nonce: new Uint8Array(16).fill(5),
      }),
    );
    expect(second.types()).toEqual(['BIND', 'BIND_CONFIRM']);
    second.onDatagram(ackLast(second, caller.grant.token, 'caller'));
    expect(caller.bound).toEqual([77, 77]);
    caller.channel.close();
  });

  it('moves to another relay with the same keys; sequence numbers continue above the last sent', () => {
    const { caller, callee } = boundPair();
    const frames: MediaFrame[] = [];
    callee.channel.onFrame((f) => frames.push(f));
    expect(caller.channel.send(frame(5))).toBe(true);
    callee.socket().onDatagram(caller.socket().sent.at(-1)!);
    const moved: MediaGrant = { ...caller.grant, sessionId: 99, token: new Uint8Array(32).fill(7) };
    const oldToken = caller.grant.token;
    // Same relay: the socket stays.
    caller.channel.retarget({ ...moved, sessionId: 98 }, RELAY_A);
    expect(caller.sockets).toHaveLength(1);
    // Another relay: a socket connected there, and a BIND under the new session.
    caller.channel.retarget(moved, RELAY_B);
    expect(caller.sockets).toHaveLength(2);
    expect(caller.sockets[0]!.closed).toBe(true);
    expect(caller.socket().target).toEqual(RELAY_B);
    expect(decodeMediaPacket(caller.socket().sent[0]!)).toMatchObject({ type: 'BIND', sessionId: 99 });
    // The old session's token proves nothing any more: erased.
    expect(oldToken.every((b) => b === 0)).toBe(true);
    expect(caller.channel.send(frame(6))).toBe(false);
    caller.socket().onDatagram(ackLast(caller.socket(), moved.token, 'caller'));
    expect(caller.channel.send(frame(5))).toBe(false);
    expect(caller.channel.stats.dropped.sequence).toBe(1);
    expect(caller.channel.send(frame(6))).toBe(true);
    expect(caller.channel.lastSentSequence).toBe(6);
    callee.channel.retarget({ ...callee.grant, sessionId: 99, token: new Uint8Array(32).fill(8) }, RELAY_B);
    callee.socket().onDatagram(caller.socket().sent.at(-1)!);
    expect(frames.map((f) => f.sequence)).toEqual([5, 6]);
    caller.channel.close();
    callee.channel.close();
  });

  it('a sent frame passes at most 4 function boundaries from transport.send to socket.send', () => {
    const { caller, callee } = boundPair();
    let stack = '';
    caller.socket().onSend = () => {
      stack = new Error().stack ?? '';
    };
    const transport = caller.channel;
    function appSends(): void {
      transport.send(frame(1));
    }
    appSends();
    const between = framesBetween(stack, 'FakeSocket.send', 'appSends');
    expect(between.length).toBeLessThanOrEqual(4);
    expect(between.join('\n')).not.toMatch(/client-core|call-machine|EventEmitter|emit/);
    caller.channel.close();
    callee.channel.close();
  });

  it('a received frame passes at most 4 function boundaries from the socket callback to onFrame', () => {
    const { caller, callee } = boundPair();
    caller.channel.send(frame(1));
    const datagram = caller.socket().sent.at(-1)!;
    let stack = '';
    callee.channel.onFrame(function appListens() {
      stack = new Error().stack ?? '';
    });
    const socket = callee.socket();
    function socketMessage(): void {
      socket.onDatagram(datagram);
    }
    socketMessage();
    const between = framesBetween(stack, 'appListens', 'socketMessage');
    expect(between.length).toBeLessThanOrEqual(4);
    expect(between.join('\n')).not.toMatch(/client-core|call-machine|EventEmitter|emit/);
    expect(callee.channel.stats.received).toBe(1);
    caller.channel.close();
    callee.channel.close();
  });

  it('close erases the keys and the token it held, refuses to send and delivers nothing more', () => {
    const { keys, caller, callee } = boundPair();
    const held = [keys.caller.sendKey, keys.caller.receiveKey, caller.grant.token];
    expect(held.every((bytes) => bytes.some((b) => b !== 0))).toBe(true);
    const frames: MediaFrame[] = [];
    caller.channel.onFrame((f) => frames.push(f));
    callee.channel.send(frame(1));
    const late = callee.socket().sent.at(-1)!;

    caller.channel.close();
    expect(held.every((bytes) => bytes.every((b) => b === 0))).toBe(true);
    expect(keys.caller.destroyed).toBe(true);
    expect(caller.socket().closed).toBe(true);
    expect(caller.channel.closed).toBe(true);
    const sentBefore = caller.socket().sent.length;
    expect(caller.channel.send(frame(2))).toBe(false);
    expect(caller.channel.stats.dropped.closed).toBe(1);
    expect(caller.socket().sent).toHaveLength(sentBefore);
    caller.socket().onDatagram(late);
    expect(frames).toEqual([]);
    caller.channel.rebindSocket();
    caller.channel.retarget(caller.grant, RELAY_B);
    expect(caller.sockets).toHaveLength(1);
    caller.channel.close();
    callee.channel.close();
  });

  it('refuses DATA from a sender without the keys before delivering anything', () => {
    const { caller, callee } = boundPair();
    const frames: MediaFrame[] = [];
    callee.channel.onFrame((f) => frames.push(f));
    const other = mediaKeyPair(alice, bob);
    callee.socket().onDatagram(new MediaSender(crypto, other.caller, 77).seal(frame(1)));
    expect(frames).toEqual([]);
    expect(callee.channel.stats.dropped.auth).toBe(1);
    caller.channel.close();
    callee.channel.close();
  });
});
