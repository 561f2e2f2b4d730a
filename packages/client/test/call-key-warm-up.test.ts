/**
 * The throw-away ML-KEM round that pays the call keys' first-use cost (shell/call-key-warm-up.ts,
 * docs/client.md "Warm-up"): it runs once per crypto object — while `setupClient` opens the vault, or
 * after a client's first registration — only while the client is open and no call has begun, and erases
 * its decapsulation key and shared secret at once, also when it stops half-way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '../src/index.js';
import { setupClient } from '../src/index.js';
import { CallKeyWarmUp, warmUpCallKeys, warmUpCallKeysInSteps } from '../src/shell/call-key-warm-up.js';
import { crypto as baseCrypto, ClientPool, key, nextEvent } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';
import { trackedCrypto as tracked } from './support/tracked-crypto.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ML-KEM warm-up', () => {
  it('erases its decapsulation key and shared secret', () => {
    const t = tracked();
    warmUpCallKeys(t.crypto);
    expect(t.pairs).toHaveLength(1);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.secrets[0]!.every((b) => b === 0)).toBe(true);
    // And the X25519 pairs of its one agreement (where @noble runs it, the first pair builds its tables).
    expect(t.ephemerals).toHaveLength(2);
    expect(t.ephemerals.every((p) => p.privateKey.destroyed)).toBe(true);
  });

  it('runs once per client, and not after the client closed', async () => {
    const t = tracked();
    const warmUp = new CallKeyWarmUp();
    warmUp.schedule(t.crypto, undefined, () => false);
    warmUp.schedule(t.crypto, undefined, () => false);
    await tick();
    expect(t.pairs).toHaveLength(1);
    const closed = tracked();
    new CallKeyWarmUp().schedule(closed.crypto, undefined, () => true);
    await tick();
    expect(closed.pairs).toHaveLength(0);
  });

  it('in steps: skips a crypto object that is warm already', async () => {
    const t = tracked();
    warmUpCallKeys(t.crypto);
    await warmUpCallKeysInSteps(t.crypto, () => false);
    expect(t.pairs).toHaveLength(1);
  });

  it('in steps: stops when told to between steps, and still erases the key pair it made', async () => {
    const t = tracked();
    await warmUpCallKeysInSteps(t.crypto, () => t.pairs.length > 0);
    expect(t.pairs).toHaveLength(1);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.secrets).toHaveLength(0);
    // Not counted as warm: a later warm-up runs the whole round.
    await warmUpCallKeysInSteps(t.crypto, () => false);
    expect(t.pairs).toHaveLength(2);
    expect(t.secrets).toHaveLength(1);
  });
});

describe('warm-up in a client', () => {
  const pool = new ClientPool();
  let relay: RelayDouble | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await pool.closeAll();
    await relay?.stop();
    relay = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('setupClient warms the call keys while the vault opens; the client then runs no round of its own', async () => {
    relay = await RelayDouble.start({ crypto: baseCrypto, key: await key('relay') });
    const t = tracked();
    dir = await mkdtemp(join(tmpdir(), 'leitung-warm-up-'));
    const setup = await setupClient({
      dataDir: dir,
      passphrase: 'a pass phrase',
      name: 'alice',
      relays: [relay.entry],
      crypto: t.crypto,
      scrypt: { N: 2 ** 15, r: 8, p: 1 },
      monitor: false,
    });
    try {
      expect(t.pairs).toHaveLength(1);
      expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
      new CallKeyWarmUp().schedule(t.crypto, undefined, () => false);
      await tick();
      await tick();
      expect(t.pairs).toHaveLength(1);
    } finally {
      await setup.client.close();
      setup.vault.close();
    }
  });

  it('a call placed at registration makes the only key pair: no throw-away round on its critical path', async () => {
    const [relayKey, aliceKey, bobKey] = await Promise.all([key('relay'), key('alice'), key('bob')]);
    relay = await RelayDouble.start({ crypto: baseCrypto, key: relayKey });
    const t = tracked();
    const bob = pool.make(bobKey, 'bob', [relay.entry]);
    await bob.start();
    bob.once('call:incoming', () => bob.answer());
    const alice: Client = pool.make(aliceKey, 'alice', [relay.entry], { crypto: t.crypto });
    const dialed = new Promise<unknown>((resolve) =>
      alice.once('registration:complete', () => resolve(alice.call('bob'))),
    );
    const bound = nextEvent(alice, 'media:bound');
    await alice.start();
    await dialed;
    await bound;
    for (let i = 0; i < 5; i++) await tick();
    expect(t.pairs).toHaveLength(1);
  });
});
