/**
 * Directory names (DESIGN.md §2; LESSONS #14): unique, NFC-normalised, length- and character-checked.
 *
 * - The bound form is NFC. A name must already be NFC when registered (the client handshake normalises),
 *   so the name in WELCOME is byte-for-byte what the client asked for.
 * - 1 … 32 characters and at most 64 bytes of UTF-8 (the wire limit).
 * - Letters, combining marks, decimal digits, and the separators space . - _ ' — no control, format,
 *   private-use or symbol characters, so a name cannot hide invisible or bidi characters. No leading or
 *   trailing separator, no two separators in a row.
 * - Uniqueness is decided on a folded key (NFKC, lower case): "Alice", "alice" and "ａｌｉｃｅ"
 *   (full-width) are one name, so a look-alike cannot squat next to an existing one.
 */
import { RelayError, RelayErrorCode } from '../errors.js';

export const NAME_MAX_CHARACTERS = 32;
export const NAME_MAX_BYTES = 64;

const ALLOWED = /^[\p{L}\p{M}\p{Nd}]+(?:[ ._'-][\p{L}\p{M}\p{Nd}]+)*$/u;
const utf8 = new TextEncoder();

/** A checked name: `name` is the bound form, `key` decides uniqueness. */
export interface CheckedName {
  readonly name: string;
  readonly key: string;
}

/** Checks `name` against the policy; throws RelayError RELAY_ERR_NAME_INVALID naming the rule. */
export function checkName(name: string): CheckedName {
  if (typeof name !== 'string' || name.length === 0) throw invalid('a name must not be empty');
  if (name !== name.normalize('NFC')) throw invalid('a name must be in Unicode NFC form');
  const characters = [...name].length;
  if (characters > NAME_MAX_CHARACTERS) throw invalid(`a name has at most ${NAME_MAX_CHARACTERS} characters`);
  if (utf8.encode(name).length > NAME_MAX_BYTES) throw invalid(`a name has at most ${NAME_MAX_BYTES} bytes`);
  if (!ALLOWED.test(name)) {
    throw invalid('a name is letters and digits, separated by single spaces, dots, dashes or apostrophes');
  }
  return { name, key: nameKey(name) };
}

/** The uniqueness key of a name (NFKC, lower case). */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFC');
}

function invalid(message: string): RelayError {
  return new RelayError(RelayErrorCode.NameInvalid, message);
}
