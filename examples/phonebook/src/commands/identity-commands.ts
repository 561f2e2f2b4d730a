/**
 * The identity commands, run without the terminal UI and without a relay: `--export-identity FILE` backs
 * the identity up as an encrypted PKCS#8 PEM under the vault passphrase (what `--import-identity` reads
 * on a first run), and `--change-passphrase` re-encrypts the vault under a new passphrase (SecureVault's
 * changePassphrase: new salt, atomic rewrite; the old passphrase no longer opens it). Each prints its
 * event and `exit` like the headless mode (text lines, or JSON with --json).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { passphraseProblem, SecureVault, VAULT_FILE } from '@leitung/client';
import type { PhonebookOptions } from '../cli/args.js';
import type { HiddenPrompt } from '../cli/terminal-prompt.js';
import { configuredPassphrase } from '../config/passphrase.js';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export interface IdentityCommandIo {
  readonly env: NodeJS.ProcessEnv;
  /** Asks on the terminal (hidden); undefined without a terminal. */
  readonly prompt: HiddenPrompt | undefined;
  readonly emit: (event: string, fields?: Record<string, unknown>) => void;
}

/** Runs --export-identity or --change-passphrase; throws a typed error on failure. */
export async function runIdentityCommand(options: PhonebookOptions, io: IdentityCommandIo): Promise<void> {
  const passphrase = await currentPassphrase(options, io);
  const vault = await SecureVault.open(join(options.dataDir, VAULT_FILE), passphrase, {
    policy: options.strict ? 'strict' : 'standard',
  });
  try {
    if (options.exportIdentity !== undefined) {
      const pem = await vault.exportIdentity(passphrase);
      await writeFileAtomic(options.exportIdentity, pem);
      io.emit('identity:exported', {
        file: options.exportIdentity,
        clientId: vault.identity().publicKey.fingerprint(),
        text: 'encrypted under the vault passphrase; --import-identity FILE on a first run takes it',
      });
      return;
    }
    const next = await newPassphrase(options, io, passphrase);
    await vault.changePassphrase(next);
    io.emit('vault:passphrase-changed', { vault: vault.path });
  } finally {
    vault.close();
  }
}

async function currentPassphrase(options: PhonebookOptions, io: IdentityCommandIo): Promise<string> {
  const configured = await configuredPassphrase(options.passphraseFile, io.env);
  if (configured !== undefined) return configured;
  if (io.prompt === undefined)
    throw noPassphrase('the vault passphrase: --passphrase-file FILE or LEITUNG_PASSPHRASE');
  return io.prompt(options.changePassphrase ? 'Current vault passphrase: ' : 'Vault passphrase: ');
}

async function newPassphrase(options: PhonebookOptions, io: IdentityCommandIo, old: string): Promise<string> {
  if (options.newPassphraseFile !== undefined) {
    const next = await configuredPassphrase(options.newPassphraseFile, {});
    if (next === undefined) throw noPassphrase('a new passphrase');
    return checkedNew(next, old);
  }
  if (io.prompt === undefined) {
    throw noPassphrase('the new passphrase: --new-passphrase-file FILE (or run it in a terminal)');
  }
  for (;;) {
    const next = await io.prompt('New vault passphrase (at least 12 characters): ');
    const problem = passphraseProblem(next) ?? (next === old ? 'it is the current passphrase' : undefined);
    if (problem !== undefined) {
      io.emit('notice', { level: 'warn', text: `not accepted: ${problem}; try again` });
      continue;
    }
    const again = await io.prompt('Repeat the new passphrase: ');
    if (again === next) return next;
    io.emit('notice', { level: 'warn', text: 'the two passphrases differ; try again' });
  }
}

function checkedNew(next: string, old: string): string {
  if (next === old) {
    throw new PhonebookError(
      PhonebookErrorCode.PassphraseFile,
      'the new passphrase is the current one: nothing would change',
    );
  }
  return next;
}

function noPassphrase(what: string): PhonebookError {
  return new PhonebookError(PhonebookErrorCode.NoPassphrase, `without a terminal this needs ${what}`);
}

/** Replaces `path` with `text` atomically, mode 0600: a temporary file beside it, fsync, rename, fsync the directory. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(text);
    await file.sync();
    await file.close();
    await rename(temp, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
