/**
 * Identity backup and passphrase change from the program, against the real leitung-relay: an identity
 * written with --export-identity (encrypted PKCS#8 PEM, mode 0600) is what --import-identity takes on a
 * first run elsewhere, and that phonebook registers with the same key; --change-passphrase re-encrypts
 * the vault so that the new passphrase opens it and the old one no longer does.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventLine,
  type PhonebookProcess,
  startPhonebookProcess,
} from '../src/demo/phonebook-process.js';
import { writeEncryptedIdentity } from './support/identities.js';
import { RelayWorld } from './support/relay-world.js';

let world: RelayWorld;
let passFile: string;
const env = { ...process.env, LEITUNG_PASSPHRASE: '' };
const started: PhonebookProcess[] = [];

beforeAll(async () => {
  world = await RelayWorld.start('identity');
  passFile = world.passFile;
}, 60_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await world?.close();
});

function run(label: string, args: readonly string[], pass = passFile): PhonebookProcess {
  const p = startPhonebookProcess(
    label,
    ['--relays', world.relaysFile, '--passphrase-file', pass, ...args],
    env,
  );
  started.push(p);
  return p;
}

function errorOf(events: readonly EventLine[]): EventLine | undefined {
  return events.find((e) => e.event === 'error');
}

async function registered(label: string, args: readonly string[], pass = passFile): Promise<string> {
  const p = run(label, [...args, '--headless', '--duration', '0.3'], pass);
  expect(await p.process.exited).toBe(0);
  const clientId = p.events.find((e) => e.event === 'registration:complete')?.clientId;
  expect(clientId).toMatch(/^[0-9a-f]{64}$/);
  return clientId as string;
}

describe('identity commands', () => {
  it('--export-identity writes an encrypted PEM (0600) that --import-identity takes on a first run elsewhere', async () => {
    const key = await writeEncryptedIdentity(world.temp, 'alice');
    const home = join(world.temp, 'alice-home');
    const clientId = await registered('alice', ['--data', home, '--name', 'alice', '--import-identity', key]);

    const backup = join(world.temp, 'alice-backup.pem');
    const exported = run('export', ['--data', home, '--export-identity', backup]);
    expect(await exported.process.exited).toBe(0);
    expect(exported.events.find((e) => e.event === 'identity:exported')).toMatchObject({
      file: backup,
      clientId,
      self: 'alice',
    });
    expect(exported.events.at(-1)).toMatchObject({ event: 'exit', code: 0, why: 'exported' });
    expect((await stat(backup)).mode & 0o777).toBe(0o600);
    const pem = await readFile(backup, 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(pem).not.toContain('BEGIN PRIVATE KEY');

    // A new device: the exported file as the identity; the relay sees the same key under the same name.
    const laptop = join(world.temp, 'alice-laptop');
    const again = await registered('alice-laptop', [
      '--data',
      laptop,
      '--name',
      'alice',
      '--import-identity',
      backup,
    ]);
    expect(again).toBe(clientId);
  });

  it('--change-passphrase re-encrypts the vault: the new passphrase opens it, the old one no longer does', async () => {
    const key = await writeEncryptedIdentity(world.temp, 'bob');
    const home = join(world.temp, 'bob-home');
    const clientId = await registered('bob', ['--data', home, '--name', 'bob', '--import-identity', key]);

    // Without a terminal the new passphrase must come from a file; a weak one is refused, nothing changes.
    const noNew = run('no-new', ['--data', home, '--change-passphrase']);
    expect(await noNew.process.exited).toBe(1);
    expect(errorOf(noNew.events)?.code).toBe('PHONEBOOK_ERR_NO_PASSPHRASE');
    const weakFile = join(world.temp, 'weak');
    await writeFile(weakFile, 'short\n');
    const weak = run('weak', ['--data', home, '--change-passphrase', '--new-passphrase-file', weakFile]);
    expect(await weak.process.exited).toBe(1);
    expect(errorOf(weak.events)).toMatchObject({
      code: 'CLIENT_ERR_WEAK_PASSPHRASE',
      message: 'the passphrase needs at least 12 characters (it has 5)',
    });

    const newFile = join(world.temp, 'new-passphrase');
    await writeFile(newFile, 'a brand new vault passphrase\n');
    const change = run('change', ['--data', home, '--change-passphrase', '--new-passphrase-file', newFile]);
    expect(await change.process.exited).toBe(0);
    expect(change.events.some((e) => e.event === 'vault:passphrase-changed')).toBe(true);
    expect(change.events.at(-1)).toMatchObject({ event: 'exit', code: 0, why: 'passphrase-changed' });
    expect((await stat(join(home, 'vault.leitung'))).mode & 0o777).toBe(0o600);

    const old = run('old', ['--data', home, '--headless', '--duration', '0.3']);
    expect(await old.process.exited).toBe(1);
    expect(errorOf(old.events)).toMatchObject({
      code: 'CLIENT_ERR_VAULT_WRONG_PASSPHRASE',
      message: 'wrong vault passphrase',
    });
    expect(await registered('new', ['--data', home], newFile)).toBe(clientId);
  });

  it('refuses the commands with --call (usage error, status 2)', async () => {
    const p = run('usage', [
      '--data',
      join(world.temp, 'usage'),
      '--export-identity',
      'x.pem',
      '--call',
      'bob',
    ]);
    expect(await p.process.exited).toBe(2);
    expect(p.process.stderr()).toContain(
      'leitung-phonebook: --export-identity excludes --call and --auto-answer (PHONEBOOK_ERR_USAGE)',
    );
  });
});
