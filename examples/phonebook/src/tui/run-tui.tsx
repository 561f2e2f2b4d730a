/**
 * Starts the terminal UI (ink 6 + React 19): wires the setup (vault, identity, registration) to the
 * screens, and closes everything — call, sockets, audio — when the user quits or the process is told to
 * stop.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NAME_FILE, type RelayEntry } from '@leitung/client';
import { render } from 'ink';
import { vaultSettings } from '../app/call-log.js';
import { PhonebookSession } from '../app/phonebook-session.js';
import { checkedName } from '../app/registration.js';
import type { PhonebookOptions } from '../cli/args.js';
import { acquireDataLock } from '../config/data-lock.js';
import { isFirstRun, needsName, openPhonebook } from '../config/open-phonebook.js';
import { configuredPassphrase } from '../config/passphrase.js';
import { ignoredLocalRelayList, ignoredRelayListNotice } from '../config/relays-file.js';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';
import { checkAudioFiles } from '../media/audio-io.js';
import { loadCodecs } from '../media/codecs.js';
import { systemDevices } from '../media/devices.js';
import { PhonebookApp } from './phonebook-app.js';
import type { SetupInput, SetupStep } from './setup-screen.js';

export interface TuiIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stopRequested: Promise<void>;
}

export async function runTui(options: PhonebookOptions, io: TuiIo): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new PhonebookError(
      PhonebookErrorCode.Usage,
      'the terminal UI needs a terminal; use --headless (or --json, --call, --auto-answer) in scripts',
    );
  }
  // One process per data directory (config/data-lock.ts); released on every way out.
  const lock = await acquireDataLock(options.dataDir);
  try {
    return await runScreens(options, io);
  } finally {
    lock.release();
  }
}

async function runScreens(options: PhonebookOptions, io: TuiIo): Promise<number> {
  const passphrase = await configuredPassphrase(options.passphraseFile, io.env);
  await checkAudioFiles({ input: options.input, output: options.output, tone: options.tone });
  const firstRun = isFirstRun(options.dataDir);
  let session: PhonebookSession | undefined;
  let status = 0;

  const ignored = ignoredLocalRelayList(options.relaysFile, options.addRelayFile);
  if (ignored !== undefined) process.stderr.write(`leitung-phonebook: ${ignoredRelayListNotice(ignored)}\n`);
  const boot = createBoot(options, (s) => {
    session = s;
  });

  let quitting: Promise<void> | undefined;
  const app = render(
    <PhonebookApp
      passphrase={passphrase}
      askName={needsName(options.dataDir, options.name)}
      firstRun={firstRun}
      boot={boot}
      onQuit={(code) => {
        status = code ?? 0;
        void quit();
      }}
    />,
    { exitOnCtrlC: false },
  );
  const quit = () => {
    quitting ??= (async () => {
      await session?.close();
      app.unmount();
    })();
    return quitting;
  };
  void io.stopRequested.then(quit);
  await app.waitUntilExit();
  await quit();
  return status;
}

export type Boot = (input: SetupInput, onStep: (step: SetupStep) => void) => Promise<PhonebookSession>;

/**
 * The setup the screens run (vault, identity, registration) for these options; `onSession` learns the
 * session to close on quit. Each call is one try: a failed one closes its client and vault, so the next
 * try (another name) starts afresh.
 */
export function createBoot(
  options: PhonebookOptions,
  onSession: (session: PhonebookSession | undefined) => void,
): Boot {
  const codecs = loadCodecs(options.codec);
  const audio = { input: options.input, output: options.output, tone: options.tone };
  // Relays pinned by an earlier try of this run (say, before a taken name) are still news to the user.
  const pinned: RelayEntry[] = [];
  return async (input, onStep) => {
    const wanted = input.name ?? options.name;
    const setup = await openPhonebook({
      dataDir: options.dataDir,
      passphrase: input.passphrase,
      relaysFile: options.relaysFile,
      addRelayFile: options.addRelayFile,
      name: wanted === undefined ? undefined : checkedName(wanted),
      importIdentity: options.importIdentity,
      strict: options.strict,
      // An unreachable relay is tried again until --timeout (registerClient stops the attempts).
      client: { codecs: codecs.offer, startAttempts: Number.MAX_SAFE_INTEGER },
      onProgress: (p) => {
        if (p.step === 'identity' && p.keygen !== undefined)
          onStep({ kind: 'keygen', elapsedMs: p.keygen.elapsedMs });
        else if (p.step === 'identity') onStep({ kind: 'identity-ready', created: p.created });
        else if (p.step === 'relays') pinned.push(...p.pinned);
      },
    });
    const created = new PhonebookSession({
      client: setup.client,
      monitor: setup.monitor,
      codec: codecs.send,
      receiveCodecs: codecs.receive,
      audio,
      // Call history and the sound settings live in the vault (atomic saves, encrypted with the rest).
      settings: vaultSettings(setup.vault),
      // The sound card is probed once, and a missing one is said in plain words before any call.
      devices: systemDevices(),
      ringTone: true,
      // Pinned contacts: their presence is asked for (they show online once they watch back).
      watch: setup.vault.contacts().map((contact) => contact.name),
      ...(pinned.length === 0
        ? {}
        : {
            initialNotice: {
              level: 'warn' as const,
              text: `pinned ${pinned.map((r) => `relay ${r.host}:${r.port} with key fingerprint ${r.fingerprint}`).join('; ')}`,
            },
          }),
    });
    onSession(created);
    onStep({ kind: 'registering' });
    try {
      await created.start({
        timeoutMs: options.timeoutS * 1000,
        onAttempt: (attempt) => onStep({ kind: 'retrying', attempt }),
      });
    } catch (error) {
      // Another try (say, with another name) opens the vault afresh: close this one completely.
      onSession(undefined);
      await created.close();
      setup.vault.close();
      throw error;
    }
    // Registered: the name is the one to use from now on, also for the seed's client_name.txt.
    await storeName(options.dataDir, created.client.name);
    return created;
  };
}

/** client_name.txt holds the registered name (setupClient writes it only when it is missing). */
async function storeName(dataDir: string, name: string): Promise<void> {
  const file = join(dataDir, NAME_FILE);
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (stored !== name) await writeFile(file, `${name}\n`, { mode: 0o600 });
}
