/**
 * The native media plane (docs/relay.md "Native media plane"): the addon's C copy of the router's DATA path must
 * decide every datagram exactly as the router does (the router is the specification), keep one packet budget
 * per side with the router's control packets, and keep forwarding while the relay's loop is blocked.
 */
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import type { RsaPrivateKey } from '@leitung/crypto';
import { buildControlPacket, MediaSender } from '@leitung/session';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_DROP_REASONS, type MediaDecision, MediaRouter } from '../src/core/index.js';
import type { NativeMediaAddon, NativeMediaHandle } from '../src/shell/native-media-addon.js';
import { loadNativeMediaAddon } from '../src/shell/native-media-addon.js';
import { ipv4Number, NATIVE_DROP_REASONS, NativeDataPlane } from '../src/shell/native-media-plane.js';
import { BLOCK_MS, largestGapWhileBlocked, stopPeerThreads } from './support/blocked-loop.js';
import { establishedCall } from './support/established-call.js';
import { useFixture } from './support/fixture.js';
import { crypto, key } from './support/keys.js';
import { useMediaPeers } from './support/media-peer.js';

const addon = loadNativeMediaAddon();
if (addon === undefined) {
  process.stderr.write(
    'native-media-plane.test: the addon is not built here; the native plane is not tested\n',
  );
}

const T0 = 1_700_000_000_000;
const LIMIT = { perSecond: 20, burst: 5 };

/** A router with the options the plane gets from it. */
function router(): MediaRouter {
  return new MediaRouter({
    crypto,
    maxPacketSize: 1200,
    packetsPerSide: LIMIT,
    unconfirmedControlPerSession: { perSecond: 50, burst: 20 },
    bindTimeoutMs: 600_000,
    idleTimeoutMs: 600_000,
    maxSessions: 100,
  });
}

/** A deterministic generator (xorshift32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const opened: { addon: NativeMediaAddon; handle: NativeMediaHandle; plane: NativeDataPlane }[] = [];
afterEach(() => {
  for (const { addon, handle, plane } of opened.splice(0)) {
    plane.stop(T0);
    addon.close(handle);
  }
});

/** The router with a native plane on a real (idle) socket: its media thread runs, nothing is sent to it. */
function nativeRouter(native: NativeMediaAddon): {
  router: MediaRouter;
  handle: NativeMediaHandle;
  plane: NativeDataPlane;
} {
  const withPlane = router();
  const handle = {} as NativeMediaHandle;
  native.open(handle, '127.0.0.1', 0, 1 << 20, 64, 2048, () => 0, [1200, LIMIT.perSecond, LIMIT.burst, 0]);
  const plane = new NativeDataPlane(native, handle, withPlane);
  plane.start(T0);
  opened.push({ addon: native, handle, plane });
  return { router: withPlane, handle, plane };
}

const describeNative = addon === undefined ? describe.skip : describe;

describeNative(
  'native media plane: the C DATA path against the router (docs/relay.md "Native media plane")',
  () => {
    it('decides 30 000 mixed datagrams exactly as the router does, and counts the same', () => {
      const native = addon!;
      const spec = router();
      const { router: withPlane, handle, plane } = nativeRouter(native);
      const next = random(0x5eed);
      const sessions = Array.from({ length: 8 }, (_, i) => ({
        id: (0x1000_0000 + i * 7919) >>> 0,
        tokens: [crypto.randomBytes(32), crypto.randomBytes(32)] as const,
        endpoints: [
          { address: `10.0.${i}.1`, port: 4000 + i },
          { address: `10.0.${i}.2`, port: 5000 + i },
        ] as const,
      }));
      let now = T0;
      const counters = new Map<string, number>();
      const bind = (s: (typeof sessions)[number], side: 0 | 1) => {
        const counter = (counters.get(`${s.id}:${side}`) ?? 0) + 1;
        counters.set(`${s.id}:${side}`, counter);
        const bytes = buildControlPacket(crypto, {
          kind: 'BIND',
          token: s.tokens[side],
          sessionId: s.id,
          side: side === 0 ? 'caller' : 'callee',
          counter,
          nowMs: now,
        });
        // A connected endpoint binds on its BIND (no challenge), which keeps the setup short; the address is
        // an ordinary UDP one, so the plane holds it as such.
        const from = { ...s.endpoints[side], connected: true };
        for (const r of [spec, withPlane])
          expect(r.datagram(bytes, from, now)).toMatchObject({ kind: 'reply' });
      };
      for (const s of sessions) {
        const grant = {
          kind: 'grant' as const,
          sessionId: s.id,
          callKey: `call-${s.id}`,
          callerToken: s.tokens[0],
          calleeToken: s.tokens[1],
          createdAt: T0,
        };
        spec.adopt(grant, T0);
        withPlane.adopt(grant, T0);
      }
      // Sessions 0-5 bound both ways, 6 only the caller, 7 not at all.
      sessions.slice(0, 6).forEach((s) => {
        bind(s, 0);
        bind(s, 1);
      });
      bind(sessions[6]!, 0);

      const seen = new Map<string, number>();
      const stranger = { address: '198.51.100.7', port: 6000 };
      for (let i = 0; i < 30_000; i++) {
        now += Math.floor(next() * 4);
        if (i === 10_000) {
          // A session freed and one completed mid-way: the plane must follow.
          spec.release(sessions[2]!.id);
          withPlane.release(sessions[2]!.id);
          bind(sessions[6]!, 1);
        }
        if (i === 20_000) bind(sessions[0]!, 0); // a refresh from the confirmed address moves nothing
        const s = sessions[Math.floor(next() * sessions.length)]!;
        const roll = next();
        const sessionId = roll < 0.9 ? s.id : Math.floor(next() * 2 ** 32);
        const sideRoll = next();
        const flags = sideRoll < 0.47 ? 0 : sideRoll < 0.94 ? 1 : sideRoll < 0.97 ? 2 : 0x80;
        const side = (flags & 1) as 0 | 1;
        const sourceRoll = next();
        const own = s.endpoints[side];
        // The side's address, the other side's, the side's IP from another port (a NAT's new mapping), a stranger.
        const from =
          sourceRoll < 0.75
            ? own
            : sourceRoll < 0.85
              ? s.endpoints[side ^ 1]!
              : sourceRoll < 0.92
                ? { address: own.address, port: own.port + 1 }
                : stranger;
        const lengthRoll = next();
        const length =
          lengthRoll < 0.03
            ? 1201 + Math.floor(next() * 800)
            : lengthRoll < 0.06
              ? Math.floor(next() * 30)
              : 60 + Math.floor(next() * 200);
        const typeRoll = next();
        const type = typeRoll < 0.93 ? 1 : [0, 2, 3, 4, 5, 6, 15][Math.floor(next() * 7)]!;
        const version = next() < 0.98 ? 1 : 2;
        const bytes = new Uint8Array(length);
        for (let b = 14; b < length; b++) bytes[b] = (next() * 256) | 0;
        if (length > 0) bytes[0] = (version << 4) | type;
        if (length > 1) bytes[1] = flags;
        for (let b = 0; b < 4 && 2 + b < length; b++) bytes[2 + b] = (sessionId >>> (24 - 8 * b)) & 255;

        const expected: MediaDecision = spec.datagram(bytes, from, now);
        const [code, ip, port] = native.planeDecide(handle, bytes, ipv4Number(from.address), from.port, now);
        if (code === 0) {
          expect(expected).toEqual({
            kind: 'forward',
            address: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`,
            port,
          });
        } else if (code === 1) {
          // Not DATA: the router on the loop decides, as the socket would hand it over.
          expect(type).not.toBe(1);
          expect(withPlane.datagram(bytes, from, now)).toEqual(expected);
        } else {
          expect(expected).toEqual({ kind: 'drop', reason: NATIVE_DROP_REASONS[code - 2] });
        }
        const label = expected.kind === 'drop' ? expected.reason : expected.kind;
        seen.set(label, (seen.get(label) ?? 0) + 1);
      }
      // The sequence exercised every decision the C path makes.
      for (const label of ['forward', ...NATIVE_DROP_REASONS])
        expect(seen.get(label) ?? 0).toBeGreaterThan(10);

      plane.flush();
      expect(withPlane.forwardedPackets).toBe(spec.forwardedPackets);
      expect(withPlane.forwardedBytes).toBe(spec.forwardedBytes);
      for (const reason of MEDIA_DROP_REASONS)
        expect([reason, withPlane.drops[reason]]).toEqual([reason, spec.drops[reason]]);
    });

    it('control packets the router verifies and DATA the plane forwards share one budget per side', () => {
      const native = addon!;
      const { router: withPlane, handle } = nativeRouter(native);
      const grant = withPlane.allocate('call-budget', T0)!;
      const caller = { address: '10.1.0.1', port: 4000, connected: true };
      const callee = { address: '10.1.0.2', port: 5000, connected: true };
      const control = (kind: 'BIND' | 'KEEPALIVE', counter: number) =>
        buildControlPacket(crypto, {
          kind,
          token: grant.callerToken,
          sessionId: grant.sessionId,
          side: 'caller',
          counter,
          nowMs: T0,
        });
      expect(withPlane.datagram(control('BIND', 1), caller, T0)).toMatchObject({
        kind: 'reply',
        binding: 'bound',
      });
      expect(
        withPlane.datagram(
          buildControlPacket(crypto, {
            kind: 'BIND',
            token: grant.calleeToken,
            sessionId: grant.sessionId,
            side: 'callee',
            counter: 1,
            nowMs: T0,
          }),
          callee,
          T0,
        ),
      ).toMatchObject({ kind: 'reply' });
      // The BIND took one of the caller's 5; three KEEPALIVEs take three more: one DATA is left.
      for (let counter = 2; counter <= 4; counter++) {
        expect(withPlane.datagram(control('KEEPALIVE', counter), caller, T0)).toEqual({ kind: 'refresh' });
      }
      const data = new Uint8Array(100);
      data[0] = 0x11;
      data.set(
        [
          grant.sessionId >>> 24,
          (grant.sessionId >>> 16) & 255,
          (grant.sessionId >>> 8) & 255,
          grant.sessionId & 255,
        ],
        2,
      );
      const ip = ipv4Number(caller.address);
      expect(native.planeDecide(handle, data, ip, caller.port, T0)[0]).toBe(0);
      expect(NATIVE_DROP_REASONS[native.planeDecide(handle, data, ip, caller.port, T0)[0] - 2]).toBe('rate');
      // And the other way: the empty bucket refuses the next KEEPALIVE too.
      expect(withPlane.datagram(control('KEEPALIVE', 5), caller, T0)).toEqual({
        kind: 'drop',
        reason: 'rate',
      });
    });
  },
);

let alice: RsaPrivateKey;
let bob: RsaPrivateKey;
beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

describeNative('native media plane in the relay', () => {
  const fx = useFixture();
  const peer = useMediaPeers();
  afterEach(stopPeerThreads);

  it('a blocked control loop does not stall media forwarded by the media thread', async () => {
    const relay = await fx.relay({ mediaIo: 'native' });
    expect(relay.mediaIo).toBe('native');
    const { sent, received, largestGapMs } = await largestGapWhileBlocked(relay);
    // Media kept flowing: a sizeable run, nearly all of it forwarded, and no gap near the block's length.
    expect(sent).toBeGreaterThan(100);
    expect(received).toBeGreaterThanOrEqual(Math.floor(sent * 0.95));
    expect(largestGapMs).toBeLessThan(BLOCK_MS / 3);
  });

  it('the media thread’s activity reaches the router: a call that sends is never freed as idle', async () => {
    const relay = await fx.relay({ mediaIo: 'native', limits: { mediaIdleTimeoutMs: 1000 } });
    const call = await establishedCall(fx, relay, alice, bob);
    const [pa, pb] = [await peer(), await peer()];
    await pa.establish(call.aliceGrant, relay);
    await pb.establish(call.bobGrant, relay);
    const sender = new MediaSender(crypto, call.aliceKeys, call.aliceGrant.sessionId);
    const sessionId = call.aliceGrant.sessionId;
    for (let i = 0; i < 125; i++) {
      pa.send(sender.seal({ sequence: i, timestamp: i * 960, payload: new Uint8Array(80) }), relay);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // 2.5 s of DATA, 2.5 × the idle timeout: only the media thread saw it.
    expect(relay.core.media.hasSession(sessionId)).toBe(true);
    expect(pb.received.length).toBeGreaterThanOrEqual(2 + 120);
    // Silence frees it within the timeout and a housekeeping tick.
    const deadline = Date.now() + 4000;
    while (relay.core.media.hasSession(sessionId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(relay.core.media.hasSession(sessionId)).toBe(false);
  });

  it('the media thread runs at the nice value it asked for where the process may raise it, and says what it has', async () => {
    const relay = await fx.relay({ mediaIo: 'native', mediaThreadNice: -5 });
    // Linux keeps the nice value per thread: read the thread's own (field 19 of its stat).
    const tasks = readdirSync('/proc/self/task').filter(
      (tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'leitung-media',
    );
    expect(tasks).toHaveLength(1);
    const stat = readFileSync(`/proc/self/task/${tasks[0]}/stat`, 'utf8');
    const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    expect(relay.mediaThreadNice).toBe(nice);
    const mayRaise = process.getuid?.() === 0;
    if (mayRaise) expect(nice).toBe(-5);
    else expect(nice).toBeGreaterThanOrEqual(-5);
    // The alarm metric says whether the thread got it (docs/relay.md "Metrics").
    const metrics = await relay.metrics.metrics();
    expect(metrics).toMatch(
      new RegExp(`^leitung_relay_media_thread_priority_missing ${nice > -5 ? 1 : 0}$`, 'm'),
    );
    expect(metrics).toMatch(/^leitung_relay_media_queue_drops_total 0$/m);
  });

  it('1 500 BINDs arriving at once all reach the router (the queue to the loop holds what the kernel would)', async () => {
    const relay = await fx.relay({ mediaIo: 'native', limits: { maxMediaSessions: 1000 } });
    const binds: Uint8Array[] = [];
    for (let i = 0; i < 750; i++) {
      const grant = relay.core.media.allocate(`burst-${i}`, Date.now())!;
      for (const [side, token] of [
        ['caller', grant.callerToken],
        ['callee', grant.calleeToken],
      ] as const) {
        binds.push(
          buildControlPacket(crypto, {
            kind: 'BIND',
            token,
            sessionId: grant.sessionId,
            side,
            counter: 1,
            nowMs: Date.now(),
          }),
        );
      }
    }
    const socket = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    try {
      await Promise.all(
        binds.map(
          (bytes) =>
            new Promise<void>((resolve) => socket.send(bytes, relay.mediaPort, relay.host, () => resolve())),
        ),
      );
      const deadline = Date.now() + 5000;
      while (relay.core.media.challenges < binds.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(relay.core.media.challenges).toBe(binds.length);
    } finally {
      socket.close();
    }
  });

  it('a mediaThreadNice that is no nice value is RELAY_ERR_INVALID_OPTION, before anything is opened', async () => {
    for (const mediaThreadNice of [-21, 20, 1.5, Number.NaN]) {
      await expect(fx.relay({ mediaIo: 'native', mediaThreadNice })).rejects.toMatchObject({
        code: 'RELAY_ERR_INVALID_OPTION',
      });
    }
  });

  it('mediaIo native with an injected clock is RELAY_ERR_UNSUPPORTED (the media thread reads the wall clock)', async () => {
    await expect(fx.relay({ mediaIo: 'native', now: () => T0 })).rejects.toMatchObject({
      code: 'RELAY_ERR_UNSUPPORTED',
    });
  });
});
