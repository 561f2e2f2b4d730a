/**
 * Where the vault passphrase comes from: `--passphrase-file`, then the LEITUNG_PASSPHRASE environment
 * variable (headless use), else the terminal UI asks. It is never written anywhere or logged.
 */
import { readFile } from 'node:fs/promises';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export const PASSPHRASE_ENV = 'LEITUNG_PASSPHRASE';

/** The passphrase if one is configured, else undefined (ask). The file's trailing newline is dropped. */
export async function configuredPassphrase(
  file: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (cause) {
      throw new PhonebookError(PhonebookErrorCode.PassphraseFile, `cannot read the passphrase file ${file}`, {
        cause,
      });
    }
    const passphrase = text.replace(/\r?\n$/, '');
    if (passphrase.length === 0) {
      throw new PhonebookError(PhonebookErrorCode.PassphraseFile, 'the passphrase file is empty');
    }
    return passphrase;
  }
  const fromEnv = env[PASSPHRASE_ENV];
  return fromEnv === undefined || fromEnv.length === 0 ? undefined : fromEnv;
}
