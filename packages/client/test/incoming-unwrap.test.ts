/**
 * An incoming offer's wrapped secret is decrypted by a key in the core only after the lookup of the caller
 * has been handed to the shell (docs/client.md "Identity held elsewhere"; a `deferred` output), so the
 * lookup's round trip runs while the key works instead of after it.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreOutput } from '../src/core.js';
import { key } from './support/fixtures.js';
import { eventsOf, InProcessNetwork } from './support/in-process.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey] = await Promise.all([key('relay'), key('alice'), key('bob')]);
});

describe('an incoming offer with the key in the core', () => {
  it('sends the lookup of the caller first and decrypts the secret after it', () => {
    const net = new InProcessNetwork(relayKey);
    const alice = net.join({ identity: aliceKey, name: 'alice' });
    const bob = net.join({ identity: bobKey, name: 'bob' });
    const received: string[][] = [];
    const receive = bob.core.receive.bind(bob.core);
    bob.core.receive = (payload: Uint8Array, now: number): CoreOutput[] => {
      const outputs = receive(payload, now);
      received.push(outputs.map((o) => o.kind).filter((k) => k !== 'event'));
      return outputs;
    };
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    // INCOMING_CALL: the lookup's send, then the decryption as a deferred output; nothing rang yet then.
    expect(received).toContainEqual(['send', 'deferred']);
    expect(bob.core.callState).toBe('incoming-ringing');
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(1);
  });

  it('a core built without deferred outputs decrypts at once and rings as before', () => {
    const net = new InProcessNetwork(relayKey);
    const alice = net.join({ identity: aliceKey, name: 'alice', deferredOutputs: false });
    const bob = net.join({ identity: bobKey, name: 'bob', deferredOutputs: false });
    const kinds: string[] = [];
    for (const node of [alice, bob]) {
      const receive = node.core.receive.bind(node.core);
      node.core.receive = (payload: Uint8Array, now: number): CoreOutput[] => {
        const outputs = receive(payload, now);
        kinds.push(...outputs.map((o) => o.kind));
        return outputs;
      };
    }
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(bob.core.callState).toBe('incoming-ringing');
    expect(kinds).not.toContain('deferred');
  });
});
