/**
 * SecureVault (docs/design.md §7): one encrypted file holding the identity key, pinned relays, the
 * last accepted tree head per directory log, pinned contact keys and settings.
 *
 * - scrypt-derived keys, AES-256-CBC + HMAC-SHA256 (vault-format.ts);
 * - mode 0600; a file readable or writable by group/others, or owned by another user, is refused before
 *   it is read (CLIENT_ERR_VAULT_PERMISSIONS);
 * - atomic writes (temp file, fsync, rename, fsync directory): a crash leaves the old vault intact;
 * - a wrong passphrase is a typed error and nothing on disk changes (opening never writes);
 * - strict policy: refuses to unlock while a debugger is attached (SecurityMonitor);
 * - passphrase change, export/import of the identity as encrypted PKCS#8 (@leitung/crypto).
 *
 * The contents and what is done with them are UnlockedVault's (shared with the browser's vault); this class
 * adds the file. Implements ClientStore, so the client core records tree heads and pins here; `save()`
 * persists.
 */
import { lstat, open } from 'node:fs/promises';
import { createCrypto, type LeitungCrypto, type ScryptParameters } from '@leitung/crypto';
import { ClientError, ClientErrorCode } from '../errors.js';
import { SecurityMonitor } from '../monitor/security-monitor.js';
import { type AtomicWriteHooks, removeStaleTemps, writeFileAtomic } from './atomic-file.js';
import { UnlockedVault } from './unlocked-vault.js';
import { corrupt } from './vault-format.js';
import {
  checkNewVaultPassphrase,
  checkPassphrase,
  newVaultState,
  type UnlockedState,
  unlockVault,
} from './vault-unlock.js';

/** How a {@link SecureVault} is created or opened. */
export interface SecureVaultOptions {
  /** Cryptography and randomness (default `createCrypto()` of @leitung/crypto). */
  readonly crypto?: LeitungCrypto;
  /** scrypt work factors for `create` and `changePassphrase` (default and floor N = 2^15, r = 8, p = 1). */
  readonly scrypt?: Partial<ScryptParameters>;
  /** `strict`: refuse to unlock while a debugger is attached (default `standard`). */
  readonly policy?: 'standard' | 'strict';
  /** The monitor the strict policy asks (default: a new SecurityMonitor for this process). */
  readonly monitor?: SecurityMonitor;
  /** Test hook into atomic writes (simulate a crash before the rename). */
  readonly writeHooks?: AtomicWriteHooks;
}

/**
 * The encrypted key store (docs/client.md "SecureVault"): one file, mode 0600, holding the identity key,
 * pinned relays and contacts, the last accepted tree heads and settings, under scrypt-derived keys with
 * AES-256-CBC + HMAC-SHA256. Refuses files others may read, weak KDF parameters and (strict policy) an
 * attached debugger; writes atomically; a wrong passphrase is a typed error and changes nothing. It is the
 * Client's store (`setupClient` wires it); `save()` persists, `close()` erases the keys in memory.
 */
export class SecureVault extends UnlockedVault {
  /** The vault file. */
  readonly path: string;

  private constructor(path: string, crypto: LeitungCrypto, state: UnlockedState, hooks: AtomicWriteHooks) {
    super(crypto, state, (file) => writeFileAtomic(path, file, hooks));
    this.path = path;
  }

  /** Creates a new vault file (CLIENT_ERR_VAULT_EXISTS if there is one). */
  static async create(
    path: string,
    passphrase: string,
    options: SecureVaultOptions = {},
  ): Promise<SecureVault> {
    checkNewVaultPassphrase(passphrase);
    const crypto = options.crypto ?? createCrypto();
    if (await exists(path))
      throw new ClientError(ClientErrorCode.VaultExists, 'a vault file already exists there');
    const state = await newVaultState(crypto, passphrase, options.scrypt);
    const vault = new SecureVault(path, crypto, state, options.writeHooks ?? {});
    await vault.save();
    return vault;
  }

  /**
   * Opens and decrypts a vault. CLIENT_ERR_VAULT_NOT_FOUND, _VAULT_PERMISSIONS, _VAULT_CORRUPT,
   * _VAULT_WRONG_PASSPHRASE, _DEBUGGER_ATTACHED (strict policy). Never writes to the file.
   */
  static async open(
    path: string,
    passphrase: string,
    options: SecureVaultOptions = {},
  ): Promise<SecureVault> {
    checkPassphrase(passphrase);
    if (options.policy === 'strict' && (options.monitor ?? new SecurityMonitor()).debuggerAttached()) {
      throw new ClientError(ClientErrorCode.DebuggerAttached, 'strict policy: a debugger is attached');
    }
    const crypto = options.crypto ?? createCrypto();
    const bytes = await readChecked(path);
    const state = await unlockVault(crypto, bytes, passphrase);
    const vault = new SecureVault(path, crypto, state, options.writeHooks ?? {});
    await removeStaleTemps(path);
    return vault;
  }

  /** True when a file exists at `path`. */
  static exists(path: string): Promise<boolean> {
    return exists(path);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads the file after checking, on the open descriptor, that only its owner (this user) can access it. */
async function readChecked(path: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ClientError(ClientErrorCode.VaultNotFound, 'no vault file there');
    }
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw corrupt('the vault path is not a regular file');
    if ((stat.mode & 0o077) !== 0) {
      throw new ClientError(
        ClientErrorCode.VaultPermissions,
        `the vault file is accessible to group or others (mode 0${(stat.mode & 0o777).toString(8)}): chmod 600 it`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new ClientError(ClientErrorCode.VaultPermissions, 'the vault file belongs to another user');
    }
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}
