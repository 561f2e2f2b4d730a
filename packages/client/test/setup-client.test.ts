/**
 * Client setup on a data directory (docs/design.md §2 and §7): identity created once with progress and kept in the
 * vault, the name from `client_name.txt`, relays pinned, monitor findings as client events, and tree
 * heads and contact pins persisted across runs.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ClientSetup,
  checkName,
  NAME_FILE,
  SecureVault,
  type SecurityFinding,
  type SetupProgress,
  setupClient,
  VAULT_FILE,
} from '../src/index.js';
import { codeOf, crypto, key, rejection } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';

const scrypt = { N: 2 ** 15, r: 8, p: 1 };
let dir: string;
let relayKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
const setups: ClientSetup[] = [];
let relay: RelayDouble | undefined;

beforeAll(async () => {
  [relayKey, bobKey] = await Promise.all([key('relay'), key('bob')]);
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leitung-setup-'));
});

afterEach(async () => {
  for (const s of setups.splice(0)) {
    await s.client.close();
    s.vault.close();
  }
  await relay?.stop();
  relay = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function setup(options: Partial<Parameters<typeof setupClient>[0]> = {}): Promise<ClientSetup> {
  const s = await setupClient({
    dataDir: dir,
    passphrase: 'a pass phrase',
    crypto,
    scrypt,
    client: { probeIntervalMs: 0, startAttempts: 1 },
    ...options,
  });
  setups.push(s);
  return s;
}

describe('setupClient', () => {
  it('creates the identity once (with progress), honours client_name.txt and reuses both', async () => {
    relay = await RelayDouble.start({ crypto, key: relayKey });
    await writeFile(join(dir, NAME_FILE), 'A\u0308lice\n');
    const progress: SetupProgress[] = [];
    const first = await setup({ relays: [relay.entry], onProgress: (p) => progress.push(p) });
    expect(first.createdIdentity).toBe(true);
    expect(first.client.name).toBe('\u00c4lice');
    expect(progress.map((p) => p.step)).toEqual(
      expect.arrayContaining(['monitor', 'vault', 'identity', 'name']),
    );
    expect(progress.some((p) => p.step === 'identity' && p.keygen?.phase === 'done')).toBe(true);
    expect(progress.find((p) => p.step === 'name')).toEqual({ step: 'name', source: 'file' });
    expect((await stat(join(dir, VAULT_FILE))).mode & 0o777).toBe(0o600);

    const findings: SecurityFinding[] = [];
    first.client.on('security:finding', (f) => findings.push(f));
    const registered = await first.client.start();
    if (process.platform === 'linux') expect(findings.length).toBeGreaterThan(0);
    else expect(findings.map((f) => f.code)).toEqual(['unsupported-platform']);
    const contact = await first.client.lookup({ clientId: first.client.clientId });
    expect(contact.name).toBe('\u00c4lice');
    const clientId = first.client.clientId;
    await first.client.close();
    first.vault.close();
    setups.length = 0;

    // Second run: same identity and name (from the vault), pinned relay, kept tree head and pin.
    const second = await setup({ relays: [] });
    expect(second.createdIdentity).toBe(false);
    expect(second.client.clientId).toBe(clientId);
    expect(second.client.name).toBe('\u00c4lice');
    expect(second.vault.relays()).toEqual([relay.entry]);
    expect(second.vault.treeHead(relay.entry.fingerprint)?.size).toBe(registered.treeHead.size);
    expect(second.vault.contact('\u00c4lice')?.clientId).toBe(clientId);
    const again = await second.client.start();
    expect(again.treeHeadChange).toBe('unchanged');
  });

  it('takes the name from the options and writes client_name.txt for the seed', async () => {
    const vault = await SecureVault.create(join(dir, VAULT_FILE), 'a pass phrase', { crypto, scrypt });
    vault.setIdentity(bobKey);
    await vault.save();
    vault.close();
    const s = await setup({
      name: 'bob',
      relays: [{ host: '127.0.0.1', port: 9, mediaPort: 9, fingerprint: 'ab'.repeat(32) }],
    });
    await s.vault.save();
    expect(s.client.name).toBe('bob');
    expect(await readFile(join(dir, NAME_FILE), 'utf8')).toBe('bob\n');
  });

  it('refuses to start without a name, with a bad name, without relays, or with the wrong passphrase', async () => {
    const entry = { host: '127.0.0.1', port: 9, mediaPort: 9, fingerprint: 'ab'.repeat(32) };
    expect((await rejection(setup({ relays: [entry] }))).code).toBe('CLIENT_ERR_NO_NAME');
    expect((await rejection(setup({ relays: [entry], passphrase: 'another one' }))).code).toBe(
      'CLIENT_ERR_VAULT_WRONG_PASSPHRASE',
    );
    expect((await rejection(setup({ relays: [], name: 'bob' }))).code).toBe('CLIENT_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => checkName('a\nb'))).toBe('CLIENT_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => checkName('x'.repeat(65)))).toBe('CLIENT_ERR_INVALID_ARGUMENT');
    expect(checkName('\u00e9'.repeat(32))).toHaveLength(32);
  });

  it('uses an identity imported into the vault', async () => {
    const path = join(dir, VAULT_FILE);
    const vault = await SecureVault.create(path, 'a pass phrase', { crypto, scrypt });
    vault.setIdentity(bobKey);
    vault.name = 'bob';
    await vault.save();
    vault.close();
    const s = await setup({
      relays: [{ host: '127.0.0.1', port: 9, mediaPort: 9, fingerprint: 'ab'.repeat(32) }],
    });
    expect(s.createdIdentity).toBe(false);
    expect(s.client.clientId).toBe(crypto.fingerprint(bobKey.publicKey));
  });

  it('never changes relay pins from a relay list: another key for a pinned address is an alarm, new relays need addRelays', async () => {
    const path = join(dir, VAULT_FILE);
    const vault = await SecureVault.create(path, 'a pass phrase', { crypto, scrypt });
    vault.setIdentity(bobKey);
    vault.name = 'bob';
    await vault.save();
    vault.close();
    const a = { host: '127.0.0.1', port: 9, mediaPort: 9, fingerprint: 'ab'.repeat(32) };
    const planted = { ...a, fingerprint: 'cd'.repeat(32) };
    const b = { host: '127.0.0.1', port: 19, mediaPort: 19, fingerprint: 'ef'.repeat(32) };
    const first: SetupProgress[] = [];
    const s = await setup({ relays: [a], onProgress: (p) => first.push(p) });
    expect(first.find((p) => p.step === 'relays')).toEqual({ step: 'relays', using: 1, pinned: [a] });
    await s.client.close();
    s.vault.close();
    setups.length = 0;

    const pinsNow = async () => {
      const v = await SecureVault.open(path, 'a pass phrase', { crypto });
      const pins = v.relays();
      v.close();
      return pins;
    };
    expect((await rejection(setup({ relays: [planted] }))).code).toBe('CLIENT_ERR_RELAY_PIN_CONFLICT');
    expect((await rejection(setup({ addRelays: [planted] }))).code).toBe('CLIENT_ERR_RELAY_PIN_CONFLICT');
    expect((await rejection(setup({ relays: [a, b] }))).code).toBe('CLIENT_ERR_RELAY_NOT_PINNED');
    expect(await pinsNow()).toEqual([a]);

    const added: SetupProgress[] = [];
    const t = await setup({ addRelays: [b], onProgress: (p) => added.push(p) });
    expect(added.find((p) => p.step === 'relays')).toEqual({ step: 'relays', using: 1, pinned: [b] });
    await t.client.close();
    t.vault.close();
    setups.length = 0;
    expect(await pinsNow()).toEqual([a, b]);
  });
});
