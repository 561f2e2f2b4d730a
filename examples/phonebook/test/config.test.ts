import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFirstRun, needsName, openPhonebook } from '../src/config/open-phonebook.js';
import { configuredPassphrase } from '../src/config/passphrase.js';
import {
  ignoredLocalRelayList,
  namedRelayList,
  parseRelayList,
  readRelayList,
} from '../src/config/relays-file.js';
import { codeOf } from '../src/errors.js';
import { writeEncryptedIdentity } from './support/identities.js';

const entry = { host: '127.0.0.1', port: 5060, mediaPort: 5061, fingerprint: 'ab'.repeat(32) };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leitung-phonebook-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function codeOfRejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return codeOf(error);
  }
  return undefined;
}

function codeOfThrow(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return codeOf(error);
  }
  return undefined;
}

describe('relays.json', () => {
  it('reads an array of entries as leitung-relay --info-out writes them, and a single entry', () => {
    expect(parseRelayList(JSON.stringify([entry]))).toEqual([entry]);
    expect(parseRelayList(JSON.stringify(entry))).toEqual([entry]);
    const upper = { ...entry, fingerprint: 'AB'.repeat(32) };
    expect(parseRelayList(JSON.stringify([upper]))[0]!.fingerprint).toBe('ab'.repeat(32));
  });

  it('drops a second entry for the same relay key', () => {
    expect(parseRelayList(JSON.stringify([entry, { ...entry, port: 7000 }]))).toHaveLength(1);
  });

  it('refuses broken lists with PHONEBOOK_ERR_RELAYS_FILE', () => {
    for (const text of [
      'not json',
      '[]',
      '[null]',
      JSON.stringify([{ ...entry, fingerprint: 'abc' }]),
      JSON.stringify([{ ...entry, port: 0 }]),
      JSON.stringify([{ ...entry, host: '' }]),
      JSON.stringify([{ host: '127.0.0.1', port: 1 }]),
    ]) {
      expect(codeOfThrow(() => parseRelayList(text))).toBe('PHONEBOOK_ERR_RELAYS_FILE');
    }
  });

  it('reads the named file only; a ./relays.json that no option names is ignored (and reported)', async () => {
    const file = join(dir, 'relays.json');
    await writeFile(file, JSON.stringify([entry]));
    expect(await readRelayList(file)).toEqual([entry]);
    expect(await namedRelayList(file)).toEqual([entry]);
    expect(await namedRelayList(undefined)).toEqual([]);
    expect(ignoredLocalRelayList(undefined, undefined, dir)).toBe(file);
    expect(ignoredLocalRelayList(file, undefined, dir)).toBeUndefined();
    expect(ignoredLocalRelayList(undefined, undefined, join(dir, 'elsewhere'))).toBeUndefined();
    expect(await codeOfRejection(readRelayList(join(dir, 'missing.json')))).toBe('PHONEBOOK_ERR_RELAYS_FILE');
  });
});

describe('passphrase', () => {
  it('comes from the file (without its trailing newline), else LEITUNG_PASSPHRASE, else nowhere', async () => {
    const file = join(dir, 'pass');
    await writeFile(file, 'correct horse\n');
    expect(await configuredPassphrase(file, { LEITUNG_PASSPHRASE: 'env' })).toBe('correct horse');
    expect(await configuredPassphrase(undefined, { LEITUNG_PASSPHRASE: 'env' })).toBe('env');
    expect(await configuredPassphrase(undefined, {})).toBeUndefined();
    expect(await configuredPassphrase(undefined, { LEITUNG_PASSPHRASE: '' })).toBeUndefined();
  });

  it('refuses an empty or unreadable file', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    expect(await codeOfRejection(configuredPassphrase(empty, {}))).toBe('PHONEBOOK_ERR_PASSPHRASE_FILE');
    expect(await codeOfRejection(configuredPassphrase(join(dir, 'none'), {}))).toBe(
      'PHONEBOOK_ERR_PASSPHRASE_FILE',
    );
  });
});

describe('first run', () => {
  it('needs a name only without vault, client_name.txt and --name', async () => {
    const data = join(dir, 'fresh');
    expect(isFirstRun(data)).toBe(true);
    expect(needsName(data, undefined)).toBe(true);
    expect(needsName(data, 'alice')).toBe(false);
    await mkdir(data);
    await writeFile(join(data, 'client_name.txt'), 'alice\n');
    expect(needsName(data, undefined)).toBe(false);
  });

  it('refuses to start without any relay list (PHONEBOOK_ERR_NO_RELAYS), creating nothing', async () => {
    const data = join(dir, 'no-relays');
    const started = openPhonebook({
      dataDir: data,
      passphrase: 'x',
      relaysFile: undefined,
      name: 'alice',
      importIdentity: undefined,
      strict: false,
    });
    // No ./relays.json in the test's working directory either.
    expect(await codeOfRejection(started)).toBe('PHONEBOOK_ERR_NO_RELAYS');
    expect(isFirstRun(data)).toBe(true);
  });

  it('reports a missing identity file as PHONEBOOK_ERR_IDENTITY_FILE and leaves no vault behind', async () => {
    const relays = join(dir, 'relays-for-import.json');
    await writeFile(relays, JSON.stringify([entry]));
    const data = join(dir, 'import');
    const started = openPhonebook({
      dataDir: data,
      passphrase: 'x',
      relaysFile: relays,
      name: 'alice',
      importIdentity: join(dir, 'missing.pem'),
      strict: false,
    });
    expect(await codeOfRejection(started)).toBe('PHONEBOOK_ERR_IDENTITY_FILE');
    expect(isFirstRun(data)).toBe(true);
  });

  it('removes the new vault when the identity does not decrypt (CLIENT_ERR_IDENTITY_IMPORT)', async () => {
    const pem = await writeEncryptedIdentity(dir, 'alice', 'another passphrase');
    const relays = join(dir, 'relays-for-wrong-import.json');
    await writeFile(relays, JSON.stringify([entry]));
    const data = join(dir, 'import-wrong');
    const started = openPhonebook({
      dataDir: data,
      passphrase: 'the vault passphrase',
      relaysFile: relays,
      name: 'alice',
      importIdentity: pem,
      strict: false,
    });
    expect(await codeOfRejection(started)).toBe('CLIENT_ERR_IDENTITY_IMPORT');
    // Otherwise the next run would find a vault without identity and silently make a new key.
    expect(isFirstRun(data)).toBe(true);
  });
});
