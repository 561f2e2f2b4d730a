/**
 * Typed errors of the leitung-phonebook program. Scripts and tests branch on `code` (stable), never on
 * the message. Errors of @leitung/client and @leitung/audio keep their own CLIENT_ERR_… / AUDIO_ERR_…
 * codes and are passed on unchanged; {@link codeOf} reads any of them.
 */
import { errorCodeOf as codeOf } from '@leitung/client';

export const PhonebookErrorCode = {
  /** A command-line option is unknown, missing its value or out of range. */
  Usage: 'PHONEBOOK_ERR_USAGE',
  /** A named relay list cannot be read, is not JSON, or holds an entry that is not a relay-list entry. */
  RelaysFile: 'PHONEBOOK_ERR_RELAYS_FILE',
  /** No relay list: no --relays (or --add-relay) file and none pinned in the vault (first run). */
  NoRelays: 'PHONEBOOK_ERR_NO_RELAYS',
  /** No vault passphrase: no --passphrase-file, no LEITUNG_PASSPHRASE and no terminal to ask on. */
  NoPassphrase: 'PHONEBOOK_ERR_NO_PASSPHRASE',
  /** The passphrase file cannot be read or is empty. */
  PassphraseFile: 'PHONEBOOK_ERR_PASSPHRASE_FILE',
  /** --import-identity was given but the file cannot be read. */
  IdentityFile: 'PHONEBOOK_ERR_IDENTITY_FILE',
  /** Headless: the contact to call did not come online before --timeout. */
  ContactUnavailable: 'PHONEBOOK_ERR_CONTACT_UNAVAILABLE',
  /** Headless: no call was placed or answered before --timeout. */
  Timeout: 'PHONEBOOK_ERR_TIMEOUT',
  /** Headless: the call was not set up (rejected, busy, unanswered, a failed check, or --timeout). */
  CallFailed: 'PHONEBOOK_ERR_CALL_FAILED',
  /** Demo: the relay program did not start or did not write its relay-list entry. */
  RelayStart: 'PHONEBOOK_ERR_RELAY_START',
  /** Demo: a phonebook process failed or reported something unexpected. */
  DemoFailed: 'PHONEBOOK_ERR_DEMO_FAILED',
  /** Another leitung-phonebook process (alive, pid in the lock file) is using the data directory. */
  DataLocked: 'PHONEBOOK_ERR_DATA_LOCKED',
  /** The name to register breaks the directory's name policy (checked before any relay is asked). */
  NameInvalid: 'PHONEBOOK_ERR_NAME_INVALID',
  /** A call to this phonebook's own name. */
  SelfCall: 'PHONEBOOK_ERR_SELF_CALL',
  /** The relay's directory has no one registered under the called name (a verified look-up said so). */
  NotRegistered: 'PHONEBOOK_ERR_NOT_REGISTERED',
} as const;

export type PhonebookErrorCodeValue = (typeof PhonebookErrorCode)[keyof typeof PhonebookErrorCode];

export class PhonebookError extends Error {
  readonly code: PhonebookErrorCodeValue;

  constructor(code: PhonebookErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The stable code of any typed error (PHONEBOOK_ERR_…, CLIENT_ERR_…, SESSION_ERR_…, AUDIO_ERR_…). */
export { codeOf };

/**
 * The words of an error without its code: the message, less a leading code the message itself repeats
 * ("CLIENT_ERR_X: …", "relay refused: RELAY_ERR_Y: …"), so that the code is printed once, after it.
 */
export function plainMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^(?:relay refused: )?[A-Z]+_ERR_[A-Z0-9_]+: /, '');
}

/**
 * A one-line description for the user: the message, then the stable code once in parentheses
 * ("the passphrase file is empty (PHONEBOOK_ERR_PASSPHRASE_FILE)"); never a stack or key material.
 */
export function describeError(error: unknown): string {
  const code = codeOf(error);
  const message = plainMessage(error);
  if (code === undefined || message.includes(code)) return message;
  return `${message} (${code})`;
}

/** Exit status 2: the command line (or the name it gives) must change before another run can succeed. */
const USAGE_CODES: ReadonlySet<string> = new Set([
  PhonebookErrorCode.Usage,
  PhonebookErrorCode.NameInvalid,
  'RELAY_ERR_NAME_TAKEN',
  'RELAY_ERR_NAME_CONFUSABLE',
  'RELAY_ERR_NAME_INVALID',
  'RELAY_ERR_KEY_REGISTERED',
]);

/** The exit status for a run that ended with `error`: 2 for usage and name problems, else 1. */
export function exitStatusOf(error: unknown): 1 | 2 {
  const code = codeOf(error);
  return code !== undefined && USAGE_CODES.has(code) ? 2 : 1;
}
