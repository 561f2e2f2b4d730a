/**
 * The relay's identity key on disk (docs/design.md §2: relays have their own RSA-4096 key; clients pin its
 * fingerprint). Created on first start as unencrypted PKCS#8 PEM with mode 0600, written atomically
 * (temporary file in the same directory, fsync, rename, fsync of the directory) so a crash never leaves a
 * half-written key; reused on every later start. A key file that others can read is refused
 * (RELAY_ERR_KEY_FILE): the key signs the directory, and a copy could impersonate the relay.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import { RelayError, RelayErrorCode } from '../errors.js';

/** File name of the relay's identity key inside its data directory. */
export const RELAY_KEY_FILE = 'relay-key.pem';

/** The relay key {@link loadOrCreateRelayKey} loaded or created, whether it was created, and its path. */
export interface RelayKeyResult {
  readonly privateKey: RsaPrivateKey;
  /** True when this call generated the key. */
  readonly created: boolean;
  readonly path: string;
}

/** Loads `<dataDir>/relay-key.pem`, creating it first if there is none. */
export async function loadOrCreateRelayKey(crypto: LeitungCrypto, dataDir: string): Promise<RelayKeyResult> {
  const path = join(dataDir, RELAY_KEY_FILE);
  let mode: number | undefined;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw keyFileError('cannot read the relay key file', error);
  }
  if (mode !== undefined) {
    if ((mode & 0o077) !== 0) {
      throw new RelayError(RelayErrorCode.KeyFile, `${path} is readable by others; chmod 600 it`);
    }
    try {
      return { privateKey: crypto.importRsaPrivateKey(readFileSync(path, 'utf8')), created: false, path };
    } catch (error) {
      throw keyFileError('the relay key file does not hold an RSA-4096 PKCS#8 private key', error);
    }
  }
  const pair = await crypto.generateRsaKeyPair();
  writeAtomically(dataDir, path, pair.privateKey.toPkcs8Pem());
  return { privateKey: pair.privateKey, created: true, path };
}

function writeAtomically(dir: string, path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Nothing to clean up.
    }
    throw keyFileError('cannot write the relay key file', error);
  }
}

function keyFileError(message: string, cause: unknown): RelayError {
  const code = (cause as { code?: unknown } | null)?.code;
  return new RelayError(RelayErrorCode.KeyFile, typeof code === 'string' ? `${message} (${code})` : message, {
    cause,
  });
}
