/**
 * Key rotation end to end against the real `leitung-relay` program (docs/client.md "Key rotation"):
 * `rotateIdentity` moves a name to a new key stored in the vault; the next run logs in with it and the old
 * key is refused; a rotation interrupted after the new key was stored is settled by the next run, whether
 * or not the relay had appended it. Skipped with a notice when the relay program or its build is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientSetup,
  type RegistrationFailedEvent,
  rotateIdentity,
  type SetupClientOptions,
  setupClient,
} from '../src/index.js';
import { ClientPool, crypto, key, rejection } from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';

if (!realRelayAvailable) {
  console.warn(
    'key-rotation: examples/relay or the built @leitung/relay is missing — run `npm run build`; skipped',
  );
}

let aliceKey: RsaPrivateKey;
let nextKey: RsaPrivateKey;
let strayKey: RsaPrivateKey;
let base: string;
const setups: ClientSetup[] = [];
const relays: RealRelay[] = [];
const pool = new ClientPool();

beforeAll(async () => {
  [aliceKey, nextKey, strayKey] = await Promise.all([key('alice'), key('carol'), key('mallory')]);
  base = await mkdtemp(join(tmpdir(), 'leitung-rotation-'));
});

afterEach(async () => {
  for (const s of setups.splice(0)) {
    await s.client.close();
    s.vault.close();
  }
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

let counter = 0;
async function fresh(): Promise<{ relay: RealRelay; dataDir: string }> {
  counter += 1;
  const relay = await RealRelay.start(join(base, `relay-${counter}`), 'relay');
  relays.push(relay);
  return { relay, dataDir: join(base, `client-${counter}`) };
}

async function setup(dataDir: string, options: Partial<SetupClientOptions> = {}): Promise<ClientSetup> {
  const s = await setupClient({
    dataDir,
    passphrase: 'a pass phrase',
    crypto,
    scrypt: { N: 2 ** 15, r: 8, p: 1 },
    monitor: false,
    client: { probeIntervalMs: 0, startAttempts: 2, backoff: { baseMs: 50, maxMs: 200 } },
    ...options,
  });
  setups.push(s);
  return s;
}

/** First run of alice on `relay` with her fixed test key (imported instead of a fresh RSA-4096 key). */
async function firstRun(relay: RealRelay, dataDir: string): Promise<ClientSetup> {
  const s = await setup(dataDir, { relays: [relay.entry], name: 'alice' });
  s.vault.setIdentity(aliceKey);
  await s.vault.save();
  s.vault.close();
  await s.client.close();
  setups.splice(setups.indexOf(s), 1);
  const again = await setup(dataDir);
  await again.client.start();
  return again;
}

async function closeSetup(s: ClientSetup): Promise<void> {
  await s.client.close();
  s.vault.close();
  setups.splice(setups.indexOf(s), 1);
}

describe.skipIf(!realRelayAvailable)('key rotation against the real leitung-relay', () => {
  it('rotateIdentity moves the name to a new key in the vault; the old key is refused from then on', async () => {
    const { relay, dataDir } = await fresh();
    const first = await firstRun(relay, dataDir);
    const rotated = await rotateIdentity(first, { crypto });
    expect(rotated.previousClientId).toBe(crypto.fingerprint(aliceKey.publicKey));
    expect(rotated.clientId).not.toBe(rotated.previousClientId);
    expect(first.vault.identity().publicKey.fingerprint()).toBe(rotated.clientId);
    expect(first.vault.pendingIdentity()).toBeUndefined();
    expect(first.client.connectionState).toBe('closed');
    await closeSetup(first);

    // The next run logs in with the new key; the directory shows it under the same name.
    const second = await setup(dataDir);
    expect(second.pendingRotation).toBeUndefined();
    const welcome = await second.client.start();
    expect(welcome.clientId).toBe(rotated.clientId);
    expect(welcome.name).toBe('alice');

    // Whoever still holds the old key cannot log in as alice any more.
    const stale = pool.make(aliceKey, 'alice', [relay.entry]);
    const failures: RegistrationFailedEvent[] = [];
    stale.on('registration:failed', (event) => failures.push(event));
    expect((await rejection(stale.start())).code).toBe('CLIENT_ERR_NO_RELAY');
    expect(failures.map((f) => (f.error as { relayCode?: string }).relayCode)).toContain(
      'RELAY_ERR_KEY_ROTATED',
    );
  });

  it('a rotation the relay appended before the run stopped is completed by the next run', async () => {
    const { relay, dataDir } = await fresh();
    const first = await firstRun(relay, dataDir);
    // What rotateIdentity does, stopped right after the relay's answer: the new key is only pending.
    first.vault.setPendingIdentity(nextKey);
    await first.vault.save();
    await first.client.rotateKey(nextKey);
    await closeSetup(first);

    const second = await setup(dataDir);
    expect(second.pendingRotation).toBe('completed');
    expect(second.vault.identity().publicKey.fingerprint()).toBe(crypto.fingerprint(nextKey.publicKey));
    expect((await second.client.start()).clientId).toBe(crypto.fingerprint(nextKey.publicKey));
  });

  it('a rotation that never reached the relay is abandoned by the next run: the old key stays', async () => {
    const { relay, dataDir } = await fresh();
    const first = await firstRun(relay, dataDir);
    first.vault.setPendingIdentity(strayKey);
    await first.vault.save();
    await closeSetup(first);

    const second = await setup(dataDir);
    expect(second.pendingRotation).toBe('abandoned');
    expect(second.vault.pendingIdentity()).toBeUndefined();
    expect((await second.client.start()).clientId).toBe(crypto.fingerprint(aliceKey.publicKey));
  });
});
