/**
 * Creating and unlocking a vault's bytes (docs/client.md "SecureVault", "Vault format"), wherever the bytes
 * are kept: the file of a SecureVault and the IndexedDB record of a BrowserVault hold the same format and
 * go through the same checks — passphrase policy on create, KDF floor, a wrong passphrase told apart from
 * damage (CLIENT_ERR_VAULT_WRONG_PASSPHRASE vs _VAULT_CORRUPT).
 */
import type { LeitungCrypto, ScryptParameters } from '@leitung/crypto';
import { ClientError, ClientErrorCode } from '../errors.js';
import { checkNewPassphrase } from './passphrase-policy.js';
import { decodeContents, emptyContents, type VaultContents } from './vault-contents.js';
import {
  checkKdfFloor,
  corrupt,
  decodeVaultFile,
  deriveVaultKeys,
  MIN_SCRYPT,
  SALT_BYTES,
  type VaultHeader,
  type VaultKeys,
} from './vault-format.js';

/** The keys and contents of an unlocked vault. */
export interface UnlockedState {
  readonly header: VaultHeader;
  readonly keys: VaultKeys;
  readonly contents: VaultContents;
}

/** CLIENT_ERR_INVALID_ARGUMENT unless `passphrase` is a non-empty string. */
export function checkPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new ClientError(ClientErrorCode.InvalidArgument, 'the passphrase must be a non-empty string');
  }
}

/** A passphrase for something new: a non-empty string that passes the policy (CLIENT_ERR_WEAK_PASSPHRASE). */
export function checkNewVaultPassphrase(passphrase: unknown): asserts passphrase is string {
  checkPassphrase(passphrase);
  checkNewPassphrase(passphrase);
}

/** A fresh header; parameters below the floor are refused so no vault is written that `open` would refuse. */
export function newHeader(crypto: LeitungCrypto, scrypt: Partial<ScryptParameters> | undefined): VaultHeader {
  const params = { N: scrypt?.N ?? MIN_SCRYPT.N, r: scrypt?.r ?? MIN_SCRYPT.r, p: scrypt?.p ?? MIN_SCRYPT.p };
  checkKdfFloor(params);
  return { params, salt: crypto.randomBytes(SALT_BYTES) };
}

/** Keys for a new, empty vault under `passphrase` (the passphrase policy applies: CLIENT_ERR_WEAK_PASSPHRASE). */
export async function newVaultState(
  crypto: LeitungCrypto,
  passphrase: string,
  scrypt: Partial<ScryptParameters> | undefined,
): Promise<UnlockedState> {
  checkNewVaultPassphrase(passphrase);
  const header = newHeader(crypto, scrypt);
  const keys = await deriveVaultKeys(crypto, passphrase, header);
  return { header, keys, contents: emptyContents() };
}

/**
 * Decrypts a vault's bytes: CLIENT_ERR_VAULT_CORRUPT for damage or alteration, _VAULT_KDF_WEAK below the
 * floor, _VAULT_WRONG_PASSPHRASE when the keyed check value does not match. Erases the keys on failure.
 */
export async function unlockVault(
  crypto: LeitungCrypto,
  bytes: Uint8Array,
  passphrase: string,
): Promise<UnlockedState> {
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
  try {
    return { header: file.header, keys, contents: decodeContents(plaintext) };
  } catch (error) {
    keys.destroy();
    throw error;
  } finally {
    plaintext.fill(0);
  }
}
