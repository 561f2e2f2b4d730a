/**
 * Offers drafted ahead (docs/client.md "Offers drafted ahead"), in one process with a fake clock: for a
 * callee whose key is pinned, the caller signs and seals its offer while the lookup is out — after the
 * lookup has been sent — and sends it only once the lookup confirmed the pinned key and the head the
 * offer gossips. Another key or a newer head erases it unsent.
 */
import type { LeitungCrypto, MlKemKeyPair, RsaPrivateKey } from '@leitung/crypto';
import { type IdentityOperation, runIdentityOperation } from '@leitung/session';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreOutput } from '../src/core.js';
import { MemoryStore } from '../src/testing.js';
import { crypto, key } from './support/fixtures.js';
import { eventsOf, InProcessNetwork, trackingCrypto } from './support/in-process.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let carolKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey, carolKey] = await Promise.all([
    key('relay'),
    key('alice'),
    key('bob'),
    key('carol'),
  ]);
});

const holder = (k: RsaPrivateKey) => (operation: IdentityOperation) =>
  runIdentityOperation(crypto, k, operation);
const kinds = (outputs: readonly CoreOutput[]) => outputs.map((o) => o.kind).filter((k) => k !== 'event');

/** Alice (identity held elsewhere, or in the core) and Bob, registered; Alice called Bob once, so he is pinned. */
function pinnedWorld(held: boolean) {
  const net = new InProcessNetwork(relayKey);
  const tracking = trackingCrypto();
  const store = new MemoryStore();
  const alice = held
    ? net.join({ heldIdentity: aliceKey.publicKey, name: 'alice', crypto: tracking.crypto, store })
    : net.join({ identity: aliceKey, name: 'alice', crypto: tracking.crypto, store });
  if (held) net.answerKeyOperations(alice, holder(aliceKey));
  const bob = net.join({ identity: bobKey, name: 'bob' });
  const first = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
  net.pump();
  if (held) net.answerKeyOperations(alice, holder(aliceKey));
  net.input(bob, bob.core.answer(net.now));
  net.pump();
  expect(alice.results.get(first)).toMatchObject({ ok: true });
  net.input(alice, alice.core.hangUp(net.now));
  net.pump();
  expect(store.contact('bob')).toBeDefined();
  return { net, alice, bob, store, tracking };
}

/**
 * Alice, Bob and Carol registered, and Alice's pin for "bob" naming Carol's key (her accepted head is the
 * newest, from a lookup of Carol): an offer drafted for the pin is sealed to Carol, while the directory
 * shows Bob's key for the name.
 */
function misPinnedWorld() {
  const net = new InProcessNetwork(relayKey);
  const tracking = trackingCrypto();
  const store = new MemoryStore();
  const alice = net.join({ identity: aliceKey, name: 'alice', crypto: tracking.crypto, store });
  const bob = net.join({ identity: bobKey, name: 'bob' });
  const carol = net.join({ identity: carolKey, name: 'carol' });
  net.command(alice, (h) => alice.core.lookup(h, 'carol', net.now));
  net.pump();
  store.pinContact({
    name: 'bob',
    clientId: carol.core.clientId,
    publicKey: carolKey.publicKey.toDer(),
    pinnedAt: net.now,
  });
  return { net, tracking, alice, bob, carol };
}

/** Bob rotates his key to Carol's key, signed by his old one, and comes back with it (a new node). */
function rotateBob(net: InProcessNetwork, bob: ReturnType<InProcessNetwork['join']>) {
  net.relay.directory.rotate(net.relay.directory.byName('bob')!, bobKey, carolKey);
  net.cut(bob);
  return net.join({ identity: carolKey, name: 'bob' });
}

describe('an offer drafted ahead for a pinned callee', () => {
  it('is signed through a held key while the lookup is out, and sent only after the lookup', () => {
    const { net, alice, bob } = pinnedWorld(true);
    const handle = net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      // The lookup goes out first, then the signature is asked for: both at the dial.
      expect(kinds(outputs)).toEqual(['send', 'key-operation']);
      const ask = outputs.find((o) => o.kind === 'key-operation');
      if (ask?.kind !== 'key-operation') throw new Error('no key operation');
      expect(ask.operation.op).toBe('pss-sign');
      // Signed before the lookup answered: sealed, but nothing is sent yet.
      const signed = alice.core.keyOperationDone(ask.id, holder(aliceKey)(ask.operation), net.now);
      expect(kinds(signed)).toEqual([]);
      expect(alice.core.callState).toBe('outgoing-resolving');
      return outputs;
    });
    net.pump();
    // The lookup confirmed the pin: the offer went out with no second signature (the one operation
    // listed is the one answered above: spent).
    const [answered, ...more] = alice.keyOperations.splice(0);
    expect(more).toHaveLength(0);
    expect(alice.core.keyOperationDone(answered!.id, holder(aliceKey)(answered!.operation), net.now)).toEqual(
      [],
    );
    expect(bob.core.callState).toBe('incoming-ringing');
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { peer: { name: 'bob' } } });
  });

  it('waits for a signature that comes after the lookup', () => {
    const { net, alice, bob } = pinnedWorld(true);
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(alice.core.callState).toBe('outgoing-resolving');
    expect(bob.core.callState).toBe('ended'); // the first call's
    expect(net.answerKeyOperations(alice, holder(aliceKey))).toBe(1);
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('with the key in the core, is signed after the lookup was handed out (a deferred output)', () => {
    const { net, alice, bob } = pinnedWorld(false);
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'deferred']);
      const deferred = outputs.at(-1);
      if (deferred?.kind !== 'deferred') throw new Error('no deferred output');
      expect(kinds(alice.core.runDeferred(deferred.id, net.now))).toEqual([]);
      // Spent: a second run does nothing.
      expect(alice.core.runDeferred(deferred.id, net.now)).toEqual([]);
      return outputs;
    });
    net.pump();
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('after the callee rotated its key, the offer sealed to the old one is erased and the call reaches the new', () => {
    const { net, alice, bob, tracking } = pinnedWorld(false);
    // Bob's key rotation to a new key, signed by his old one (docs/key-transparency.md "Key rotation").
    const newBob = rotateBob(net, bob);
    const handle = net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'deferred']); // drafted ahead for the old key
      return outputs;
    });
    net.pump();
    expect(eventsOf(alice, 'contact:key-rotated')).toHaveLength(1);
    expect(newBob.core.callState).toBe('incoming-ringing');
    net.input(newBob, newBob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { peer: { name: 'bob' } } });
    // The early offer's X25519 key is erased (and the live call's once the answer was checked).
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
  });

  it('is erased unsent when the lookup shows another key than the pinned one under the same head', () => {
    // The newest head accepted, so only the key tells the early offer apart; it is sealed to Carol.
    const { net, tracking, alice, bob, carol } = misPinnedWorld();
    const handle = net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'deferred']);
      return outputs;
    });
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_CONTACT_KEY_CHANGED' },
    });
    expect(eventsOf(alice, 'contact:key-changed')).toHaveLength(1);
    // Neither the pinned key nor the one the lookup showed got an offer.
    expect(eventsOf(carol, 'call:incoming')).toHaveLength(0);
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(0);
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
  });

  it('is drafted again when the lookup brings a newer tree head than the one it gossips', () => {
    const { net, alice, bob } = pinnedWorld(true);
    const sizeBefore = eventsOf(alice, 'contact:verified').at(-1)?.treeSize ?? 0;
    // An append Alice was not told of (no PHONEBOOK_DELTA): her accepted head is older than the relay's.
    net.relay.directory.add('dave', carolKey.publicKey.toDer());
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'key-operation']);
      return outputs;
    });
    net.pump();
    expect(eventsOf(alice, 'contact:verified').at(-1)?.treeSize).toBe(sizeBefore + 1);
    // The early signature (for the old head) and a new one (for the head accepted now).
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['pss-sign', 'pss-sign']);
    net.answerKeyOperations(alice, holder(aliceKey));
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('is not drafted when the relay pushed an append since the head was last checked', () => {
    const { net, alice, bob } = pinnedWorld(true);
    net.join({ identity: carolKey, name: 'carol' }); // pushed to Alice as an `added` change
    expect(
      eventsOf(alice, 'phonebook:update')
        .at(-1)
        ?.changed.map((c) => c.name),
    ).toEqual(['carol']);
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send']);
      return outputs;
    });
    net.pump();
    // One signature, made after the lookup (whose head covers the append).
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['pss-sign']);
    net.answerKeyOperations(alice, holder(aliceKey));
    expect(bob.core.callState).toBe('incoming-ringing');
    // That lookup checked the head: the next call is drafted ahead again.
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'key-operation']);
      return outputs;
    });
  });

  it('refused by the holder: the early offer is dropped and the lookup path asks the key again', () => {
    const { net, alice, bob, tracking } = pinnedWorld(true);
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump(); // the lookup confirmed the pin; the early signature is still out
    const refused = net.answerKeyOperations(alice, () => ({ ok: false, error: new Error('token removed') }));
    expect(refused).toBe(1);
    expect(bob.core.callState).toBe('ended'); // the first call's: nothing was offered
    // A second signature, for an offer drafted from the lookup; the refused draft's secrets are erased.
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['pss-sign']);
    expect(tracking.ephemerals.slice(0, -1).every((k) => k.destroyed)).toBe(true);
    net.answerKeyOperations(alice, holder(aliceKey));
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('a sealing that throws ends the call with an error, nothing escapes the core, every key is erased', () => {
    const { net, alice, bob, tracking } = pinnedWorld(false);
    (tracking.crypto as { seal: unknown }).seal = () => {
      throw new Error('sealing failed');
    };
    const handle = net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'deferred']);
      return outputs;
    });
    net.pump();
    // The early offer could not be sealed; the lookup's path drafted again, failed the same way, and said so.
    expect(alice.results.get(handle)).toMatchObject({ ok: false });
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(1); // the first call's only
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
  });

  it('hung up while signing: the draft is erased and the late signature sends nothing', () => {
    const { net, alice, tracking } = pinnedWorld(true);
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
    const [late] = alice.keyOperations.splice(0);
    expect(alice.core.keyOperationDone(late!.id, holder(aliceKey)(late!.operation), net.now)).toEqual([]);
  });

  it('a core without deferred outputs, whose key would sign before the lookup leaves, drafts none', () => {
    const net = new InProcessNetwork(relayKey);
    const alice = net.join({ identity: aliceKey, name: 'alice', deferredOutputs: false });
    const bob = net.join({ identity: bobKey, name: 'bob', deferredOutputs: false });
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now); // Bob is pinned now
      expect(kinds(outputs)).toEqual(['send']);
      return outputs;
    });
    net.pump();
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('an unpinned callee gets no early offer', () => {
    const net = new InProcessNetwork(relayKey);
    const alice = net.join({ identity: aliceKey, name: 'alice' });
    net.join({ identity: bobKey, name: 'bob' });
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send']);
      return outputs;
    });
  });
});

describe("the next offer's ML-KEM key pair, made ahead", () => {
  /** A crypto object that records the ML-KEM key pairs it makes. */
  function kemTracking(): { crypto: LeitungCrypto; pairs: MlKemKeyPair[] } {
    const pairs: MlKemKeyPair[] = [];
    return {
      pairs,
      crypto: {
        ...crypto,
        generateMlKemKeyPair: (seed) => {
          const pair = crypto.generateMlKemKeyPair(seed);
          pairs.push(pair);
          return pair;
        },
      },
    };
  }

  it('is made after registration and after each call, used by one offer, and erased when the core closes', () => {
    const net = new InProcessNetwork(relayKey);
    const t = kemTracking();
    const alice = net.join({ identity: aliceKey, name: 'alice', crypto: t.crypto });
    const bob = net.join({ identity: bobKey, name: 'bob' });
    expect(t.pairs).toHaveLength(1);
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true });
    // The offer took the pair made ahead: no key generation while the call was set up.
    expect(t.pairs).toHaveLength(1);
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    // The call's pair is erased; the next call's is made.
    expect(t.pairs).toHaveLength(2);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.pairs[1]!.privateKey.destroyed).toBe(false);
    net.input(alice, alice.core.close(net.now));
    net.pump();
    expect(t.pairs[1]!.privateKey.destroyed).toBe(true);
  });
  it('a core closed during a call makes no pair for a next call, even one that runs such work at once', () => {
    const net = new InProcessNetwork(relayKey);
    const t = kemTracking();
    const alice = net.join({ identity: aliceKey, name: 'alice', crypto: t.crypto, deferredOutputs: false });
    const bob = net.join({ identity: bobKey, name: 'bob', deferredOutputs: false });
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.core.callState).toBe('active');
    net.input(alice, alice.core.close(net.now));
    net.pump();
    expect(t.pairs).toHaveLength(1);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
  });
});

describe('an offer prepared before the dial (prepareCall)', () => {
  /** Alice prepares her call to Bob (a held key's signature stays out until answered); nothing is sent. */
  function prepared(net: InProcessNetwork, alice: ReturnType<typeof pinnedWorld>['alice']): void {
    const outputs = alice.core.prepareCall('bob', net.now);
    expect(kinds(outputs)).not.toContain('send');
    net.input(alice, outputs);
    net.pump();
  }

  it('is signed and sealed before the dial; the dial sends only the lookup and then this offer', () => {
    const { net, alice, bob } = pinnedWorld(true);
    prepared(net, alice);
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['pss-sign']);
    expect(net.answerKeyOperations(alice, holder(aliceKey))).toBe(1);
    net.advance(2_000);
    // Nothing reached the relay or Bob before the dial.
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(1); // the first call's
    const handle = net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send']); // the lookup; no signature at the dial
      return outputs;
    });
    net.pump();
    expect(alice.keyOperations).toHaveLength(0);
    expect(bob.core.callState).toBe('incoming-ringing');
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { peer: { name: 'bob' } } });
  });

  it('still signing at the dial: the call takes it and sends it once signed and confirmed', () => {
    const { net, alice, bob } = pinnedWorld(true);
    prepared(net, alice);
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(bob.core.callState).toBe('ended'); // the lookup confirmed the pin; the signature is still out
    expect(net.answerKeyOperations(alice, holder(aliceKey))).toBe(1);
    expect(bob.core.callState).toBe('incoming-ringing');
    expect(alice.keyOperations).toHaveLength(0);
  });

  it('the same contact again keeps the prepared offer: one signature', () => {
    const { net, alice } = pinnedWorld(true);
    prepared(net, alice);
    net.advance(500);
    expect(kinds(alice.core.prepareCall('bob', net.now))).toEqual([]);
    expect(alice.keyOperations).toHaveLength(1);
  });

  it('lapses after 10 s: erased unsent, and the dial drafts anew', () => {
    const { net, alice, bob, tracking } = pinnedWorld(false);
    prepared(net, alice);
    const draftKey = tracking.ephemerals.at(-1);
    expect(draftKey?.destroyed).toBe(false);
    expect(alice.core.nextTimeout()).toBeLessThanOrEqual(net.now + 10_000);
    net.advance(10_000);
    expect(draftKey?.destroyed).toBe(true);
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send', 'deferred']); // drafted at the dial again
      return outputs;
    });
    net.pump();
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('is erased by a call to someone else, by preparing another contact, by a key rotation and at close', () => {
    const { net, alice, tracking } = pinnedWorld(false);
    const carol = net.join({ identity: carolKey, name: 'carol' });
    // Alice's head covers Carol's entry (a lookup of Bob), but Carol is not pinned yet.
    net.command(alice, (h) => alice.core.lookup(h, 'bob', net.now));
    net.pump();
    const drafted = () => tracking.ephemerals.at(-1);

    prepared(net, alice);
    const toBob = drafted();
    net.command(alice, (h) => alice.core.placeCall(h, 'carol', net.now));
    expect(toBob?.destroyed).toBe(true);
    net.pump();
    net.input(carol, carol.core.reject(net.now));
    net.pump();

    prepared(net, alice);
    const again = drafted();
    net.input(alice, alice.core.prepareCall('carol', net.now));
    net.pump();
    expect(again?.destroyed).toBe(true);
    const toCarol = drafted();
    expect(toCarol?.destroyed).toBe(false);

    net.command(alice, (h) => alice.core.rotateKey(h, bobKey, net.now));
    expect(toCarol?.destroyed).toBe(true);
    net.pump();
  });

  it('is erased when the core closes', () => {
    const { net, alice, tracking } = pinnedWorld(false);
    prepared(net, alice);
    const draftKey = tracking.ephemerals.at(-1);
    net.input(alice, alice.core.close(net.now));
    net.pump();
    expect(draftKey?.destroyed).toBe(true);
  });

  it('the lookup at the dial still decides: a rotated callee gets a new offer, the prepared one is erased', () => {
    const { net, alice, bob, tracking } = pinnedWorld(false);
    prepared(net, alice);
    const newBob = rotateBob(net, bob);
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(eventsOf(alice, 'contact:key-rotated')).toHaveLength(1);
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(1); // the first call's: the old key got nothing
    net.input(newBob, newBob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true });
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
  });

  it('does nothing during a call, for an unpinned contact or when not registered; a malformed target throws', () => {
    const { net, alice, bob } = pinnedWorld(true);
    expect(alice.core.prepareCall('nobody-pinned', net.now)).toEqual([]);
    expect(() => alice.core.prepareCall('', net.now)).toThrow(
      expect.objectContaining({ code: 'CLIENT_ERR_INVALID_ARGUMENT' }),
    );
    net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    net.answerKeyOperations(alice, holder(aliceKey));
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.core.callState).toBe('active');
    expect(alice.core.prepareCall('bob', net.now)).toEqual([]);
    net.input(alice, alice.core.close(net.now));
    net.pump();
    expect(alice.core.prepareCall('bob', net.now)).toEqual([]);
  });
});

describe('a lookup sent at the press (prepareCall with lookup)', () => {
  const verifications = (node: Parameters<typeof eventsOf>[0]) => eventsOf(node, 'contact:verified').length;

  it('answered before the release: the dial sends the offer at once, with no second lookup', () => {
    const { net, alice, bob } = pinnedWorld(true);
    const pressed = alice.core.prepareCall('bob', net.now, { lookup: true });
    // The lookup goes out first; the signature follows it.
    expect(kinds(pressed).slice(0, 2)).toEqual(['send', 'key-operation']);
    net.input(alice, pressed);
    net.pump();
    net.answerKeyOperations(alice, holder(aliceKey));
    const looked = verifications(alice);
    expect(bob.core.callState).toBe('ended'); // the first call's: nothing offered before the release
    net.advance(100);
    const handle = net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send']); // the CALL_REQUEST itself
      return outputs;
    });
    net.pump();
    expect(verifications(alice)).toBe(looked);
    expect(bob.core.callState).toBe('incoming-ringing');
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { peer: { name: 'bob' } } });
  });

  it('still on the wire at the release: it answers into the call, which sends no lookup of its own', () => {
    const { net, alice, bob } = pinnedWorld(false);
    net.input(alice, alice.core.prepareCall('bob', net.now, { lookup: true }));
    const looked = verifications(alice);
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual([]);
      return outputs;
    });
    net.pump();
    expect(verifications(alice)).toBe(looked + 1);
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('answered 1 s or more before the dial: the dial looks the key up again', () => {
    const { net, alice, bob } = pinnedWorld(false);
    net.input(alice, alice.core.prepareCall('bob', net.now, { lookup: true }));
    net.pump();
    const looked = verifications(alice);
    net.advance(1_000);
    net.command(alice, (h) => {
      const outputs = alice.core.placeCall(h, 'bob', net.now);
      expect(kinds(outputs)).toEqual(['send']); // the lookup
      return outputs;
    });
    net.pump();
    expect(verifications(alice)).toBe(looked + 1);
    expect(bob.core.callState).toBe('incoming-ringing');
  });

  it('still decides: a rotated callee gets a new offer at the dial, the old key nothing', () => {
    const { net, alice, bob, tracking } = pinnedWorld(false);
    const newBob = rotateBob(net, bob);
    net.input(alice, alice.core.prepareCall('bob', net.now, { lookup: true }));
    net.pump();
    expect(eventsOf(alice, 'contact:key-rotated')).toHaveLength(1);
    expect(eventsOf(newBob, 'call:incoming')).toHaveLength(0);
    // The offer sealed to the old key is erased as soon as the lookup showed the new one.
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
    // Dialled by id: this world's relay pushed no `rotated` change, so the old key's line still claims the
    // name (flagged), where a real relay's change would have removed it.
    const target = { clientId: newBob.core.clientId };
    const handle = net.command(alice, (h) => alice.core.placeCall(h, target, net.now));
    net.pump();
    expect(alice.results.get(handle)).toBeUndefined();
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(1); // the first call's
    expect(newBob.core.callState).toBe('incoming-ringing');
    net.input(newBob, newBob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true });
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
  });

  it('showing a changed key: the dial fails with the alarm, and nobody gets an offer', () => {
    // The prepared offer is sealed to Carol, whose key Alice's pin for "bob" names.
    const { net, tracking, alice, bob, carol } = misPinnedWorld();
    net.input(alice, alice.core.prepareCall('bob', net.now, { lookup: true }));
    net.pump();
    expect(eventsOf(alice, 'contact:key-changed')).toHaveLength(1);
    const handle = net.command(alice, (h) => alice.core.placeCall(h, 'bob', net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({
      ok: false,
      error: { code: 'CLIENT_ERR_CONTACT_KEY_CHANGED' },
    });
    expect(eventsOf(carol, 'call:incoming')).toHaveLength(0);
    expect(eventsOf(bob, 'call:incoming')).toHaveLength(0);
    expect(tracking.ephemerals.every((k) => k.destroyed)).toBe(true);
  });
});
