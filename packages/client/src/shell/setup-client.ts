/**
 * Client setup (docs/design.md §2 and §7) on a data directory: start the SecurityMonitor (Linux), open or create
 * the SecureVault, load or create the RSA-4096 identity (with progress), load the name (from the options,
 * the vault, or an existing `client_name.txt`), pin the relay list, and build the Client with its relay
 * manager. The caller subscribes to events and runs `client.start()`, which starts the monitor (so its
 * first findings reach `security:finding` listeners) and the relay manager.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createCrypto,
  type KeygenProgress,
  type LeitungCrypto,
  type ScryptParameters,
} from '@leitung/crypto';
import { nameProblem } from '@leitung/session';
import { ClientError, ClientErrorCode } from '../errors.js';
import { SecurityMonitor } from '../monitor/security-monitor.js';
import { parseRelayEntry, type RelayEntry } from '../relays/relay-entry.js';
import { newRelayPins } from '../relays/relay-pins.js';
import { tcpUdpTransport } from '../transport/tcp-udp-transport.js';
import { SecureVault } from '../vault/secure-vault.js';
import { warmUpCallKeysInSteps } from './call-key-warm-up.js';
import { Client, type ClientOptions } from './client.js';
import { warmUpMediaSocket } from './media-socket.js';

/** File name of the vault in the data directory (mode 0600; docs/client.md "SecureVault"). */
export const VAULT_FILE = 'vault.leitung';
/**
 * File name of the registered name in the data directory: read when neither the options nor the vault
 * give a name, written (mode 0600) otherwise.
 */
export const NAME_FILE = 'client_name.txt';

/**
 * One step of {@link setupClient}, reported through `onProgress` in order: the monitor started (and
 * whether the platform is supported), the vault opened or created, the name chosen (and from where), the
 * relays used and pinned by this run, the identity loaded or generated (with key-generation progress).
 */
export type SetupProgress =
  | { readonly step: 'monitor'; readonly supported: boolean }
  | { readonly step: 'vault'; readonly created: boolean }
  | { readonly step: 'identity'; readonly created: boolean; readonly keygen?: KeygenProgress }
  | { readonly step: 'name'; readonly source: 'options' | 'vault' | 'file' }
  /** The relays this run uses; `pinned` are the ones pinned now (show their fingerprints to the user). */
  | { readonly step: 'relays'; readonly using: number; readonly pinned: readonly RelayEntry[] };

/** What {@link setupClient} works on: the data directory, the passphrase, relays, and further options. */
export interface SetupClientOptions {
  /** Directory for the vault and `client_name.txt` (created 0700 if missing). */
  readonly dataDir: string;
  /** The vault passphrase; a new vault needs at least 12 characters, 5 of them different. */
  readonly passphrase: string;
  /**
   * Relay list for this run; when empty (and no `addRelays`), the relays pinned in the vault are used.
   * While the vault pins no relay yet (first run) its entries are pinned; afterwards every entry must be
   * pinned already (CLIENT_ERR_RELAY_NOT_PINNED) — a list never adds pins silently (docs/client.md
   * "Relay pins"). An entry for a pinned address with another fingerprint: CLIENT_ERR_RELAY_PIN_CONFLICT.
   */
  readonly relays?: readonly RelayEntry[];
  /** Relays the user explicitly asked to pin now (reported in the `relays` progress step). */
  readonly addRelays?: readonly RelayEntry[];
  /** The name to register; otherwise the vault's, otherwise `client_name.txt`. */
  readonly name?: string;
  /** Cryptography and randomness (default `createCrypto()` of @leitung/crypto). */
  readonly crypto?: LeitungCrypto;
  /** scrypt work factors for a new vault. */
  readonly scrypt?: Partial<ScryptParameters>;
  /** `strict`: do not unlock the vault while a debugger is attached. */
  readonly policy?: 'standard' | 'strict';
  /** Run the SecurityMonitor (default true). */
  readonly monitor?: boolean;
  /** Called with each step as it completes (key generation takes seconds: show it). */
  readonly onProgress?: (progress: SetupProgress) => void;
  /** Further Client options (timing, backoff, …). */
  readonly client?: Partial<
    Omit<ClientOptions, 'identity' | 'name' | 'relays' | 'store' | 'persist' | 'crypto'>
  >;
}

/**
 * What {@link setupClient} built: the Client (not started yet), the open vault it stores into, and the
 * monitor it starts. Close the client, then the vault, when done.
 */
export interface ClientSetup {
  /** The client, with the vault as its store; subscribe to events, then `start()`. */
  readonly client: Client;
  /** The open vault (identity, pins, tree heads); `close()` it after the client. */
  readonly vault: SecureVault;
  /** The security monitor the client starts and stops, unless `monitor: false`. */
  readonly monitor: SecurityMonitor | undefined;
  /** True when this run generated the identity key. */
  readonly createdIdentity: boolean;
  /**
   * What happened to a key rotation an earlier run left unfinished (it stopped between storing the new key
   * and learning the relay's answer): `completed` — the relay had appended it and the new key is the
   * identity now; `abandoned` — it had not, and the new key was erased; `unresolved` — no relay could tell
   * (the old key is used; the next run asks again). Absent when no rotation was pending.
   */
  readonly pendingRotation?: 'completed' | 'abandoned' | 'unresolved';
}

/**
 * Sets a client up on a data directory (docs/client.md "Relay pins", "Key rotation"): starts the
 * SecurityMonitor, opens or creates the {@link SecureVault} (`vault.leitung`), settles a key rotation an
 * earlier run left pending, loads or generates the RSA-4096 identity, chooses the name (options, vault or
 * `client_name.txt`), pins the relay list on first run, and builds the {@link Client} with the vault as
 * its store. Throws CLIENT_ERR_… codes (wrong passphrase, unpinned relay, pin conflict, no name, …).
 */
export async function setupClient(options: SetupClientOptions): Promise<ClientSetup> {
  const crypto = options.crypto ?? createCrypto();
  const progress = options.onProgress ?? (() => undefined);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const vaultPath = join(options.dataDir, VAULT_FILE);

  const monitor = options.monitor === false ? undefined : new SecurityMonitor({ vaultPath });
  progress({ step: 'monitor', supported: monitor?.supported ?? false });

  const existing = await SecureVault.exists(vaultPath);
  const vaultOptions = {
    crypto,
    ...(options.scrypt === undefined ? {} : { scrypt: options.scrypt }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(monitor === undefined ? {} : { monitor }),
  };
  // The vault's scrypt runs on libuv's thread pool (native backend), leaving this thread idle for ~90 ms:
  // the first-use costs of a call's keys and of the process's first UDP socket are paid meanwhile instead
  // of at the first call (docs/client.md "Warm-up").
  const [vault] = await Promise.all([
    existing
      ? SecureVault.open(vaultPath, options.passphrase, vaultOptions)
      : SecureVault.create(vaultPath, options.passphrase, vaultOptions),
    warmUpCallKeysInSteps(crypto, () => false).then(() => warmUpUdp(options)),
  ]);
  progress({ step: 'vault', created: !existing });

  try {
    const { name, source } = await resolveName(options, vault);
    vault.name = name;
    progress({ step: 'name', source });

    const { relayList, pinned } = pinRelays(options, vault);
    progress({ step: 'relays', using: relayList.length, pinned });

    const pendingRotation = await settlePendingRotation(vault, { name, relays: relayList, crypto, options });
    let createdIdentity = false;
    if (!vault.hasIdentity) {
      const pair = await crypto.generateRsaKeyPair({
        onProgress: (keygen) => progress({ step: 'identity', created: true, keygen }),
      });
      vault.setIdentity(pair.privateKey);
      pair.privateKey.destroy();
      createdIdentity = true;
    }
    const identity = vault.identity();
    progress({ step: 'identity', created: createdIdentity });

    await vault.save();

    const client = new Client({
      ...options.client,
      identity,
      name,
      relays: relayList,
      crypto,
      store: vault,
      persist: () => vault.save(),
      ...(monitor === undefined ? {} : { monitor }),
    });
    return {
      client,
      vault,
      monitor,
      createdIdentity,
      ...(pendingRotation === undefined ? {} : { pendingRotation }),
    };
  } catch (error) {
    monitor?.stop();
    vault.close();
    throw error;
  }
}

/** Warms the UDP path to the first relay given, when the client's media goes over UDP (the default transport). */
function warmUpUdp(options: SetupClientOptions): void {
  const relay = options.relays?.[0] ?? options.addRelays?.[0];
  if (relay === undefined || (options.client?.transport ?? tcpUdpTransport) !== tcpUdpTransport) return;
  warmUpMediaSocket({ host: relay.host, port: relay.mediaPort });
}

/**
 * Pins the relays this run was given (`relays` only into an empty pin list, `addRelays` always:
 * docs/client.md "Relay pins") and returns the list to use — the given relays, else the pinned ones —
 * with the new pins.
 */
function pinRelays(
  options: SetupClientOptions,
  vault: SecureVault,
): { relayList: RelayEntry[]; pinned: RelayEntry[] } {
  const relays = (options.relays ?? []).map(parseRelayEntry);
  const added = (options.addRelays ?? []).map(parseRelayEntry);
  const pins = vault.relays();
  const pinned = uniqueRelays([
    ...newRelayPins(pins, relays, pins.length === 0),
    ...newRelayPins(pins, added, true),
  ]);
  for (const relay of pinned) vault.pinRelay(relay);
  const given = uniqueRelays([...relays, ...added]);
  const relayList = given.length > 0 ? given : vault.relays();
  if (relayList.length === 0) {
    throw new ClientError(ClientErrorCode.InvalidArgument, 'no relays given and none pinned in the vault');
  }
  return { relayList, pinned };
}

/** The first entry of each fingerprint, in order. */
function uniqueRelays(entries: readonly RelayEntry[]): RelayEntry[] {
  return entries.filter((e, i, all) => all.findIndex((o) => o.fingerprint === e.fingerprint) === i);
}

/** Options of {@link rotateIdentity}. */
export interface RotateIdentityOptions {
  /** Cryptography and randomness for the new key (default `createCrypto()` of @leitung/crypto). */
  readonly crypto?: LeitungCrypto;
  /** Aborts waiting for the relay's answer (the pending key stays in the vault; the next setup settles it). */
  readonly signal?: AbortSignal;
  /** Key-generation progress of the new RSA-4096 key. */
  readonly onProgress?: (progress: KeygenProgress) => void;
}

/** The outcome of {@link rotateIdentity}: the name's key before and after (hex client ids). */
export interface RotatedIdentity {
  /** Hex client id of the replaced key. */
  readonly previousClientId: string;
  /** Hex client id of the new key, now the vault's identity. */
  readonly clientId: string;
}

/**
 * Key rotation with the vault (docs/client.md "Key rotation"): generates a new RSA-4096 key, stores it in
 * the vault as pending (saved before anything is sent), rotates through `setup.client` (which must be
 * registered) and makes the new key the identity. On a refusal the pending key is erased and the old
 * identity stays. If the process stops in between, the next `setupClient` settles the rotation. The client
 * is closed afterwards; run `setupClient` again to continue with the new key.
 */
export async function rotateIdentity(
  setup: ClientSetup,
  options: RotateIdentityOptions = {},
): Promise<RotatedIdentity> {
  const crypto = options.crypto ?? createCrypto();
  const { client, vault } = setup;
  const previousClientId = client.clientId;
  const pair = await crypto.generateRsaKeyPair(
    options.onProgress === undefined ? {} : { onProgress: options.onProgress },
  );
  try {
    vault.setPendingIdentity(pair.privateKey);
    await vault.save();
    let entry: Awaited<ReturnType<Client['rotateKey']>>;
    try {
      entry = await client.rotateKey(
        pair.privateKey,
        options.signal === undefined ? {} : { signal: options.signal },
      );
    } catch (error) {
      // A refusal means nothing was appended; anything else may have been: keep the key pending then.
      if (error instanceof ClientError && error.code === ClientErrorCode.RelayError) {
        vault.clearPendingIdentity();
        await vault.save();
      }
      throw error;
    }
    vault.promotePendingIdentity();
    await vault.save();
    return { previousClientId, clientId: entry.clientId };
  } finally {
    pair.privateKey.destroy();
  }
}

/**
 * A rotation left pending by an earlier run: registering the pending key under the name succeeds only if
 * the relay appended the rotation (otherwise the name is bound to the old key: RELAY_ERR_NAME_TAKEN).
 */
async function settlePendingRotation(
  vault: SecureVault,
  context: {
    readonly name: string;
    readonly relays: readonly RelayEntry[];
    readonly crypto: LeitungCrypto;
    readonly options: SetupClientOptions;
  },
): Promise<ClientSetup['pendingRotation']> {
  const pending = vault.pendingIdentity();
  if (pending === undefined) return undefined;
  const probe = new Client({
    ...context.options.client,
    identity: pending,
    name: context.name,
    relays: context.relays,
    crypto: context.crypto,
    store: vault,
    startAttempts: context.relays.length,
  });
  let nameTaken = false;
  probe.on('registration:failed', (event) => {
    if ((event.error as { relayCode?: string }).relayCode === 'RELAY_ERR_NAME_TAKEN') nameTaken = true;
  });
  try {
    await probe.start();
    vault.promotePendingIdentity();
    await vault.save();
    return 'completed';
  } catch {
    if (!nameTaken) return 'unresolved';
    vault.clearPendingIdentity();
    await vault.save();
    return 'abandoned';
  } finally {
    await probe.close();
    pending.destroy();
  }
}

/** Options, then vault, then the seed's `client_name.txt` (written for the seed's tools when absent). */
async function resolveName(
  options: SetupClientOptions,
  vault: SecureVault,
): Promise<{ name: string; source: 'options' | 'vault' | 'file' }> {
  const file = join(options.dataDir, NAME_FILE);
  let fromFile: string | undefined;
  try {
    fromFile = (await readFile(file, 'utf8')).trim();
  } catch {
    fromFile = undefined;
  }
  const pick =
    options.name !== undefined
      ? { name: options.name, source: 'options' as const }
      : vault.name !== undefined
        ? { name: vault.name, source: 'vault' as const }
        : fromFile
          ? { name: fromFile, source: 'file' as const }
          : undefined;
  if (!pick)
    throw new ClientError(ClientErrorCode.NoName, `no name given, none in the vault and no ${NAME_FILE}`);
  const name = checkName(pick.name);
  if (fromFile === undefined) await writeFile(file, `${name}\n`, { mode: 0o600 });
  return { name, source: pick.source };
}

/** NFC-normalises `raw` and checks it against the directory's name policy (docs/key-transparency.md, "Names"). */
export function checkName(raw: string): string {
  const name = raw.normalize('NFC');
  const problem = nameProblem(name);
  if (problem !== undefined) throw new ClientError(ClientErrorCode.InvalidArgument, problem);
  return name;
}
