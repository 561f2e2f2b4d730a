/**
 * A Client whose identity is held elsewhere (docs/client.md "Identity held elsewhere") against the real
 * `leitung-relay`: the key lives in WebCrypto as a page keeps it (Node has the same API), non-extractable,
 * and the holder sees exactly the operations the protocol needs — one decryption per login, one signature
 * per call placed, one decryption per call received. A holder with the wrong key cannot log in.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import type { IdentityKeyHolder, IdentityOperation, MediaBoundEvent } from '../src/index.js';
import { webCryptoIdentity } from '../src/shell/web-crypto-identity.js';
import { ClientPool, crypto, key, nextEvent, nextFrame, rejection, waitFor } from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';

let bobKey: RsaPrivateKey;
let base: string;
const pool = new ClientPool();
const relays: RealRelay[] = [];

async function pkcs8Of(name: string): Promise<Uint8Array> {
  const pem = (await testKeyPair(name)).privateKeyPem;
  return new Uint8Array(createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }));
}

/** Alice's key in WebCrypto, with a log of the operations asked of it. */
async function heldAlice(keyName = 'alice'): Promise<{ holder: IdentityKeyHolder; asked: string[] }> {
  const inner = await webCryptoIdentity(crypto, await pkcs8Of(keyName));
  const alicePublic = (await key('alice')).publicKey;
  const asked: string[] = [];
  return {
    asked,
    holder: {
      publicKey: alicePublic,
      run: (operation: IdentityOperation) => {
        asked.push(operation.op);
        return inner.run(operation);
      },
    },
  };
}

/** A real relay in `dir` with Alice (her key held in WebCrypto) and Bob registered on it. */
async function registeredPair(dir: string) {
  const relay = await RealRelay.start(join(base, dir), 'relay');
  relays.push(relay);
  const { holder, asked } = await heldAlice();
  const alice = pool.make(holder, 'alice', [relay.entry]);
  const bob = pool.make(bobKey, 'bob', [relay.entry]);
  await alice.start();
  await bob.start();
  return { holder, asked, alice, bob };
}

beforeAll(async () => {
  bobKey = await key('bob');
  base = await mkdtemp(join(tmpdir(), 'leitung-held-identity-'));
});

afterEach(async () => {
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe.skipIf(!realRelayAvailable)('a WebCrypto-held identity against the real relay', () => {
  it('logs in, calls and is called, with media both ways; the holder is asked only what is needed', async () => {
    const { holder, asked, alice, bob } = await registeredPair('relay-1');
    expect(asked).toEqual(['oaep-decrypt']);
    expect(alice.clientId).toBe(
      crypto.sha3_256(holder.publicKey.toDer()).reduce((h, b) => h + b.toString(16).padStart(2, '0'), ''),
    );

    // Alice calls: one signature.
    const bound = [
      nextEvent<MediaBoundEvent>(bob, 'media:bound'),
      nextEvent<MediaBoundEvent>(alice, 'media:bound'),
    ];
    bob.once('call:incoming', () => bob.answer());
    await alice.call('bob');
    await Promise.all(bound);
    const atBob = nextFrame(bob);
    alice.sendFrame({ sequence: 0, timestamp: 0, payload: new TextEncoder().encode('from alice') });
    expect(new TextDecoder().decode((await atBob).payload)).toBe('from alice');
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign']);
    const ended = nextEvent(bob, 'call:ended');
    alice.hangUp();
    await ended;

    // Bob calls: one decryption before Alice's phone rings.
    alice.once('call:incoming', () => alice.answer());
    const bothBound = [
      nextEvent<MediaBoundEvent>(alice, 'media:bound'),
      nextEvent<MediaBoundEvent>(bob, 'media:bound'),
    ];
    await bob.call('alice');
    await Promise.all(bothBound);
    const atAlice = nextFrame(alice);
    bob.sendFrame({ sequence: 0, timestamp: 0, payload: new TextEncoder().encode('from bob') });
    expect(new TextDecoder().decode((await atAlice).payload)).toBe('from bob');
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign', 'oaep-decrypt']);
  });

  it('a call prepared before the dial: the holder signs at prepareCall, the dial asks nothing; pressed, it also looks up', async () => {
    const { asked, alice, bob } = await registeredPair('relay-prepared');
    bob.on('call:incoming', () => bob.answer());
    // The first call pins Bob's key; a call to an unpinned contact cannot be prepared.
    alice.prepareCall('bob');
    await alice.call('bob');
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign']);
    const ended = nextEvent(bob, 'call:ended');
    alice.hangUp();
    await ended;

    alice.prepareCall('bob');
    await waitFor(() => asked.length === 3);
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign', 'pss-sign']);
    const bound = nextEvent<MediaBoundEvent>(bob, 'media:bound');
    await alice.call('bob');
    await bound;
    // The prepared offer went out: no signature at the dial.
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign', 'pss-sign']);
    const hungUp = nextEvent(bob, 'call:ended');
    alice.hangUp();
    await hungUp;

    // Pressed: the key lookup goes out with the preparation, and the dial that follows sends none.
    let verified = 0;
    alice.on('contact:verified', () => verified++);
    alice.prepareCall('bob', { lookup: true });
    await waitFor(() => verified === 1 && asked.length === 4);
    const boundAgain = nextEvent<MediaBoundEvent>(bob, 'media:bound');
    await alice.call('bob');
    await boundAgain;
    expect(verified).toBe(1);
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign', 'pss-sign', 'pss-sign']);
  });

  it('a holder that never signs fails the call after the request timeout; nothing is offered', async () => {
    const relay = await RealRelay.start(join(base, 'relay-3'), 'relay');
    relays.push(relay);
    const { holder } = await heldAlice();
    const stuck: IdentityKeyHolder = {
      publicKey: holder.publicKey,
      run: (operation) =>
        operation.op === 'pss-sign' ? new Promise(() => undefined) : holder.run(operation),
    };
    const alice = pool.make(stuck, 'alice', [relay.entry], { timing: { requestTimeoutMs: 400 } });
    const bob = pool.make(bobKey, 'bob', [relay.entry]);
    await alice.start();
    await bob.start();
    let rang = false;
    bob.on('call:incoming', () => {
      rang = true;
    });
    const error = (await rejection(alice.call('bob'))) as { code?: string; cause?: { code?: string } };
    expect(error.code).toBe('SESSION_ERR_KEY_OPERATION');
    expect(error.cause?.code).toBe('CLIENT_ERR_TIMEOUT');
    expect(alice.callState).toBe('ended');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rang).toBe(false);
  });

  it('rotates its key: the holder signs the rotation, the relay takes it, the old key is refused', async () => {
    const relay = await RealRelay.start(join(base, 'relay-4'), 'relay');
    relays.push(relay);
    const { holder, asked } = await heldAlice();
    const alice = pool.make(holder, 'alice', [relay.entry]);
    await alice.start();
    const nextKey = await key('carol');
    const entry = await alice.rotateKey(nextKey);
    expect(entry.clientId).toBe(nextKey.publicKey.fingerprint());
    expect(asked).toEqual(['oaep-decrypt', 'pss-sign']);
    await alice.close();
    // The old key (still in the holder) no longer logs in as alice.
    const stale = pool.make(holder, 'alice', [relay.entry], { startAttempts: 1 });
    expect((await rejection(stale.start())).code).toBe('CLIENT_ERR_NO_RELAY');
  });

  it('a holder of another key cannot log in as its public key', async () => {
    const relay = await RealRelay.start(join(base, 'relay-2'), 'relay');
    relays.push(relay);
    const { holder } = await heldAlice('carol');
    const alice = pool.make(holder, 'alice', [relay.entry], { startAttempts: 1 });
    const failed = nextEvent<{ code: string }>(alice, 'registration:failed');
    const error = await rejection(alice.start());
    expect(error.code).toBe('CLIENT_ERR_NO_RELAY');
    expect((await failed).code).toBe('SESSION_ERR_UNEXPECTED_MESSAGE');
  });
});
