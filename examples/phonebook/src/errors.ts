/**
 * Typed errors of the leitung-phonebook program. Scripts and tests branch on `code` (stable), never on
 * the message. Errors of @leitung/client and @leitung/audio keep their own CLIENT_ERR_… / AUDIO_ERR_…
 * codes and are passed on unchanged; {@link codeOf} reads any of them.
 */
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
} as const;

export type PhonebookErrorCodeValue = (typeof PhonebookErrorCode)[keyof typeof PhonebookErrorCode];

export class PhonebookError extends Error {
  readonly code: PhonebookErrorCodeValue;

  constructor(code: PhonebookErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhonebookError';
    this.code = code;
  }
}

/** The stable code of any typed error (PHONEBOOK_ERR_…, CLIENT_ERR_…, SESSION_ERR_…, AUDIO_ERR_…). */
export function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A one-line description for the user: the code and the message, never a stack or key material. */
export function describeError(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined ? message : `${code}: ${message}`;
}
