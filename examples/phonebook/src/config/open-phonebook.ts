/**
 * First run and every run after it (docs/design.md §2 and §7, via @leitung/client's setupClient): read the relay lists
 * named on the command line (never one from the working directory; pins change only on a first run or
 * with --add-relay, and another key for a pinned relay is refused as CLIENT_ERR_RELAY_PIN_CONFLICT),
 * optionally seed a new vault with an imported identity, then open or create the vault, create the
 * RSA-4096 identity when there is none (progress reported), settle the name and build the Client.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClientOptions,
  type ClientSetup,
  NAME_FILE,
  SecureVault,
  type SetupProgress,
  setupClient,
  VAULT_FILE,
} from '@leitung/client';
import { checkedName } from '../app/registration.js';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';
import { namedRelayList } from './relays-file.js';

export interface OpenPhonebookOptions {
  readonly dataDir: string;
  readonly passphrase: string;
  readonly relaysFile: string | undefined;
  /** `--add-relay FILE`: relays to pin now, explicitly (their fingerprints are reported). */
  readonly addRelayFile?: string | undefined;
  readonly name: string | undefined;
  readonly importIdentity: string | undefined;
  readonly strict: boolean;
  readonly onProgress?: (progress: SetupProgress) => void;
  /** Further Client options (timing, probe interval). */
  readonly client?: Partial<
    Omit<ClientOptions, 'identity' | 'name' | 'relays' | 'store' | 'persist' | 'crypto'>
  >;
}

/** True on a first run that has no name yet: no vault, no client_name.txt and no --name. */
export function needsName(dataDir: string, name: string | undefined): boolean {
  return (
    name === undefined && !existsSync(join(dataDir, VAULT_FILE)) && !existsSync(join(dataDir, NAME_FILE))
  );
}

/** True when the data directory holds no vault yet (the first run will create the identity). */
export function isFirstRun(dataDir: string): boolean {
  return !existsSync(join(dataDir, VAULT_FILE));
}

export async function openPhonebook(options: OpenPhonebookOptions): Promise<ClientSetup> {
  const relays = await namedRelayList(options.relaysFile);
  const addRelays = await namedRelayList(options.addRelayFile);
  const firstRun = isFirstRun(options.dataDir);
  if (firstRun && relays.length === 0 && addRelays.length === 0) {
    throw new PhonebookError(
      PhonebookErrorCode.NoRelays,
      'no relay list: pass --relays FILE (a relay list written by leitung-relay --info-out)',
    );
  }
  if (firstRun && options.name === undefined) {
    // A hand-written client_name.txt is checked like a typed name (PHONEBOOK_ERR_NAME_INVALID names the rule).
    const fromFile = await readFile(join(options.dataDir, NAME_FILE), 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
    if (fromFile !== '') checkedName(fromFile, `Choose another name (--name NAME, or edit ${NAME_FILE})`);
  }
  if (firstRun && options.importIdentity !== undefined) {
    await seedVault(options.dataDir, options.passphrase, options.importIdentity);
  }
  return setupClient({
    dataDir: options.dataDir,
    passphrase: options.passphrase,
    relays,
    addRelays,
    ...(options.name === undefined ? {} : { name: options.name }),
    policy: options.strict ? 'strict' : 'standard',
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.client === undefined ? {} : { client: options.client }),
  });
}

/** Creates the vault with an imported identity (moving a key between devices, or fixed test keys). */
async function seedVault(dataDir: string, passphrase: string, pemFile: string): Promise<void> {
  let pem: string;
  try {
    pem = await readFile(pemFile, 'utf8');
  } catch (cause) {
    throw new PhonebookError(PhonebookErrorCode.IdentityFile, `cannot read the identity file ${pemFile}`, {
      cause,
    });
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, VAULT_FILE);
  const vault = await SecureVault.create(path, passphrase);
  try {
    await vault.importIdentity(pem, passphrase);
    await vault.save();
  } catch (error) {
    // A vault without the wanted identity would make the next run generate a different key: remove it.
    vault.close();
    await rm(path, { force: true });
    throw error;
  }
  vault.close();
}
