/**
 * Identities for tests without RSA-4096 generation: the repository's cached test keys
 * (scripts/test-keys.mjs), re-encrypted with the vault passphrase as PKCS#8 (PBES2, AES-256-CBC) so the
 * phonebook imports them on first run with --import-identity — the path a user takes to move a key.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testKeyPair } from '../../../../scripts/test-keys.mjs';

export const TEST_PASSPHRASE = 'phonebook test passphrase';

/** Writes `<name>.pem` (encrypted with `passphrase`) into `dir` and returns its path. */
export async function writeEncryptedIdentity(
  dir: string,
  keyName: string,
  passphrase = TEST_PASSPHRASE,
): Promise<string> {
  const { privateKeyPem } = await testKeyPair(keyName);
  const pem = createPrivateKey(privateKeyPem).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase,
  }) as string;
  const path = join(dir, `${keyName}.pem`);
  await writeFile(path, pem, { mode: 0o600 });
  return path;
}

export async function relayKeyPem(): Promise<string> {
  return (await testKeyPair('relay')).privateKeyPem;
}

/** SPKI DER of a cached test key (to pin a "wrong" key for a contact in key-change tests). */
export async function publicKeyDer(keyName: string): Promise<Uint8Array> {
  const { publicKeyPem } = await testKeyPair(keyName);
  return new Uint8Array(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }));
}
