/**
 * A core whose identity key is held elsewhere (docs/client.md "Identity held elsewhere"), in one process
 * with a fake clock: every use of the private key leaves as a `key-operation` output and nothing that needs
 * it happens before `keyOperationDone` — no PROVE, no CALL_REQUEST, no ringing — while deadlines keep
 * running; an answer that comes after its step ended changes nothing and sends nothing; a holder that
 * fails ends the step with the code a wrong key gives.
 */
import type { RsaPrivateKey } from '@leitung/crypto';
import { type IdentityOperation, type IdentityOperationResult, runIdentityOperation } from '@leitung/session';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreOutput } from '../src/core.js';
import { crypto, key } from './support/fixtures.js';
import { eventsOf, InProcessNetwork, trackingCrypto } from './support/in-process.js';

let relayKey: RsaPrivateKey;
let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;

beforeAll(async () => {
  [relayKey, aliceKey, bobKey] = await Promise.all([key('relay'), key('alice'), key('bob')]);
});

/** The holder of `k`: runs the operation as WebCrypto or a token would, here with the key in memory. */
const holder = (k: RsaPrivateKey) => (operation: IdentityOperation) =>
  runIdentityOperation(crypto, k, operation);
const refusing = (): IdentityOperationResult => ({ ok: false, error: new Error('token removed') });

/** Alice holds her key elsewhere; Bob holds his in the core. */
function world() {
  const net = new InProcessNetwork(relayKey);
  const tracking = trackingCrypto();
  const alice = net.join({ heldIdentity: aliceKey.publicKey, name: 'alice', crypto: tracking.crypto });
  return { net, alice, tracking };
}

/** Alice's holder opens her challenge: she is registered. */
function registered(net: InProcessNetwork, node: ReturnType<InProcessNetwork['join']>) {
  net.answerKeyOperations(node, holder(aliceKey));
  return node;
}

describe('registration with a held identity', () => {
  it('waits for the challenge to be opened, then registers', () => {
    const { net, alice } = world();
    expect(alice.core.connectionState).toBe('handshaking');
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['oaep-decrypt']);
    // Only REGISTER went out: the relay is still waiting for PROVE.
    expect(eventsOf(alice, 'registration:complete')).toHaveLength(0);
    net.advance(1_000);
    expect(alice.core.connectionState).toBe('handshaking');
    registered(net, alice);
    expect(alice.core.connectionState).toBe('ready');
    expect(eventsOf(alice, 'registration:complete')).toHaveLength(1);
    expect(alice.core.clientId).toBe(
      Buffer.from(crypto.sha3_256(aliceKey.publicKey.toDer())).toString('hex'),
    );
  });

  it('the handshake deadline runs while the key works; a late answer sends nothing', () => {
    const { net, alice } = world();
    const [waiting] = alice.keyOperations.splice(0);
    net.advance(15_001);
    expect(eventsOf(alice, 'registration:failed').map((e) => e.code)).toEqual(['CLIENT_ERR_TIMEOUT']);
    expect(alice.core.connectionState).toBe('closed');
    const late = alice.core.keyOperationDone(waiting!.id, holder(aliceKey)(waiting!.operation), net.now);
    expect(late).toEqual([]);
    // Answered once, the id is spent.
    expect(alice.core.keyOperationDone(waiting!.id, refusing(), net.now)).toEqual([]);
  });

  it('a holder that fails ends the registration as a wrong key does', () => {
    const { net, alice } = world();
    net.answerKeyOperations(alice, refusing);
    expect(eventsOf(alice, 'registration:failed').map((e) => e.code)).toEqual([
      'SESSION_ERR_UNEXPECTED_MESSAGE',
    ]);
    expect(alice.core.connectionState).toBe('closed');
    const { net: net2, alice: alice2 } = world();
    net2.answerKeyOperations(alice2, holder(bobKey));
    expect(eventsOf(alice2, 'registration:failed').map((e) => e.code)).toEqual([
      'SESSION_ERR_UNEXPECTED_MESSAGE',
    ]);
  });
});

/** Alice (held identity, registered) and Bob (key in the core); `caller` dials the other. */
function dialled(caller: 'alice' | 'bob') {
  const { net, alice, tracking } = world();
  registered(net, alice);
  const bob = net.join({ identity: bobKey, name: 'bob' });
  const from = caller === 'alice' ? alice : bob;
  const handle = net.command(from, (h) =>
    from.core.placeCall(h, caller === 'alice' ? 'bob' : 'alice', net.now),
  );
  net.pump();
  return { net, alice, bob, handle, tracking };
}

describe('calls with a held identity', () => {
  it('the caller signs through the holder; nothing is sent before; the call completes', () => {
    const { net, alice, bob, handle } = dialled('alice');
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['pss-sign']);
    expect(alice.core.callState).toBe('outgoing-resolving');
    expect(bob.core.callState).toBe('idle');
    net.answerKeyOperations(alice, holder(aliceKey));
    expect(bob.core.callState).toBe('incoming-ringing');
    net.input(bob, bob.core.answer(net.now));
    net.pump();
    expect(alice.results.get(handle)).toMatchObject({ ok: true, value: { peer: { name: 'bob' } } });
    expect(alice.core.callState).toBe('active');
  });

  it('the callee opens the offer through the holder before it rings', () => {
    const { net, alice, bob, handle } = dialled('bob');
    expect(alice.core.callState).toBe('incoming-verifying');
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['oaep-decrypt']);
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(0);
    net.answerKeyOperations(alice, holder(aliceKey));
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(1);
    net.input(alice, alice.core.answer(net.now));
    net.pump();
    expect(bob.results.get(handle)).toMatchObject({ ok: true });
  });

  it('hung up while signing: no offer leaves, the late signature is dropped', () => {
    const { net, alice, bob, handle, tracking } = dialled('alice');
    net.input(alice, alice.core.hangUp(net.now));
    net.pump();
    // The draft's ephemeral key waits for the signature …
    expect(tracking.ephemerals).toHaveLength(1);
    expect(tracking.ephemerals[0]!.destroyed).toBe(false);
    expect(alice.core.callState).toBe('ended');
    expect(alice.results.get(handle)).toMatchObject({ ok: false });
    expect(net.answerKeyOperations(alice, holder(aliceKey))).toBe(1);
    expect(alice.core.callState).toBe('ended');
    expect(bob.core.callState).toBe('idle');
    expect(eventsOf(alice, 'call:outgoing')).toHaveLength(0);
    // … and is erased when the late signature finds the call over.
    expect(tracking.ephemerals[0]!.destroyed).toBe(true);
  });

  it('a frame from the relay while the challenge is being opened ends the connection', () => {
    const { net, alice } = world();
    net.input(alice, alice.core.receive(new Uint8Array([1, 2, 3]), net.now));
    net.pump();
    expect(eventsOf(alice, 'registration:failed').map((e) => e.code)).toEqual(['CLIENT_ERR_PROTOCOL']);
    expect(alice.core.connectionState).toBe('closed');
    // The late answer sends nothing.
    const [waiting] = alice.keyOperations.splice(0);
    expect(alice.core.keyOperationDone(waiting!.id, holder(aliceKey)(waiting!.operation), net.now)).toEqual(
      [],
    );
  });

  it('a signature the holder refuses fails the call with SESSION_ERR_KEY_OPERATION', () => {
    const { net, alice, bob, handle } = dialled('alice');
    net.answerKeyOperations(alice, refusing);
    const result = alice.results.get(handle);
    expect(result?.ok).toBe(false);
    expect(result?.ok === false && (result.error as { code?: string }).code).toBe(
      'SESSION_ERR_KEY_OPERATION',
    );
    expect(bob.core.callState).toBe('idle');
  });

  it('an offer the holder cannot open is refused with SESSION_ERR_CALL_DATA_INVALID and never rings', () => {
    const { net, alice } = dialled('bob');
    net.answerKeyOperations(alice, refusing);
    expect(eventsOf(alice, 'call:refused').map((e) => e.code)).toEqual(['SESSION_ERR_CALL_DATA_INVALID']);
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(0);
  });
});

/**
 * Holds the frames `node` receives from the moment its holder is asked to decrypt an offer, until
 * `release()`: the relay's answer to the caller lookup then waits, as over a slow link.
 */
function holdAfterDecryptAsked(net: InProcessNetwork, node: ReturnType<InProcessNetwork['join']>) {
  const held: Uint8Array[] = [];
  const receive = node.core.receive.bind(node.core);
  const batches: CoreOutput[][] = [];
  let holding = false;
  node.core.receive = (payload: Uint8Array, now: number) => {
    if (holding) {
      held.push(payload);
      return [];
    }
    const out = receive(payload, now);
    batches.push(out);
    if (out.some((o) => o.kind === 'key-operation' && o.operation.op === 'oaep-decrypt')) holding = true;
    return out;
  };
  return {
    batches,
    held,
    release() {
      holding = false;
      for (const payload of held.splice(0)) net.input(node, receive(payload, net.now));
      net.pump();
    },
  };
}

/** Bob (key in the core) calls Alice (held identity), whose received frames are held once her holder is asked. */
function callToHeldAlice() {
  const { net, alice } = world();
  registered(net, alice);
  const bob = net.join({ identity: bobKey, name: 'bob' });
  const hold = holdAfterDecryptAsked(net, alice);
  const handle = net.command(bob, (h) => bob.core.placeCall(h, 'alice', net.now));
  net.pump();
  return { net, alice, bob, hold, handle };
}

describe('an incoming call to a held identity: the offer opens while the caller is looked up', () => {
  it('the decryption is asked in the same step as the lookup, before its answer', () => {
    const { net, alice, hold } = callToHeldAlice();
    const asked = hold.batches.find((b) => b.some((o) => o.kind === 'key-operation'))!;
    // INCOMING_CALL gave both: the lookup (a sealed GET_PUBLIC_KEY) and the decryption.
    expect(asked.map((o) => o.kind)).toEqual(['send', 'key-operation']);
    expect(hold.held.length).toBeGreaterThan(0);
    expect(alice.core.callState).toBe('incoming-verifying');
    hold.release();
    net.answerKeyOperations(alice, holder(aliceKey));
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(1);
  });

  it('the key answers first: nothing rings until the caller key is verified, then it rings', () => {
    const { net, alice, bob, hold, handle } = callToHeldAlice();
    expect(net.answerKeyOperations(alice, holder(aliceKey))).toBe(1);
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(0);
    expect(alice.core.callState).toBe('incoming-verifying');
    hold.release();
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(1);
    net.input(alice, alice.core.answer(net.now));
    net.pump();
    expect(bob.results.get(handle)).toMatchObject({ ok: true });
  });

  it('the call ends while the decrypted secret waits for the caller key: the secret is erased', () => {
    const { net, alice, bob, hold } = callToHeldAlice();
    const [asked] = alice.keyOperations.splice(0);
    const result = holder(aliceKey)(asked!.operation);
    expect(result.ok && result.value.some((b) => b !== 0)).toBe(true);
    net.input(alice, alice.core.keyOperationDone(asked!.id, result, net.now));
    net.pump();
    // The caller gives up before the lookup's answer arrives.
    net.input(bob, bob.core.hangUp(net.now));
    net.pump();
    hold.release();
    expect(alice.core.callState).toBe('ended');
    expect(eventsOf(alice, 'call:incoming')).toHaveLength(0);
    expect(result.ok && result.value.every((b) => b === 0)).toBe(true);
  });
});

describe('key rotation with a held identity', () => {
  it('the connection drops while the holder signs: the rotation fails when the signature comes, not at the request timeout', () => {
    const { net, alice } = world();
    registered(net, alice);
    const handle = net.command(alice, (h) => alice.core.rotateKey(h, bobKey, net.now));
    net.pump();
    expect(alice.keyOperations.map((k) => k.operation.op)).toEqual(['pss-sign']);
    net.cut(alice);
    expect(alice.results.get(handle)).toBeUndefined();
    expect(net.answerKeyOperations(alice, holder(aliceKey))).toBe(1);
    const result = alice.results.get(handle);
    expect(result?.ok).toBe(false);
    expect(result?.ok === false && (result.error as { code?: string }).code).toBe(
      'CLIENT_ERR_CONNECTION_CLOSED',
    );
    // Nothing is left to time out.
    expect(alice.core.nextTimeout()).toBeUndefined();
  });
});
