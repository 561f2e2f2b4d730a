/**
 * Starts the terminal UI (ink 6 + React 19): wires the setup (vault, identity, registration) to the
 * screens, and closes everything — call, sockets, audio — when the user quits or the process is told to
 * stop.
 */
import type { RelayEntry } from '@leitung/client';
import { render } from 'ink';
import { vaultSettings } from '../app/call-log.js';
import { PhonebookSession } from '../app/phonebook-session.js';
import type { PhonebookOptions } from '../cli/args.js';
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
  const passphrase = await configuredPassphrase(options.passphraseFile, io.env);
  const codecs = loadCodecs(options.codec);
  const audio = { input: options.input, output: options.output, tone: options.tone };
  await checkAudioFiles(audio);
  let session: PhonebookSession | undefined;

  const ignored = ignoredLocalRelayList(options.relaysFile, options.addRelayFile);
  if (ignored !== undefined) process.stderr.write(`leitung-phonebook: ${ignoredRelayListNotice(ignored)}\n`);
  const boot = async (input: SetupInput, onStep: (step: SetupStep) => void): Promise<PhonebookSession> => {
    const pinned: RelayEntry[] = [];
    const setup = await openPhonebook({
      dataDir: options.dataDir,
      passphrase: input.passphrase,
      relaysFile: options.relaysFile,
      addRelayFile: options.addRelayFile,
      name: input.name ?? options.name,
      importIdentity: options.importIdentity,
      strict: options.strict,
      client: { codecs: codecs.offer },
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
    session = created;
    onStep({ kind: 'registering' });
    await created.start();
    return created;
  };

  let quitting: Promise<void> | undefined;
  const app = render(
    <PhonebookApp
      passphrase={passphrase}
      askName={needsName(options.dataDir, options.name)}
      firstRun={isFirstRun(options.dataDir)}
      boot={boot}
      onQuit={() => quit()}
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
  return 0;
}
