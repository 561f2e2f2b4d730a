/**
 * End to end over real sockets on 127.0.0.1 against the relay double: two clients
 * register, see each other, call, exchange encrypted media through the relay, and every other call path —
 * reject, busy, timeout, hang-up — plus a third client that can neither inject nor read media.
 */
import dgram from 'node:dgram';
import type { RsaPrivateKey } from '@leitung/crypto';
import {
  acceptOffer,
  buildControlPacket,
  CallIdReplayGuard,
  completeCall,
  createCallOffer,
  MediaReceiver,
  MediaSender,
  openCallOffer,
} from '@leitung/session';
import { decodeMediaPacket } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallEndedEvent, CallIncomingEvent, Client } from '../src/index.js';
import {
  ClientPool,
  codeOf,
  crypto,
  framesOf,
  key,
  nextEvent,
  nextFrame,
  rejection,
  waitFor,
} from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let carolKey: RsaPrivateKey;
const pool = new ClientPool();
let relay: RelayDouble | undefined;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey, carolKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('carol'),
  ]);
});

afterEach(async () => {
  await pool.closeAll();
  await relay?.stop();
  relay = undefined;
});

async function registered(...specs: [RsaPrivateKey, string][]): Promise<Client[]> {
  relay ??= await RelayDouble.start({ crypto, key: relayKey });
  const clients = specs.map(([k, name]) =>
    pool.make(k, name, [relay!.entry], { timing: { ringTimeoutMs: 1_500 } }),
  );
  for (const c of clients) await c.start();
  for (const c of clients) {
    await waitFor(
      () => specs.every(([, n]) => n === c.name || c.contacts.some((x) => x.name === n && x.online)),
      5_000,
      `${c.name} sees everyone online`,
    );
  }
  return clients;
}

const frame = (sequence: number, text: string) => ({
  sequence,
  timestamp: sequence * 960,
  payload: new TextEncoder().encode(text),
});

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle));
}

describe('calls through the relay double over real sockets', () => {
  it('registers two clients that see each other, calls, and carries encrypted media both ways', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    expect(alice!.contacts.find((c) => c.name === 'bob')).toMatchObject({
      online: true,
      verification: 'unverified',
    });

    const incoming = nextEvent<CallIncomingEvent>(bob!, 'call:incoming');
    const boundA = nextEvent(alice!, 'media:bound');
    const boundB = nextEvent(bob!, 'media:bound');
    bob!.once('call:incoming', () => bob!.answer());
    const call = await alice!.call('bob');
    const ring = await incoming;
    expect(ring.peer.name).toBe('alice');
    expect(ring.peer.clientId).toBe(alice!.clientId);
    expect(ring.safetyNumber).toBe(alice!.safetyNumber('bob'));
    expect(call.peer).toEqual({ clientId: bob!.clientId, name: 'bob' });
    await Promise.all([boundA, boundB]);

    // Alice → Bob and Bob → Alice; the relay forwards ciphertext only.
    const atBob = nextFrame(bob!);
    expect(alice!.sendFrame(frame(0, 'hello bob, secret words'))).toBe(true);
    expect(new TextDecoder().decode((await atBob).payload)).toBe('hello bob, secret words');
    const transport = alice!.mediaTransport();
    const atAlice = new Promise<Uint8Array>((resolve) => transport.onFrame((f) => resolve(f.payload)));
    bob!.mediaTransport().send(frame(0, 'hello alice, more secrets'));
    expect(new TextDecoder().decode(await atAlice)).toBe('hello alice, more secrets');
    transport.close();

    expect(relay!.core.forwarded.length).toBe(2);
    for (const datagram of relay!.core.forwarded) {
      expect(contains(datagram, new TextEncoder().encode('secret'))).toBe(false);
      expect(contains(datagram, new TextEncoder().encode('hello'))).toBe(false);
    }
    // Both contacts are now verified with proofs and pinned.
    expect(alice!.contacts.find((c) => c.name === 'bob')?.verification).toBe('verified');
    expect(bob!.contacts.find((c) => c.name === 'alice')?.verification).toBe('verified');

    const ended = nextEvent<CallEndedEvent>(bob!, 'call:ended');
    alice!.hangUp();
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
    expect(alice!.callState).toBe('ended');
    expect(alice!.sendFrame(frame(1, 'after hang-up'))).toBe(false);
  });

  it('reject: the caller learns CLIENT_ERR_CALL_REJECTED and both sides end', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    bob!.once('call:incoming', () => bob!.reject());
    const endedBob = nextEvent<CallEndedEvent>(bob!, 'call:ended');
    const endedAlice = nextEvent<CallEndedEvent>(alice!, 'call:ended');
    expect((await rejection(alice!.call('bob'))).code).toBe('CLIENT_ERR_CALL_REJECTED');
    expect(await endedBob).toMatchObject({ reason: 'rejected', by: 'local' });
    expect(await endedAlice).toMatchObject({ reason: 'rejected', by: 'remote' });
  });

  it('busy: a second call to a client in a call is answered busy (call waiting)', async () => {
    const [alice, bob, carol] = await registered([aliceKey, 'alice'], [bobKey, 'bob'], [carolKey, 'carol']);
    bob!.once('call:incoming', () => bob!.answer());
    await alice!.call('bob');
    let carolRang = false;
    bob!.on('call:incoming', () => {
      carolRang = true;
    });
    expect((await rejection(carol!.call('bob'))).code).toBe('CLIENT_ERR_PEER_BUSY');
    expect(carolRang).toBe(false);
    expect(bob!.callState).toBe('active');
    expect(alice!.callState).toBe('active');
  });

  it('a client in a call cannot place a second one', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob'], [carolKey, 'carol']);
    bob!.once('call:incoming', () => bob!.answer());
    await alice!.call('bob');
    expect((await rejection(alice!.call('carol'))).code).toBe('CLIENT_ERR_BUSY');
  });

  it('timeout: nobody answers, both sides end with reason timeout', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    const endedBob = nextEvent<CallEndedEvent>(bob!, 'call:ended');
    const started = Date.now();
    expect((await rejection(alice!.call('bob'))).code).toBe('CLIENT_ERR_CALL_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect((await endedBob).reason).toBe('timeout');
  });

  it('hang-up while ringing ends the call at the callee', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    const controller = new AbortController();
    bob!.once('call:incoming', () => controller.abort());
    const ended = nextEvent<CallEndedEvent>(bob!, 'call:ended');
    expect((await rejection(alice!.call('bob', { signal: controller.signal }))).code).toBe(
      'CLIENT_ERR_ABORTED',
    );
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
  });

  it('the callee can hang up an active call; keys are erased on both sides', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    bob!.once('call:incoming', () => bob!.answer());
    const bound = nextEvent(alice!, 'media:bound');
    await alice!.call('bob');
    await bound;
    const ended = nextEvent<CallEndedEvent>(alice!, 'call:ended');
    bob!.hangUp();
    expect(await ended).toMatchObject({ reason: 'hangup', by: 'remote' });
    expect(alice!.mediaStats()).toBeUndefined();
    expect(codeOf(() => bob!.hangUp())).toBe('CLIENT_ERR_INVALID_STATE');
  });

  it('a third client can neither inject into nor read the media of a call', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob'], [carolKey, 'carol']);
    bob!.once('call:incoming', () => bob!.answer());
    const bound = Promise.all([nextEvent(alice!, 'media:bound'), nextEvent(bob!, 'media:bound')]);
    const call = await alice!.call('bob');
    await bound;
    const session = relay!.core.session(call.callId)!;
    const frames = framesOf(bob!);

    // Mallory (carol's machine) knows the session id but not the tokens or the keys.
    const mallory = dgram.createSocket('udp4');
    const target = relay!.entry;
    const send = (data: Uint8Array) =>
      new Promise<void>((r) => mallory.send(data, target.mediaPort, target.host, () => r()));
    // 1. A BIND with a guessed token for the caller side: no ACK, no binding moved.
    await send(
      buildControlPacket(crypto, {
        kind: 'BIND',
        token: crypto.randomBytes(32),
        sessionId: session.sessionId,
        side: 'caller',
        counter: 1_000_000,
        nowMs: Date.now(),
      }),
    );
    // 2. DATA sealed under keys of her own, in the caller's direction, from her address: not forwarded.
    const own = ownKeys();
    const forged = new MediaSender(crypto, own.caller, session.sessionId).seal(frame(5, 'injected'));
    await send(forged);
    // 3. A forwarded-looking forgery delivered straight to Bob's media socket would still fail the MAC —
    //    checked by replaying the relay's recorded datagrams with flipped bits at the core level below.
    await new Promise((r) => setTimeout(r, 150));
    expect(frames).toEqual([]);
    expect(relay!.core.dropped).toEqual(expect.arrayContaining(['bad-token', 'unbound-source']));
    mallory.close();

    // Reading: what the relay (or anyone on the path) records does not open under other keys.
    const atBob = nextFrame(bob!);
    alice!.sendFrame(frame(0, 'private'));
    await atBob;
    const recorded = relay!.core.forwarded.at(-1)!;
    expect(decodeMediaPacket(recorded).type).toBe('DATA');
    const eavesdropper = new MediaReceiver(crypto, own.callee, session.sessionId);
    expect(codeOf(() => eavesdropper.open(recorded))).toBe('SESSION_ERR_MEDIA_AUTH');
  });

  it('binds again from a new local address (re-BIND) and the media keeps flowing', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    bob!.once('call:incoming', () => bob!.answer());
    const bound = Promise.all([nextEvent(alice!, 'media:bound'), nextEvent(bob!, 'media:bound')]);
    const call = await alice!.call('bob');
    await bound;
    const session = relay!.core.session(call.callId)!;
    const before = session.bound.caller!.port;
    const rebound = nextEvent(alice!, 'media:bound');
    alice!.rebindMedia();
    await rebound;
    expect(session.bound.caller!.port).not.toBe(before);
    const atBob = nextFrame(bob!);
    alice!.sendFrame(frame(0, 'from the new port'));
    expect(new TextDecoder().decode((await atBob).payload)).toBe('from the new port');
  });

  it('frames take the media lane: at most 4 function boundaries each way, never the control core', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    bob!.once('call:incoming', () => bob!.answer());
    const bound = Promise.all([nextEvent(alice!, 'media:bound'), nextEvent(bob!, 'media:bound')]);
    await alice!.call('bob');
    await bound;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    const send = dgram.Socket.prototype.send;
    let sendStack = '';
    const spy = vi.spyOn(dgram.Socket.prototype, 'send').mockImplementation(function (
      this: dgram.Socket,
      ...args: unknown[]
    ) {
      const stack = new Error().stack ?? '';
      if (stack.includes('appSends')) sendStack = stack;
      return (send as (...a: unknown[]) => void).apply(this, args);
    });
    try {
      let receiveStack = '';
      const transport = bob!.mediaTransport();
      const received = new Promise<void>((resolve) => {
        transport.onFrame(function appListens() {
          receiveStack = new Error().stack ?? '';
          resolve();
        });
      });
      const sender = alice!.mediaTransport();
      function appSends(): void {
        sender.send(frame(0, 'one hop at a time'));
      }
      appSends();
      await received;
      transport.close();
      // transport.send → … → MediaSocket.send (which calls the dgram socket's send).
      const out = framesFrom(sendStack, 'media-socket.ts', 'appSends');
      expect(out.length).toBeLessThanOrEqual(4);
      // The socket's message callback (in MediaSocket) → … → the onFrame listener.
      const into = framesFrom(receiveStack, 'appListens', 'media-socket.ts').slice(1);
      expect(into.length).toBeLessThanOrEqual(4);
      for (const walk of [out, into]) {
        expect(walk.join('\n')).not.toMatch(/client-core|call-machine|client\.ts.*#flush|EventEmitter/);
      }
    } finally {
      spy.mockRestore();
      Error.stackTraceLimit = limit;
    }
  });

  it('a grant that moves the media to a relay not in the relay list fails the lane, not the call', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    bob!.once('call:incoming', () => bob!.answer());
    const bound = nextEvent(alice!, 'media:bound');
    const call = await alice!.call('bob');
    await bound;
    const failed = nextEvent<{ callId: string; code: string }>(alice!, 'media:failed');
    // Media addresses come only from the pinned relay list, never from the protocol (docs/client.md).
    relay!.push(alice!.clientId, {
      type: 'MEDIA_GRANT',
      callId: Buffer.from(call.callId, 'hex'),
      sessionId: 4242,
      token: crypto.randomBytes(32),
      side: 'caller',
      expiresAt: Date.now() + 60_000,
      mediaRelay: crypto.randomBytes(32),
    });
    expect(await failed).toMatchObject({ callId: call.callId, code: 'CLIENT_ERR_MEDIA_BIND_FAILED' });
    expect(alice!.callState).toBe('active');
  });

  it('an offline callee ends the call with CLIENT_ERR_CALL_ENDED', async () => {
    const [alice, bob] = await registered([aliceKey, 'alice'], [bobKey, 'bob']);
    await bob!.close();
    await waitFor(() => alice!.contacts.some((c) => c.name === 'bob' && !c.online));
    const error = await rejection(alice!.call('bob'));
    expect(error.code).toBe('CLIENT_ERR_CALL_ENDED');
  });
});

/** The frames of `stack` from the innermost one naming `inner` up to (without) the next naming `outer`. */
function framesFrom(stack: string, inner: string, outer: string): string[] {
  const lines = stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim());
  const from = lines.findIndex((line) => line.includes(inner));
  const to = lines.findIndex((line, i) => i > from && line.includes(outer));
  expect(from).toBeGreaterThanOrEqual(0);
  expect(to).toBeGreaterThan(from);
  return lines.slice(from, to);
}

/** A complete key exchange between two throwaway parties: keys unrelated to any real call. */
function ownKeys() {
  const replayGuard = new CallIdReplayGuard();
  const caller = { id: crypto.sha3_256(aliceKey.publicKey.toDer()), privateKey: aliceKey };
  const callee = { id: crypto.sha3_256(bobKey.publicKey.toDer()), privateKey: bobKey };
  const offer = createCallOffer({
    crypto,
    caller,
    callee: { id: callee.id, publicKey: bobKey.publicKey },
    codecs: [1],
    now: Date.now(),
  });
  const opened = openCallOffer({
    crypto,
    sealedCallData: offer.sealedCallData,
    statedCallId: offer.callId,
    callee,
    statedCallerId: caller.id,
    callerPublicKey: aliceKey.publicKey,
    now: Date.now(),
    replayGuard,
  });
  const answer = acceptOffer(crypto, opened);
  return { caller: completeCall(crypto, offer.pending, answer), callee: answer.keys };
}
