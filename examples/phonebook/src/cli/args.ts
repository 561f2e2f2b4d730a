/**
 * Command-line options of leitung-phonebook. Parsing is pure (argv and environment in, a typed result
 * out) so it is tested without starting anything; bad input is a PHONEBOOK_ERR_USAGE error.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export type CodecChoice = 'opus' | 'pcm16';

export interface PhonebookOptions {
  /** `tui`: the interactive terminal UI; `headless`: scripted, events on stdout. */
  readonly mode: 'tui' | 'headless';
  /** Holds the vault (identity, pinned relays and contacts) and client_name.txt. */
  readonly dataDir: string;
  /** `--relays`: relay-list entries as `leitung-relay --info-out` writes them (pinned on a first run). */
  readonly relaysFile: string | undefined;
  /** `--add-relay`: a relay list whose new relays are pinned in the vault now (explicitly). */
  readonly addRelayFile: string | undefined;
  /** The name to register on first run (otherwise client_name.txt, otherwise asked). */
  readonly name: string | undefined;
  readonly passphraseFile: string | undefined;
  /** An encrypted PKCS#8 PEM to use as the identity on first run instead of generating one. */
  readonly importIdentity: string | undefined;
  /** Headless: one JSON object per line on stdout instead of text. */
  readonly json: boolean;
  /** Headless: call this contact once it is online. */
  readonly call: string | undefined;
  /** Headless: answer the first incoming call. */
  readonly autoAnswer: boolean;
  /** Headless, with --call or --auto-answer: place (or answer) this many calls one after another. */
  readonly calls: number;
  /** Hang up after this many seconds of call (from the moment the call is set up). */
  readonly durationS: number | undefined;
  /** Headless: give up (exit code 1) when no call is set up within this many seconds. */
  readonly timeoutS: number;
  /** Send this WAV file instead of the microphone (any rate and channel count; silence after its end). */
  readonly input: string | undefined;
  /** Write the received audio to this WAV file (48 kHz mono) instead of the speaker. */
  readonly output: string | undefined;
  /** Send a 440 Hz test tone instead of the microphone. */
  readonly tone: boolean;
  readonly codec: CodecChoice;
  /** Strict security policy: refuse to unlock the vault while a debugger is attached. */
  readonly strict: boolean;
  /** Headless: register, replace the identity key by a new one (key rotation), and exit. */
  readonly rotateKey: boolean;
  /** Write the identity as an encrypted PKCS#8 PEM (under the vault passphrase) to this file, and exit. */
  readonly exportIdentity: string | undefined;
  /** Re-encrypt the vault under a new passphrase, and exit. */
  readonly changePassphrase: boolean;
  /** The new passphrase for --change-passphrase (else asked twice on the terminal). */
  readonly newPassphraseFile: string | undefined;
}

export type ParsedCommandLine =
  | { readonly kind: 'run'; readonly options: PhonebookOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

/** Where the data directory lives when --data is not given. */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (env.LEITUNG_PHONEBOOK_DATA) return resolve(env.LEITUNG_PHONEBOOK_DATA);
  const base = env.XDG_DATA_HOME ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'leitung-phonebook');
}

const OPTIONS = {
  data: { type: 'string' },
  relays: { type: 'string' },
  'add-relay': { type: 'string' },
  name: { type: 'string' },
  'passphrase-file': { type: 'string' },
  'import-identity': { type: 'string' },
  headless: { type: 'boolean' },
  json: { type: 'boolean' },
  call: { type: 'string' },
  'auto-answer': { type: 'boolean' },
  calls: { type: 'string' },
  duration: { type: 'string' },
  timeout: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  tone: { type: 'boolean' },
  codec: { type: 'string' },
  strict: { type: 'boolean' },
  'rotate-key': { type: 'boolean' },
  'export-identity': { type: 'string' },
  'change-passphrase': { type: 'boolean' },
  'new-passphrase-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = {}): ParsedCommandLine {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (cause) {
    throw usage(cause instanceof Error ? cause.message : String(cause));
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const call = nonEmpty('--call', values.call);
  const autoAnswer = values['auto-answer'] ?? false;
  if (call !== undefined && autoAnswer) throw usage('--call and --auto-answer exclude each other');
  const calls = count('--calls', values.calls) ?? 1;
  if (values.calls !== undefined && call === undefined && !autoAnswer) {
    throw usage('--calls goes with --call or --auto-answer');
  }
  const tone = values.tone ?? false;
  const input = nonEmpty('--input', values.input);
  if (tone && input !== undefined) throw usage('--tone and --input exclude each other');
  const codec = values.codec ?? 'opus';
  if (codec !== 'opus' && codec !== 'pcm16') throw usage('--codec is opus or pcm16');
  const json = values.json ?? false;
  const rotateKey = values['rotate-key'] ?? false;
  if (rotateKey && (call !== undefined || autoAnswer)) {
    throw usage('--rotate-key excludes --call and --auto-answer');
  }
  const exportIdentity = pathOf('--export-identity', values['export-identity']);
  const changePassphrase = values['change-passphrase'] ?? false;
  const newPassphraseFile = pathOf('--new-passphrase-file', values['new-passphrase-file']);
  const commands = [
    rotateKey && '--rotate-key',
    exportIdentity !== undefined && '--export-identity',
    changePassphrase && '--change-passphrase',
  ].filter((c): c is string => c !== false);
  if (commands.length > 1) throw usage(`${commands.join(' and ')} exclude each other`);
  if (commands.length === 1 && commands[0] !== '--rotate-key' && (call !== undefined || autoAnswer)) {
    throw usage(`${commands[0]} excludes --call and --auto-answer`);
  }
  if (newPassphraseFile !== undefined && !changePassphrase) {
    throw usage('--new-passphrase-file goes with --change-passphrase');
  }
  const headless =
    (values.headless ?? false) || json || call !== undefined || autoAnswer || commands.length > 0;

  return {
    kind: 'run',
    options: {
      mode: headless ? 'headless' : 'tui',
      dataDir: values.data === undefined ? defaultDataDir(env) : resolve(nonEmpty('--data', values.data)!),
      relaysFile: pathOf('--relays', values.relays),
      addRelayFile: pathOf('--add-relay', values['add-relay']),
      name: nonEmpty('--name', values.name),
      passphraseFile: pathOf('--passphrase-file', values['passphrase-file']),
      importIdentity: pathOf('--import-identity', values['import-identity']),
      json,
      call,
      autoAnswer,
      calls,
      durationS: seconds('--duration', values.duration),
      timeoutS: seconds('--timeout', values.timeout) ?? 60,
      input: pathOf('--input', input),
      output: pathOf('--output', values.output),
      tone,
      codec,
      strict: values.strict ?? false,
      rotateKey,
      exportIdentity,
      changePassphrase,
      newPassphraseFile,
    },
  };
}

function usage(message: string): PhonebookError {
  return new PhonebookError(PhonebookErrorCode.Usage, message);
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim().length === 0) throw usage(`${flag} needs a value`);
  return value;
}

function pathOf(flag: string, value: string | undefined): string | undefined {
  const v = nonEmpty(flag, value);
  return v === undefined ? undefined : resolve(v);
}

/** A whole number of calls, 1–1000: enough for any script, small enough that a typo fails loudly. */
function count(flag: string, value: string | undefined): number | undefined {
  const v = nonEmpty(flag, value);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw usage(`${flag} is a whole number, 1 ≤ n ≤ 1000`);
  return n;
}

function seconds(flag: string, value: string | undefined): number | undefined {
  const v = nonEmpty(flag, value);
  if (v === undefined) return undefined;
  const n = Number(v);
  // A day is far beyond any scripted call; the bound keeps timers within setTimeout's range.
  if (!Number.isFinite(n) || n <= 0 || n > 86_400)
    throw usage(`${flag} is a number of seconds, 0 < s ≤ 86400`);
  return n;
}
