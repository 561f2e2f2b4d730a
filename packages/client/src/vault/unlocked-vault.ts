/**
 * An unlocked vault (docs/client.md "SecureVault", "In a browser"): the contents — identity key, pending
 * identity of a key rotation, name, pinned relays, settings, tree heads, pinned contacts — under the keys
 * derived from the passphrase, with every operation on them. Where the encrypted bytes live is the
 * subclass's: SecureVault writes a file, BrowserVault an IndexedDB record, both in the one format of
 * vault-format.ts, each write atomic.
 *
 * Implements ClientStore, so the client core records tree heads and pins here; `save()` persists.
 * Limits (JavaScript): decrypted JSON strings cannot be wiped; byte buffers and derived keys are.
 */
import type { LeitungCrypto, RsaPrivateKey, ScryptParameters } from '@leitung/crypto';
import type { SignedTreeHead } from '@leitung/wire';
import type { ClientStore, PinnedContact } from '../core/client-store.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import { parseRelayEntry, type RelayEntry } from '../relays/relay-entry.js';
import { emptyContents, encodeContents, type SettingValue, type VaultContents } from './vault-contents.js';
import {
  corrupt,
  deriveVaultKeys,
  encodeVaultFile,
  type VaultHeader,
  type VaultKeys,
} from './vault-format.js';
import { checkNewVaultPassphrase, newHeader, type UnlockedState } from './vault-unlock.js';

/** Settings key of the persisted call-id replay guard (docs/session-protocol.md "Call offers"). */
const SEEN_CALL_IDS = 'leitung.seenCallIds';

/**
 * The contents of an unlocked vault and what is done with them (docs/client.md "SecureVault"); SecureVault
 * and BrowserVault add where the encrypted bytes are kept. `save()` persists, `close()` erases the keys.
 */
export class UnlockedVault implements ClientStore {
  readonly #crypto: LeitungCrypto;
  readonly #store: (file: Uint8Array) => Promise<void>;
  #header: VaultHeader;
  #keys: VaultKeys | undefined;
  #contents: VaultContents;
  #identity: RsaPrivateKey | undefined;
  /** The last write started by `save`; the next one waits for it. */
  #lastWrite: Promise<void> = Promise.resolve();

  /** `store` replaces the stored vault with the bytes it is given, atomically. */
  protected constructor(
    crypto: LeitungCrypto,
    state: UnlockedState,
    store: (file: Uint8Array) => Promise<void>,
  ) {
    this.#crypto = crypto;
    this.#header = state.header;
    this.#keys = state.keys;
    this.#contents = state.contents;
    this.#store = store;
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
   * A copy of the stored identity key's PKCS#8 DER, for a subclass that imports it elsewhere (BrowserVault
   * into WebCrypto); the caller wipes it. CLIENT_ERR_NO_IDENTITY when none is stored.
   */
  protected identityPkcs8(): Uint8Array {
    const stored = this.#live().identity;
    if (!stored) throw new ClientError(ClientErrorCode.NoIdentity, 'the vault holds no identity key');
    return stored.slice();
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
    checkNewVaultPassphrase(passphrase);
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

  /** Writes the vault (one atomic write of the whole encrypted vault: the old one stays if it fails). */
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
    const write = this.#lastWrite.catch(() => undefined).then(() => this.#store(file));
    this.#lastWrite = write;
    return write;
  }

  /** Re-encrypts under a new passphrase (new salt) and saves; the old passphrase stops working. */
  async changePassphrase(newPassphrase: string, scrypt?: Partial<ScryptParameters>): Promise<void> {
    checkNewVaultPassphrase(newPassphrase);
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
