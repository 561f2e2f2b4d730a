/**
 * SecureVault (docs/design.md §7): round trip, wrong passphrase (nothing overwritten), corrupted file, an
 * interrupted write (the old vault survives), permissions, passphrase change, identity export/import and
 * the strict policy under a debugger, the passphrase minimum and the floor on key-derivation work factors.
 * The vault floor's parameters (N = 2^15) are used: ~90 ms per open.
 */
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecureVault, SecurityMonitor } from '../src/index.js';
import { emptyContents, encodeContents } from '../src/vault/vault-contents.js';
import { deriveVaultKeys, encodeVaultFile, SALT_BYTES } from '../src/vault/vault-format.js';
import { crypto, key, rejection } from './support/fixtures.js';

const scrypt = { N: 2 ** 15, r: 8, p: 1 };
const options = { crypto, scrypt };
let dir: string;
let path: string;
let alice: RsaPrivateKey;
let bob: RsaPrivateKey;

beforeAll(async () => {
  [alice, bob] = await Promise.all([key('alice'), key('bob')]);
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leitung-vault-'));
  path = join(dir, 'vault.leitung');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const relay = { host: '127.0.0.1', port: 5060, mediaPort: 5061, fingerprint: 'ab'.repeat(32) };
const head = {
  size: 7,
  root: new Uint8Array(32).fill(3),
  mapRoot: new Uint8Array(32).fill(6),
  time: 1_700_000_000_000,
  logId: new Uint8Array(32).fill(9),
  signature: new Uint8Array(512).fill(5),
};

async function filled(): Promise<SecureVault> {
  const vault = await SecureVault.create(path, 'correct horse', options);
  vault.setIdentity(alice);
  vault.name = 'alice';
  vault.pinRelay(relay);
  vault.setTreeHead('cd'.repeat(32), head);
  vault.pinContact({
    name: 'bob',
    clientId: bob.publicKey.fingerprint(),
    publicKey: bob.publicKey.toDer(),
    pinnedAt: 42,
  });
  vault.setSetting('codec', { preferred: 'opus', bitrate: 24_000 });
  await vault.save();
  return vault;
}

describe('SecureVault', () => {
  it('round-trips every kind of content, encrypted, with mode 0600', async () => {
    (await filled()).close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const bytes = await readFile(path);
    for (const plain of ['alice', 'bob', 'opus', '127.0.0.1', bob.publicKey.fingerprint()]) {
      expect(bytes.includes(Buffer.from(plain))).toBe(false);
    }
    const vault = await SecureVault.open(path, 'correct horse', options);
    expect(vault.identity().publicKey.equals(alice.publicKey)).toBe(true);
    expect(vault.name).toBe('alice');
    expect(vault.relays()).toEqual([relay]);
    expect(vault.treeHead('cd'.repeat(32))).toEqual(head);
    expect(vault.contact('bob')).toEqual({
      name: 'bob',
      clientId: bob.publicKey.fingerprint(),
      publicKey: bob.publicKey.toDer(),
      pinnedAt: 42,
    });
    expect(vault.setting('codec')).toEqual({ preferred: 'opus', bitrate: 24_000 });
    vault.close();
    expect(() => vault.name).toThrow(expect.objectContaining({ code: 'CLIENT_ERR_VAULT_CLOSED' }));
  });

  it('refuses a wrong passphrase with a typed error and leaves the file untouched', async () => {
    (await filled()).close();
    const before = await readFile(path);
    const mtime = (await stat(path)).mtimeMs;
    expect((await rejection(SecureVault.open(path, 'wrong horse', options))).code).toBe(
      'CLIENT_ERR_VAULT_WRONG_PASSPHRASE',
    );
    expect(await readFile(path)).toEqual(before);
    expect((await stat(path)).mtimeMs).toBe(mtime);
    expect((await readdir(dir)).sort()).toEqual(['vault.leitung']);
  });

  it('refuses a corrupted file: any flipped byte, truncation, garbage, an empty file', async () => {
    (await filled()).close();
    const good = await readFile(path);
    for (const offset of [0, 9, 12, 30, 60, 90, good.length - 40, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[offset]! ^= 0x01;
      await writeFile(path, bad, { mode: 0o600 });
      expect(
        (await rejection(SecureVault.open(path, 'correct horse', options))).code,
        `offset ${offset}`,
      ).toBe('CLIENT_ERR_VAULT_CORRUPT');
    }
    for (const bad of [
      good.subarray(0, good.length - 1),
      good.subarray(0, 40),
      crypto.randomBytes(500),
      new Uint8Array(),
    ]) {
      await writeFile(path, bad, { mode: 0o600 });
      expect((await rejection(SecureVault.open(path, 'correct horse', options))).code).toBe(
        'CLIENT_ERR_VAULT_CORRUPT',
      );
    }
  });

  it('detects a deliberately altered body whose digest was fixed up', async () => {
    (await filled()).close();
    const bad = Buffer.from(await readFile(path));
    bad[bad.length - 60]! ^= 0x01;
    crypto.sha256(bad.subarray(0, bad.length - 32)).forEach((b, i) => {
      bad[bad.length - 32 + i] = b;
    });
    await writeFile(path, bad, { mode: 0o600 });
    expect((await rejection(SecureVault.open(path, 'correct horse', options))).code).toBe(
      'CLIENT_ERR_VAULT_CORRUPT',
    );
  });

  it('an interrupted write leaves the old vault intact; the leftover temp file is cleaned up', async () => {
    const vault = await filled();
    vault.name = 'renamed';
    const crash = await SecureVault.open(path, 'correct horse', {
      ...options,
      writeHooks: {
        beforeRename: () => {
          throw new Error('power cut');
        },
      },
    });
    crash.name = 'half-written';
    await expect(crash.save()).rejects.toThrow('power cut');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    const reopened = await SecureVault.open(path, 'correct horse', options);
    expect(reopened.name).toBe('alice');
    expect((await readdir(dir)).sort()).toEqual(['vault.leitung']);
    await vault.save();
    expect((await SecureVault.open(path, 'correct horse', options)).name).toBe('renamed');
  });

  it('saves land in call order: a slow earlier save never overwrites a later one', async () => {
    (await filled()).close();
    // The first save's rename is held back until the second save has been asked for.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const vault = await SecureVault.open(path, 'correct horse', {
      ...options,
      writeHooks: {
        beforeRename: async () => {
          if (!first) return;
          first = false;
          await held;
        },
      },
    });
    vault.name = 'older';
    const older = vault.save();
    vault.name = 'newer';
    const newer = vault.save();
    release();
    await Promise.all([older, newer]);
    expect((await SecureVault.open(path, 'correct horse', options)).name).toBe('newer');
  });

  it('refuses a vault readable or writable by group or others, and one owned by another user', async () => {
    (await filled()).close();
    for (const mode of [0o640, 0o604, 0o620, 0o644, 0o666]) {
      await chmod(path, mode);
      expect((await rejection(SecureVault.open(path, 'correct horse', options))).code).toBe(
        'CLIENT_ERR_VAULT_PERMISSIONS',
      );
    }
    await chmod(path, 0o600);
    expect((await SecureVault.open(path, 'correct horse', options)).name).toBe('alice');
    if (process.getuid?.() === 0) {
      await chown(path, 4242, 4242);
      expect((await rejection(SecureVault.open(path, 'correct horse', options))).code).toBe(
        'CLIENT_ERR_VAULT_PERMISSIONS',
      );
    }
  });

  it('creates the file 0600 even under a permissive umask', async () => {
    const old = process.umask(0);
    try {
      (await SecureVault.create(path, 'a long passphrase', options)).close();
    } finally {
      process.umask(old);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('changes the passphrase: the old one stops working, the contents stay', async () => {
    const vault = await filled();
    await vault.changePassphrase('new battery staple');
    vault.close();
    expect((await rejection(SecureVault.open(path, 'correct horse', options))).code).toBe(
      'CLIENT_ERR_VAULT_WRONG_PASSPHRASE',
    );
    const reopened = await SecureVault.open(path, 'new battery staple', options);
    expect(reopened.identity().publicKey.equals(alice.publicKey)).toBe(true);
    expect(reopened.contact('bob')?.pinnedAt).toBe(42);
  });

  it('exports the identity as encrypted PKCS#8 and imports it elsewhere', async () => {
    const vault = await filled();
    const pem = await vault.exportIdentity('export passphrase', scrypt);
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const other = await SecureVault.create(join(dir, 'other.leitung'), 'other passphrase', options);
    expect(other.hasIdentity).toBe(false);
    expect(() => other.identity()).toThrow(expect.objectContaining({ code: 'CLIENT_ERR_NO_IDENTITY' }));
    expect((await rejection(other.importIdentity(pem, 'not it'))).code).toBe('CLIENT_ERR_IDENTITY_IMPORT');
    const imported = await other.importIdentity(pem, 'export passphrase');
    expect(imported.publicKey.fingerprint()).toBe(alice.publicKey.fingerprint());
    await other.save();
    other.close();
    const again = await SecureVault.open(join(dir, 'other.leitung'), 'other passphrase', options);
    expect(again.identity().publicKey.equals(alice.publicKey)).toBe(true);
  });

  it('strict policy: refuses to unlock while a debugger is attached', async () => {
    (await filled()).close();
    const traced = new SecurityMonitor({
      platform: 'linux',
      readFile: (p) =>
        p.endsWith('/status') ? 'Name:\tnode\nTracerPid:\t4711\nUid:\t1000\t1000\t1000\t1000\n' : undefined,
    });
    const untraced = new SecurityMonitor({ platform: 'linux', readFile: () => 'TracerPid:\t0\n' });
    expect(
      (
        await rejection(
          SecureVault.open(path, 'correct horse', { ...options, policy: 'strict', monitor: traced }),
        )
      ).code,
    ).toBe('CLIENT_ERR_DEBUGGER_ATTACHED');
    // The standard policy only reports; strict without a tracer opens.
    expect((await SecureVault.open(path, 'correct horse', { ...options, monitor: traced })).name).toBe(
      'alice',
    );
    expect(
      (await SecureVault.open(path, 'correct horse', { ...options, policy: 'strict', monitor: untraced }))
        .name,
    ).toBe('alice');
  });

  it('create refuses an existing file; open reports a missing one', async () => {
    (await filled()).close();
    expect((await rejection(SecureVault.create(path, 'a long passphrase', options))).code).toBe(
      'CLIENT_ERR_VAULT_EXISTS',
    );
    expect((await rejection(SecureVault.open(join(dir, 'none'), 'x', options))).code).toBe(
      'CLIENT_ERR_VAULT_NOT_FOUND',
    );
    expect((await rejection(SecureVault.open(path, '', options))).code).toBe('CLIENT_ERR_INVALID_ARGUMENT');
  });

  it('refuses work factors from a file that would exhaust memory', async () => {
    (await filled()).close();
    const bad = Buffer.from(await readFile(path));
    bad.writeUInt32BE(2 ** 24, 10);
    crypto.sha256(bad.subarray(0, bad.length - 32)).forEach((b, i) => {
      bad[bad.length - 32 + i] = b;
    });
    await writeFile(path, bad, { mode: 0o600 });
    expect((await rejection(SecureVault.open(path, 'correct horse', options))).code).toBe(
      'CLIENT_ERR_VAULT_CORRUPT',
    );
  });

  it('refuses a weak passphrase for a new vault, a passphrase change and an export, with the reason', async () => {
    for (const weak of ['x', 'password', 'abcdefghijk', 'aaaaaaaaaaaaaaaa', 'abababababab']) {
      const error = (await rejection(SecureVault.create(path, weak, options))) as {
        code?: string;
        message?: string;
      };
      expect(error.code, weak).toBe('CLIENT_ERR_WEAK_PASSPHRASE');
      expect(error.message).toMatch(/at least/);
    }
    expect((await readdir(dir)).sort()).toEqual([]);
    const vault = await filled();
    expect((await rejection(vault.changePassphrase('short'))).code).toBe('CLIENT_ERR_WEAK_PASSPHRASE');
    expect((await rejection(vault.exportIdentity('short', scrypt))).code).toBe('CLIENT_ERR_WEAK_PASSPHRASE');
    vault.close();
    // The old passphrase still opens: a refused change wrote nothing.
    expect((await SecureVault.open(path, 'correct horse', options)).name).toBe('alice');
  });

  it('refuses to create a vault below the key-derivation floor', async () => {
    for (const weak of [{ N: 2 }, { N: 2 ** 14 }, { r: 1 }, { N: 2 ** 10, r: 8, p: 1 }]) {
      expect(
        (await rejection(SecureVault.create(path, 'correct horse', { crypto, scrypt: weak }))).code,
        JSON.stringify(weak),
      ).toBe('CLIENT_ERR_VAULT_KDF_WEAK');
    }
    expect((await readdir(dir)).sort()).toEqual([]);
  });

  it('refuses to open a well-formed vault file whose header asks for weak scrypt parameters', async () => {
    // A genuine vault (right passphrase, valid check, tag and digest) written with N = 2: what an
    // older library or a planted file would hold. It must not be unlocked with one cheap derivation.
    for (const params of [
      { N: 2, r: 1, p: 1 },
      { N: 2 ** 14, r: 8, p: 1 },
      { N: 2 ** 15, r: 4, p: 1 },
    ]) {
      const header = { params, salt: crypto.randomBytes(SALT_BYTES) };
      const keys = await deriveVaultKeys(crypto, 'correct horse', header);
      const file = encodeVaultFile(crypto, header, keys, encodeContents(emptyContents()));
      keys.destroy();
      await writeFile(path, file, { mode: 0o600 });
      const started = performance.now();
      expect(
        (await rejection(SecureVault.open(path, 'correct horse', options))).code,
        JSON.stringify(params),
      ).toBe('CLIENT_ERR_VAULT_KDF_WEAK');
      // Refused from the header, before any key derivation.
      expect(performance.now() - started).toBeLessThan(50);
    }
  });
});
