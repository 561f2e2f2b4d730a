/**
 * In-process phonebook sessions against a relay program started for the test: the same setup path as
 * the program (openPhonebook with an imported test identity), the same PhonebookSession the UI drives.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ClientSetup } from '@leitung/client';
import { vaultSettings } from '../../src/app/call-log.js';
import { PhonebookSession, type PhonebookSessionOptions } from '../../src/app/phonebook-session.js';
import type { CodecChoice } from '../../src/cli/args.js';
import { openPhonebook } from '../../src/config/open-phonebook.js';
import { loadCodecs } from '../../src/media/codecs.js';
import { publicKeyDer, TEST_PASSPHRASE, writeEncryptedIdentity } from './identities.js';

export interface TestSession {
  readonly session: PhonebookSession;
  readonly setup: ClientSetup;
}

export async function openTestSession(
  temp: string,
  relaysFile: string,
  name: string,
  before?: (setup: ClientSetup) => void | Promise<void>,
  client: {
    readonly timing?: { readonly resumeTimeoutMs?: number };
    readonly codecs?: readonly number[];
  } = {},
  codec: CodecChoice = 'opus',
  /** More session options (sound devices, ring tone); call history goes to the vault as in the program. */
  extra: Partial<Pick<PhonebookSessionOptions, 'devices' | 'ringTone' | 'audio'>> = {},
): Promise<TestSession> {
  const codecs = loadCodecs(codec);
  const identity = await writeEncryptedIdentity(temp, name);
  const setup = await openPhonebook({
    dataDir: join(temp, name),
    passphrase: TEST_PASSPHRASE,
    relaysFile,
    name,
    importIdentity: identity,
    strict: false,
    client: { probeIntervalMs: 0, codecs: codecs.offer, ...client },
  });
  await before?.(setup);
  const session = new PhonebookSession({
    client: setup.client,
    monitor: setup.monitor,
    codec: codecs.send,
    receiveCodecs: codecs.receive,
    settings: vaultSettings(setup.vault),
    ...extra,
    audio: extra.audio ?? { input: undefined, output: join(temp, `${name}-heard.wav`), tone: true },
  });
  return { session, setup };
}

/** Pins `contact` to the key of another test identity, as if it had been verified earlier. */
export async function pinWrongKey(setup: ClientSetup, contact: string, otherKeyName: string): Promise<void> {
  const der = await publicKeyDer(otherKeyName);
  setup.vault.pinContact({
    name: contact,
    clientId: createHash('sha3-256').update(der).digest('hex'),
    publicKey: der,
    pinnedAt: Date.now(),
  });
  await setup.vault.save();
}
