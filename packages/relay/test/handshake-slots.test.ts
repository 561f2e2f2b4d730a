/**
 * Handshake-slot exhaustion against a real relay (docs/relay.md "Handshake slots"): an attacker holds idle
 * pre-REGISTER connections from many loopback addresses and keeps replacing the ones that get evicted, while
 * an honest client registers in slow motion. The honest client, already past CHALLENGE, must not be evicted.
 */
import { connect, type Socket } from 'node:net';
import type { RsaPrivateKey } from '@leitung/crypto';
import { ClientHandshake } from '@leitung/session';
import { decodeMessage, encodeFrame } from '@leitung/wire';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../src/protection/address-key.js';
import { useFixture } from './support/fixture.js';
import { Harness } from './support/harness.js';
import { crypto, key } from './support/keys.js';

let alice: RsaPrivateKey;
let relayKey: RsaPrivateKey;
beforeAll(async () => {
  [alice, relayKey] = await Promise.all([key('alice'), key('relay')]);
});

const fx = useFixture();
const sockets = new Set<Socket>();
afterEach(() => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
});

/** An idle connection from `localAddress` that never sends a byte; resolves once connected. */
function idle(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume();
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
    // Destroyed before it connected (the test is over): settles too.
    socket.once('close', () => reject(new Error('closed')));
  });
}

const ATTACKER_ADDRESSES = Array.from({ length: 65 }, (_, i) => `127.0.0.${10 + i}`);

describe('handshake slots (docs/relay.md "Handshake slots")', () => {
  it('520 idle connections from 65 addresses do not evict an honest client between CHALLENGE and PROVE', async () => {
    const relay = await fx.relay();
    const honest = await fx.client(relay, '127.0.0.2');
    const handshake = new ClientHandshake({
      crypto,
      privateKey: alice,
      name: 'alice',
      pinnedRelayFingerprint: relay.fingerprint,
    });
    honest.sendRaw(encodeFrame(handshake.start()));
    const prove = handshake.onChallenge(await honest.nextFrame());

    // The flood: 8 idle connections per address (the per-address quota), 520 in all against 512 slots;
    // every connection the relay drops is re-opened at once, for the whole pause of the honest client.
    let flooding = true;
    let reopened = 0;
    const hold = async (address: string): Promise<void> => {
      while (flooding) {
        let socket: Socket;
        try {
          socket = await idle(relay.port, address);
        } catch {
          continue;
        }
        await new Promise<void>((resolve) => socket.once('close', () => resolve()));
        reopened++;
      }
    };
    const holders = ATTACKER_ADDRESSES.flatMap((address) => Array.from({ length: 8 }, () => hold(address)));
    const deadline = Date.now() + 5_000;
    while (relay.core.unauthenticatedCount < relay.core.limits.maxUnauthenticated && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(relay.core.unauthenticatedCount).toBe(relay.core.limits.maxUnauthenticated);
    await new Promise((r) => setTimeout(r, 800)); // the slow-motion pause between CHALLENGE and PROVE

    honest.sendRaw(encodeFrame(prove));
    const welcome = await honest.nextFrame();
    expect(() => handshake.onWelcome(welcome)).not.toThrow();
    expect(relay.core.clientCount).toBe(1);
    // The newcomers displaced each other (idle, pre-REGISTER), never the honest client.
    expect(relay.core.stats.refusals.get('RELAY_ERR_EVICTED') ?? 0).toBeGreaterThan(0);
    expect(reopened).toBeGreaterThan(0);
    flooding = false;
    for (const socket of sockets) socket.destroy();
    await Promise.all(holders);
  });

  it('a full table of challenged connections refuses the newcomer instead of evicting one of them', async () => {
    const relay = await fx.relay({ limits: { maxUnauthenticated: 2 } });
    const a = await fx.client(relay, '127.0.0.3');
    const b = await fx.client(relay, '127.0.0.4');
    for (const [client, name] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      const handshake = new ClientHandshake({
        crypto,
        privateKey: alice,
        name,
        pinnedRelayFingerprint: relay.fingerprint,
      });
      client.sendRaw(encodeFrame(handshake.start()));
      // Both only need CHALLENGE; the registration itself never completes.
      expect(decodeMessage(await client.nextFrame()).type).toBe('CHALLENGE');
    }
    const newcomer = await fx.client(relay, '127.0.0.5');
    expect(await newcomer.nextPlain()).toMatchObject({
      type: 'ERROR',
      code: 'RELAY_ERR_TOO_MANY_CONNECTIONS',
    });
    await newcomer.waitClosed();
    expect(a.isClosed || b.isClosed).toBe(false);
    expect(relay.core.stats.refusals.get('RELAY_ERR_EVICTED')).toBeUndefined();
  });
});

describe('per-address quota keys (docs/relay.md "Handshake slots")', () => {
  it('counts IPv4 per address and IPv6 per /64', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('one IPv6 /64 gets the quota of one address, and the fullest address is evicted first', () => {
    const h = new Harness(relayKey, { limits: { maxUnauthenticated: 10, maxUnauthenticatedPerIp: 4 } });
    const v6 = [1, 2, 3, 4, 5].map((i) => h.open(`2001:db8:1:2::${i}`));
    expect(v6.map((p) => p.closed)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'RELAY_ERR_TOO_MANY_CONNECTIONS',
    ]);
    expect(h.open('2001:db8:1:3::1').closed).toBeUndefined();
    const others = [1, 2, 3, 4, 5].map((i) => h.open(`198.51.100.${i}`));
    // Full (4 + 1 + 5): the newcomer displaces the oldest connection of the /64 holding 4 slots.
    const newcomer = h.open('203.0.113.1');
    expect(newcomer.closed).toBeUndefined();
    expect(v6[0]!.closed).toBe('RELAY_ERR_EVICTED');
    expect(others.every((p) => p.closed === undefined)).toBe(true);
  });
});
