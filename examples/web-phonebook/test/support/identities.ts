/**
 * Keys without RSA-4096 generation for the terminal side: the repository's cached test keys
 * (scripts/test-keys.mjs), encrypted with the vault passphrase as PKCS#8 so the terminal phonebook imports
 * them on its first run with `--import-identity`. The page generates its own key, as a user's page does.
 */
import { createPrivateKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testKeyPair } from '../../../../scripts/test-keys.mjs';

export const TERMINAL_PASSPHRASE = 'terminal phonebook test passphrase';

export async function writeEncryptedIdentity(dir: string, keyName: string): Promise<string> {
  const { privateKeyPem } = await testKeyPair(keyName);
  const pem = createPrivateKey(privateKeyPem).export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: TERMINAL_PASSPHRASE,
  }) as string;
  const path = join(dir, `${keyName}.pem`);
  await writeFile(path, pem, { mode: 0o600 });
  return path;
}

export async function relayKeyPem(): Promise<string> {
  return (await testKeyPair('relay')).privateKeyPem;
}
