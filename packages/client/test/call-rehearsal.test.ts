/**
 * The in-memory call to itself that a client with its private key runs after its first registration
 * (shell/call-rehearsal.ts, docs/client.md "Warm-up"): every secret it makes is erased, it runs once per
 * crypto object, it stops between steps when told (a call began, the client closed), and a client whose
 * key is held elsewhere never runs it — its key operations are real requests to the holder.
 */
import { createPrivateKey } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import { rehearseCall } from '../src/shell/call-rehearsal.js';
import { webCryptoIdentity } from '../src/shell/web-crypto-identity.js';
import { crypto as baseCrypto, ClientPool, key } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';
import { trackedCrypto as tracked } from './support/tracked-crypto.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('call rehearsal', () => {
  it('signs, seals, opens, answers and confirms a call to itself, and erases every secret', async () => {
    const t = tracked();
    expect(await rehearseCall(t.crypto, await key('alice'), () => false)).toBe(true);
    expect(t.uses).toEqual({ sign: 1, unwrap: 1 });
    expect(t.pairs).toHaveLength(1);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.ephemerals).toHaveLength(2); // the caller's and the callee's X25519 shares
    expect(t.ephemerals.every((p) => p.privateKey.destroyed)).toBe(true);
    expect(t.secrets.every((s) => s.every((b) => b === 0))).toBe(true);
  });

  it('runs once per crypto object', async () => {
    const t = tracked();
    const alice = await key('alice');
    expect(await rehearseCall(t.crypto, alice, () => false)).toBe(true);
    expect(await rehearseCall(t.crypto, alice, () => false)).toBe(false);
    expect(t.uses.sign).toBe(1);
  });

  it('stops between steps when told, erases what it made, and is not counted as done', async () => {
    const t = tracked();
    const alice = await key('alice');
    // Told to stop once the offer exists: nothing is opened, the offer's secrets are erased.
    expect(await rehearseCall(t.crypto, alice, () => t.uses.sign > 0)).toBe(false);
    expect(t.uses).toEqual({ sign: 1, unwrap: 0 });
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.ephemerals.every((p) => p.privateKey.destroyed)).toBe(true);
    expect(await rehearseCall(t.crypto, alice, () => false)).toBe(true);
    expect(t.uses).toEqual({ sign: 2, unwrap: 1 });
  });

  it('a key destroyed half-way (a rotation, a closed vault) ends it quietly, with its secrets erased', async () => {
    const t = tracked();
    const alice = t.crypto.importRsaPrivateKey((await testKeyPair('alice')).privateKeyPem);
    let steps = 0;
    const outcome = rehearseCall(t.crypto, alice, () => {
      if (++steps === 2) alice.destroy(); // after the offer is made, before it is opened
      return false;
    });
    await expect(outcome).resolves.toBe(false); // opening the offer with the destroyed key threw
    expect(t.uses.sign).toBe(1);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.ephemerals.every((p) => p.privateKey.destroyed)).toBe(true);
  });
});

describe('call rehearsal in a client', () => {
  const pool = new ClientPool();
  let relay: RelayDouble | undefined;
  afterEach(async () => {
    await pool.closeAll();
    await relay?.stop();
    relay = undefined;
  });

  it('an idle client with its key rehearses once after registering; one whose key is held elsewhere does not', async () => {
    const [relayKey, aliceKey] = await Promise.all([key('relay'), key('alice')]);
    relay = await RelayDouble.start({ crypto: baseCrypto, key: relayKey });
    const own = tracked();
    const alice = pool.make(aliceKey, 'alice', [relay.entry], { crypto: own.crypto });
    await alice.start();
    const signedAtLogin = own.uses.sign;
    for (let i = 0; i < 10 && own.uses.unwrap < 2; i++) await tick();
    // The login's challenge was one decryption; the rehearsal adds one signature and one decryption.
    expect(own.uses.sign - signedAtLogin).toBe(1);
    expect(own.uses.unwrap).toBe(2);

    const held = tracked();
    const pem = (await testKeyPair('bob')).privateKeyPem;
    const pkcs8 = new Uint8Array(createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }));
    const holder = await webCryptoIdentity(baseCrypto, pkcs8);
    const asked: string[] = [];
    const bob = pool.make(
      {
        publicKey: holder.publicKey,
        run: (operation) => {
          asked.push(operation.op);
          return holder.run(operation);
        },
      },
      'bob',
      [relay.entry],
      { crypto: held.crypto },
    );
    await bob.start();
    for (let i = 0; i < 10; i++) await tick();
    expect(asked).toEqual(['oaep-decrypt']); // the login only
    expect(held.uses.sign).toBe(0);
  });
});
