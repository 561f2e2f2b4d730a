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
 * Implements ClientStore, so the client core records tree heads and pins here; `save()` persists.
 * Limits (JavaScript): decrypted JSON strings cannot be wiped; byte buffers and derived keys are.
 */
import { lstat, open } from 'node:fs/promises';
import { createCrypto, type LeitungCrypto, type RsaPrivateKey, type ScryptParameters } from '@leitung/crypto';
import type { SignedTreeHead } from '@leitung/wire';
import type { ClientStore, PinnedContact } from '../core/client-store.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import { SecurityMonitor } from '../monitor/security-monitor.js';
import { parseRelayEntry, type RelayEntry } from '../relays/relay-entry.js';
import { type AtomicWriteHooks, removeStaleTemps, writeFileAtomic } from './atomic-file.js';
import { checkNewPassphrase } from './passphrase-policy.js';
import {
  decodeContents,
  emptyContents,
  encodeContents,
  type SettingValue,
  type VaultContents,
} from './vault-contents.js';
import {
  checkKdfFloor,
  corrupt,
  decodeVaultFile,
  deriveVaultKeys,
  encodeVaultFile,
  MIN_SCRYPT,
  SALT_BYTES,
  type VaultHeader,
  type VaultKeys,
} from './vault-format.js';

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

/** Settings key of the persisted call-id replay guard (docs/session-protocol.md "Call offers"). */
const SEEN_CALL_IDS = 'leitung.seenCallIds';

/**
 * The encrypted key store (docs/client.md "SecureVault"): one file, mode 0600, holding the identity key,
 * pinned relays and contacts, the last accepted tree heads and settings, under scrypt-derived keys with
 * AES-256-CBC + HMAC-SHA256. Refuses files others may read, weak KDF parameters and (strict policy) an
 * attached debugger; writes atomically; a wrong passphrase is a typed error and changes nothing. It is the
 * Client's store (`setupClient` wires it); `save()` persists, `close()` erases the keys in memory.
 */
export class SecureVault implements ClientStore {
  /** The vault file. */
  readonly path: string;
  readonly #crypto: LeitungCrypto;
  readonly #hooks: AtomicWriteHooks;
  #header: VaultHeader;
  #keys: VaultKeys | undefined;
  #contents: VaultContents;
  #identity: RsaPrivateKey | undefined;
  /** The last file write started by `save`; the next one waits for it. */
  #lastWrite: Promise<void> = Promise.resolve();

  private constructor(
    path: string,
    crypto: LeitungCrypto,
    header: VaultHeader,
    keys: VaultKeys,
    contents: VaultContents,
    hooks: AtomicWriteHooks,
  ) {
    this.path = path;
    this.#crypto = crypto;
    this.#header = header;
    this.#keys = keys;
    this.#contents = contents;
    this.#hooks = hooks;
  }

  /** Creates a new vault file (CLIENT_ERR_VAULT_EXISTS if there is one). */
  static async create(
    path: string,
    passphrase: string,
    options: SecureVaultOptions = {},
  ): Promise<SecureVault> {
    checkPassphrase(passphrase);
    checkNewPassphrase(passphrase);
    const crypto = options.crypto ?? createCrypto();
    if (await exists(path))
      throw new ClientError(ClientErrorCode.VaultExists, 'a vault file already exists there');
    const header = newHeader(crypto, options.scrypt);
    const keys = await deriveVaultKeys(crypto, passphrase, header);
    const vault = new SecureVault(path, crypto, header, keys, emptyContents(), options.writeHooks ?? {});
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
    const file = decodeVaultFile(crypto, bytes);
    const keys = await deriveVaultKeys(crypto, passphrase, file.header);
    if (!keys.verifyCheck(file.check)) {
      keys.destroy();
      throw new ClientError(ClientErrorCode.VaultWrongPassphrase, 'wrong vault passphrase');
    }
    let plaintext: Uint8Array;
    try {
      plaintext = keys.cipher.open(file.body, file.associatedData);
    } catch (error) {
      keys.destroy();
      throw corrupt('vault contents failed authentication (damaged file)', error);
    }
    let contents: VaultContents;
    try {
      contents = decodeContents(plaintext);
    } catch (error) {
      keys.destroy();
      throw error;
    } finally {
      plaintext.fill(0);
    }
    const vault = new SecureVault(path, crypto, file.header, keys, contents, options.writeHooks ?? {});
    await removeStaleTemps(path);
    return vault;
  }

  /** True when a file exists at `path`. */
  static exists(path: string): Promise<boolean> {
    return exists(path);
  }

  /** True after `close()`: the keys are erased and the vault refuses further use (CLIENT_ERR_VAULT_CLOSED). */
  get closed(): boolean {
    return this.#keys === undefined;
  }

  // ─── identity ───────────────────────────────────────────────────────────────────────────────────────

  /** Whether an identity key is stored. */
  get hasIdentity(): boolean {
    return this.#live().identity !== undefined;
  }

  /** The identity key (CLIENT_ERR_NO_IDENTITY when none is stored). */
  identity(): RsaPrivateKey {
    const contents = this.#live();
    if (this.#identity) return this.#identity;
    if (!contents.identity)
      throw new ClientError(ClientErrorCode.NoIdentity, 'the vault holds no identity key');
    try {
      this.#identity = this.#crypto.importRsaPrivateKey(contents.identity);
    } catch (error) {
      throw corrupt('the stored identity key is invalid', error);
    }
    return this.#identity;
  }

  /**
   * Stores `key` as the identity (call `save()` to persist). The caller keeps ownership of `key`;
   * `identity()` returns the vault's own copy, which `close()` erases.
   */
  setIdentity(key: RsaPrivateKey): void {
    const contents = this.#live();
    contents.identity?.fill(0);
    contents.identity = key.toPkcs8Der();
    this.#identity?.destroy();
    this.#identity = undefined;
  }

  /**
   * The key a key rotation in progress moves to, if any (docs/client.md "Key rotation"); the caller owns
   * the returned key.
   */
  pendingIdentity(): RsaPrivateKey | undefined {
    const der = this.#live().pendingIdentity;
    if (der === undefined) return undefined;
    try {
      return this.#crypto.importRsaPrivateKey(der);
    } catch (error) {
      throw corrupt('the stored pending identity key is invalid', error);
    }
  }

  /** Records `key` as the target of a key rotation about to be sent (call `save()` before sending it). */
  setPendingIdentity(key: RsaPrivateKey): void {
    const contents = this.#live();
    contents.pendingIdentity?.fill(0);
    contents.pendingIdentity = key.toPkcs8Der();
  }

  /** The rotation happened: the pending key becomes the identity, the old one is erased. */
  promotePendingIdentity(): void {
    const contents = this.#live();
    const pending = contents.pendingIdentity;
    if (pending === undefined) {
      throw new ClientError(ClientErrorCode.InvalidState, 'no key rotation is in progress');
    }
    contents.identity?.fill(0);
    contents.identity = pending;
    contents.pendingIdentity = undefined;
    this.#identity?.destroy();
    this.#identity = undefined;
  }

  /** The rotation did not happen: the pending key is erased. */
  clearPendingIdentity(): void {
    const contents = this.#live();
    contents.pendingIdentity?.fill(0);
    contents.pendingIdentity = undefined;
  }

  /** The identity as an encrypted PKCS#8 PEM (scrypt + AES-256-CBC), for backup or moving devices. */
  async exportIdentity(passphrase: string, scrypt?: Partial<ScryptParameters>): Promise<string> {
    checkPassphrase(passphrase);
    checkNewPassphrase(passphrase);
    return this.#crypto.exportEncryptedRsaPrivateKey(this.identity(), passphrase, scrypt);
  }

  /** Replaces the identity with an exported one (CLIENT_ERR_IDENTITY_IMPORT on a wrong passphrase). */
  async importIdentity(pem: string, passphrase: string): Promise<RsaPrivateKey> {
    this.#live();
    let key: RsaPrivateKey;
    try {
      key = await this.#crypto.importEncryptedRsaPrivateKey(pem, passphrase);
    } catch (error) {
      throw new ClientError(ClientErrorCode.IdentityImport, 'the exported identity could not be imported', {
        cause: error,
      });
    }
    this.setIdentity(key);
    key.destroy();
    return this.identity();
  }

  // ─── name, relays, settings ─────────────────────────────────────────────────────────────────────────

  /** The registered name stored in the vault (NFC), if any; set it and `save()` to keep a new one. */
  get name(): string | undefined {
    return this.#live().name;
  }

  set name(value: string | undefined) {
    this.#live().name = value?.normalize('NFC');
  }

  /** Pinned relays (relay-list entries). */
  relays(): RelayEntry[] {
    return [...this.#live().relays.values()];
  }

  /** Pins a relay-list entry by its fingerprint (checked by `parseRelayEntry`); `save()` keeps it. */
  pinRelay(entry: RelayEntry): void {
    const e = parseRelayEntry(entry);
    this.#live().relays.set(e.fingerprint, e);
  }

  /** The application setting stored under `key`, if any. */
  setting(key: string): SettingValue | undefined {
    return this.#live().settings.get(key);
  }

  /** Stores a copy of `value` under `key` (undefined removes it); `save()` keeps it. */
  setSetting(key: string, value: SettingValue | undefined): void {
    const settings = this.#live().settings;
    if (value === undefined) settings.delete(key);
    else settings.set(key, JSON.parse(JSON.stringify(value)) as SettingValue);
  }

  // ─── ClientStore ────────────────────────────────────────────────────────────────────────────────────

  /** Call ids seen in incoming offers (kept in the settings under a reserved key; see ClientStore). */
  seenCallIds(): readonly (readonly [string, number])[] {
    const value = this.#live().settings.get(SEEN_CALL_IDS);
    if (!Array.isArray(value)) return [];
    return value.flatMap((item) =>
      Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'number'
        ? [[item[0], item[1]] as const]
        : [],
    );
  }

  setSeenCallIds(entries: readonly (readonly [string, number])[]): void {
    this.#live().settings.set(
      SEEN_CALL_IDS,
      entries.map(([id, at]) => [id, at]),
    );
  }

  treeHead(logId: string): SignedTreeHead | undefined {
    return this.#live().treeHeads.get(logId);
  }

  setTreeHead(logId: string, head: SignedTreeHead): void {
    this.#live().treeHeads.set(logId, head);
  }

  contact(name: string): PinnedContact | undefined {
    return this.#live().contacts.get(name);
  }

  pinContact(contact: PinnedContact): void {
    this.#live().contacts.set(contact.name, contact);
  }

  /** Every pinned contact key. */
  contacts(): PinnedContact[] {
    return [...this.#live().contacts.values()];
  }

  // ─── persistence ────────────────────────────────────────────────────────────────────────────────────

  /** Writes the vault atomically (mode 0600). */
  async save(): Promise<void> {
    const keys = this.#liveKeys();
    const plaintext = encodeContents(this.#live());
    const file = encodeVaultFile(this.#crypto, this.#header, keys, plaintext);
    plaintext.fill(0);
    await this.#write(file);
  }

  /**
   * Writes land in call order: a save still in flight with older contents must not rename its file over
   * a newer one (the file last asked for is the one on disk).
   */
  #write(file: Uint8Array): Promise<void> {
    const write = this.#lastWrite
      .catch(() => undefined)
      .then(() => writeFileAtomic(this.path, file, this.#hooks));
    this.#lastWrite = write;
    return write;
  }

  /** Re-encrypts under a new passphrase (new salt) and saves; the old passphrase stops working. */
  async changePassphrase(newPassphrase: string, scrypt?: Partial<ScryptParameters>): Promise<void> {
    checkPassphrase(newPassphrase);
    checkNewPassphrase(newPassphrase);
    const old = this.#liveKeys();
    const header = newHeader(this.#crypto, scrypt ?? this.#header.params);
    const keys = await deriveVaultKeys(this.#crypto, newPassphrase, header);
    const plaintext = encodeContents(this.#live());
    const file = encodeVaultFile(this.#crypto, header, keys, plaintext);
    plaintext.fill(0);
    try {
      await this.#write(file);
    } catch (error) {
      keys.destroy();
      throw error;
    }
    this.#header = header;
    this.#keys = keys;
    old.destroy();
  }

  /** Erases the keys and the identity from memory. Later use throws CLIENT_ERR_VAULT_CLOSED. */
  close(): void {
    this.#keys?.destroy();
    this.#keys = undefined;
    this.#contents.identity?.fill(0);
    this.#contents.pendingIdentity?.fill(0);
    this.#identity?.destroy();
    this.#identity = undefined;
    this.#contents = emptyContents();
  }

  #live(): VaultContents {
    this.#liveKeys();
    return this.#contents;
  }

  #liveKeys(): VaultKeys {
    if (!this.#keys) throw new ClientError(ClientErrorCode.VaultClosed, 'the vault is closed');
    return this.#keys;
  }
}

/** A fresh header; parameters below the floor are refused so no vault is written that `open` would refuse. */
function newHeader(crypto: LeitungCrypto, scrypt: Partial<ScryptParameters> | undefined): VaultHeader {
  const params = { N: scrypt?.N ?? MIN_SCRYPT.N, r: scrypt?.r ?? MIN_SCRYPT.r, p: scrypt?.p ?? MIN_SCRYPT.p };
  checkKdfFloor(params);
  return { params, salt: crypto.randomBytes(SALT_BYTES) };
}

function checkPassphrase(passphrase: unknown): void {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new ClientError(ClientErrorCode.InvalidArgument, 'the passphrase must be a non-empty string');
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
