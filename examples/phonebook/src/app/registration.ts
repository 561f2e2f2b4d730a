/**
 * Registration with plain-words failures. `Client.start()` retries every failure three times per relay and
 * then reports CLIENT_ERR_NO_RELAY, the reason buried in its `cause`. A phonebook must tell apart what the
 * user has to act on differently:
 *
 * - the name is taken, invalid, or the key is bound to another name: definitive — the relay answers the
 *   same way every time, so registration stops at the first such answer and the user chooses a name;
 * - the relay showed another key than the pinned one: a security alarm — registration stops at once,
 *   nothing is retried (possible attack);
 * - the relay cannot be reached (nothing accepted the TCP connection, or it timed out before the
 *   handshake): retried, with each attempt reported, until the time allowed (`--timeout`) has passed;
 * - anything else (a relay that refuses for a passing reason): retried the same way.
 *
 * The reason is read from the error's `cause` chain and `relayCode` (ClientError, SessionError).
 */
import {
  type Client,
  type ConnectionStateEvent,
  checkName,
  errorCodeOf,
  type RegistrationCompleteEvent,
  type RegistrationFailedEvent,
  type RelayEntry,
} from '@leitung/client';
import { PhonebookError, PhonebookErrorCode, plainMessage } from '../errors.js';

export type RegistrationProblem =
  | 'name-taken'
  | 'name-confusable'
  | 'name-invalid'
  | 'key-registered'
  | 'relay-key-mismatch'
  | 'unreachable'
  | 'refused';

/** One failed registration attempt, in words (`text`, no code) and with its most specific code. */
export interface FailedAttempt {
  readonly relay: RelayEntry;
  readonly attempt: number;
  readonly problem: RegistrationProblem;
  readonly code: string;
  readonly text: string;
  /** The relay's or the client's own words for the failure. */
  readonly reason: string;
}

/** Registration gave up: `code` is the one the user sees (RELAY_ERR_NAME_TAKEN, CLIENT_ERR_NO_RELAY, …). */
export class RegistrationError extends Error {
  readonly code: string;
  readonly problem: RegistrationProblem;
  readonly relay: RelayEntry | undefined;
  readonly attempts: number;

  constructor(
    code: string,
    problem: RegistrationProblem,
    message: string,
    details: { relay: RelayEntry | undefined; attempts: number; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RegistrationError';
    this.code = code;
    this.problem = problem;
    this.relay = details.relay;
    this.attempts = details.attempts;
  }
}

/** Problems after which only another name helps (the TUI asks for one; headless exits with status 2). */
export function isNameProblem(error: unknown): boolean {
  if (error instanceof RegistrationError)
    return (
      error.problem === 'name-taken' ||
      error.problem === 'name-confusable' ||
      error.problem === 'name-invalid'
    );
  return errorCodeOf(error) === PhonebookErrorCode.NameInvalid;
}

export interface RegisterOptions {
  /** Give up after this long (`--timeout`); without it, the client's own attempt limit applies. */
  readonly timeoutMs?: number | undefined;
  /** Each failed attempt that is followed by another (a definitive failure is the rejection instead). */
  readonly onAttempt?: ((attempt: FailedAttempt) => void) | undefined;
  /** What to do about a taken or invalid name, e.g. "Choose another name" or "Run again with --name NAME". */
  readonly renameHint?: string | undefined;
}

/** `client.start()`, stopping at a definitive failure and explaining why it gave up (RegistrationError). */
export async function registerClient(
  client: Client,
  options: RegisterOptions = {},
): Promise<RegistrationCompleteEvent> {
  const abort = new AbortController();
  const startedAt = Date.now();
  let reached = false;
  let attempts = 0;
  let last: FailedAttempt | undefined;
  let definitive: FailedAttempt | undefined;
  let timedOut = false;
  const onState = (e: ConnectionStateEvent) => {
    if (e.state === 'connecting') reached = false;
    else if (e.state === 'handshaking') reached = true;
  };
  const onFailed = (e: RegistrationFailedEvent) => {
    attempts += 1;
    const attempt = classifyAttempt(e.error, e.relay, reached, attempts, client.name, options);
    last = attempt;
    if (isDefinitive(attempt.problem)) {
      // Reported once, as the error start() rejects with: no attempt follows.
      definitive ??= attempt;
      abort.abort();
      return;
    }
    options.onAttempt?.(attempt);
  };
  client.on('connection:state', onState);
  client.on('registration:failed', onFailed);
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, options.timeoutMs);
  try {
    return await client.start({ signal: abort.signal });
  } catch (error) {
    if (definitive !== undefined) {
      throw new RegistrationError(definitive.code, definitive.problem, definitive.text, {
        relay: definitive.relay,
        attempts,
        cause: error,
      });
    }
    if (timedOut || errorCodeOf(error) === 'CLIENT_ERR_NO_RELAY') {
      throw gaveUp(last, attempts, (Date.now() - startedAt) / 1000, error);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    client.off('connection:state', onState);
    client.off('registration:failed', onFailed);
  }
}

function isDefinitive(problem: RegistrationProblem): boolean {
  return (
    problem === 'name-taken' ||
    problem === 'name-confusable' ||
    problem === 'name-invalid' ||
    problem === 'key-registered' ||
    problem === 'relay-key-mismatch'
  );
}

/** host:port of a relay-list entry. */
export function relayAddress(relay: RelayEntry): string {
  return `${relay.host}:${relay.port}`;
}

/** The codes and relay codes along an error's `cause` chain, outermost first. */
function codesOf(error: unknown): { codes: string[]; relayCodes: string[] } {
  const codes: string[] = [];
  const relayCodes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 8 && typeof e === 'object' && e !== null; depth++) {
    const code = errorCodeOf(e);
    if (code !== undefined) codes.push(code);
    const relayCode = (e as { relayCode?: unknown }).relayCode;
    if (typeof relayCode === 'string') relayCodes.push(relayCode);
    e = (e as { cause?: unknown }).cause;
  }
  return { codes, relayCodes };
}

/** What one failed attempt means. `reached`: the TCP connection was up (the handshake had begun). */
export function classifyAttempt(
  error: unknown,
  relay: RelayEntry,
  reached: boolean,
  attempt: number,
  name: string,
  options: Pick<RegisterOptions, 'renameHint' | 'timeoutMs'> = {},
): FailedAttempt {
  const { codes, relayCodes } = codesOf(error);
  const at = relayAddress(relay);
  const rename = options.renameHint ?? 'Choose another name';
  const base = { relay, attempt, reason: relayReason(error) };
  if (relayCodes.includes('RELAY_ERR_NAME_TAKEN')) {
    return {
      ...base,
      problem: 'name-taken',
      code: 'RELAY_ERR_NAME_TAKEN',
      text: `The name "${name}" is already taken on this relay. ${rename}.`,
    };
  }
  if (relayCodes.includes('RELAY_ERR_NAME_CONFUSABLE')) {
    // The relay names the bound look-alike in its reason ("this name looks like the bound name "alice"").
    return {
      ...base,
      problem: 'name-confusable',
      code: 'RELAY_ERR_NAME_CONFUSABLE',
      text:
        `The name "${name}" is too easy to mistake for a name someone else uses here (${base.reason}): ` +
        `it differs only by look-alike letters. ${rename}.`,
    };
  }
  if (relayCodes.includes('RELAY_ERR_NAME_INVALID')) {
    return {
      ...base,
      problem: 'name-invalid',
      code: 'RELAY_ERR_NAME_INVALID',
      text: `The relay at ${at} does not accept the name "${name}" (${base.reason}). ${rename}.`,
    };
  }
  if (relayCodes.includes('RELAY_ERR_KEY_REGISTERED')) {
    return {
      ...base,
      problem: 'key-registered',
      code: 'RELAY_ERR_KEY_REGISTERED',
      text:
        `This identity is already registered on this relay under another name than "${name}" (one name per key). ` +
        'Start without --name to use the name in the vault, or use another --data directory for a new identity.',
    };
  }
  if (codes.includes('SESSION_ERR_RELAY_KEY_MISMATCH')) {
    return {
      ...base,
      problem: 'relay-key-mismatch',
      code: 'SESSION_ERR_RELAY_KEY_MISMATCH',
      text:
        `SECURITY ALARM: the relay at ${at} presented a different key than the one pinned ` +
        `(fingerprint ${relay.fingerprint.slice(0, 16)}…) — possible attack; do not continue. ` +
        "Ask the relay's operator for its key fingerprint; this phonebook does not register with a relay that shows another key.",
    };
  }
  const code = relayCodes[0] ?? codes.find((c) => c !== 'SESSION_ERR_REFUSED') ?? codes[0] ?? 'UNKNOWN';
  const retry =
    options.timeoutMs === undefined
      ? 'trying again'
      : `trying again until ${Math.round(options.timeoutMs / 1000)} s have passed (--timeout)`;
  if (!reached && (code === 'CLIENT_ERR_CONNECTION_CLOSED' || code === 'CLIENT_ERR_TIMEOUT')) {
    return {
      ...base,
      problem: 'unreachable',
      code,
      text: `Cannot reach the relay at ${at} (attempt ${attempt}); ${retry}.`,
    };
  }
  return {
    ...base,
    problem: 'refused',
    code,
    text: `Registration with the relay at ${at} failed (attempt ${attempt}): ${base.reason}; ${retry}.`,
  };
}

/** The relay's own words for a refusal (SESSION_ERR_REFUSED: "relay refused: CODE: words"), else the message. */
function relayReason(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if ((e as { relayCode?: unknown }).relayCode !== undefined) return plainMessage(e);
    e = e.cause;
  }
  return plainMessage(error);
}

function gaveUp(
  last: FailedAttempt | undefined,
  attempts: number,
  seconds: number,
  cause: unknown,
): RegistrationError {
  const within = `${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round(seconds)} s`;
  if (last === undefined) {
    return new RegistrationError(
      'CLIENT_ERR_NO_RELAY',
      'unreachable',
      `No relay answered within ${Math.round(seconds)} s. Check that the relays of the relay list run.`,
      { relay: undefined, attempts, cause },
    );
  }
  const at = relayAddress(last.relay);
  const text =
    last.problem === 'unreachable'
      ? `Cannot reach the relay at ${at}: ${within} failed. Check that the relay runs and that the relay list gives its address.`
      : `Registration failed: ${within}; the last answer, from the relay at ${at}: ${last.reason} (${last.code}).`;
  return new RegistrationError('CLIENT_ERR_NO_RELAY', last.problem, text, {
    relay: last.relay,
    attempts,
    cause,
  });
}

/**
 * The name, NFC-normalised, if the directory's name policy allows it; PHONEBOOK_ERR_NAME_INVALID naming
 * the rule it breaks otherwise — before any relay is asked.
 */
export function checkedName(raw: string, renameHint = 'Choose another name'): string {
  try {
    return checkName(raw);
  } catch (error) {
    throw new PhonebookError(
      PhonebookErrorCode.NameInvalid,
      `The name "${raw}" cannot be used: ${plainMessage(error)}. ${renameHint}.`,
      { cause: error },
    );
  }
}

/** Names are one name when they fold alike (NFKC, lower case, NFC), as the directory decides uniqueness. */
export function sameName(a: string, b: string): boolean {
  const fold = (name: string) => name.normalize('NFKC').toLowerCase().normalize('NFC');
  return fold(a) === fold(b);
}
