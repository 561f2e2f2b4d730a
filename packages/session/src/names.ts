/**
 * Directory names (docs/key-transparency.md, "Names"; docs/design.md §2): one policy, shared by the relay (which binds
 * names) and the client (which displays and checks names a relay sends — a relay is not trusted to apply it).
 *
 * - The bound form is NFC. A name must already be NFC when registered, so the name in WELCOME is
 *   byte-for-byte what the client asked for.
 * - 1 … 32 characters and at most 64 bytes of UTF-8 (the wire limit).
 * - Letters, combining marks, decimal digits, and the separators space . - _ ' — no control, format,
 *   private-use or symbol characters, so a name cannot hide invisible, escape or bidi characters. No
 *   leading or trailing separator, no two separators in a row.
 * - Uniqueness is decided on a folded key (NFKC, lower case, NFC): "Alice", "alice" and "ａｌｉｃｅ"
 *   (full-width) are one name, so a look-alike of that kind cannot squat next to an existing one.
 */
/** Longest directory name, in Unicode code points (not UTF-16 units). */
export const NAME_MAX_CHARACTERS = 32;
/** Longest directory name in UTF-8 bytes: the wire limit of `string≤64` name fields (docs/protocol.md §4). */
export const NAME_MAX_BYTES = 64;

const ALLOWED = /^[\p{L}\p{M}\p{Nd}]+(?:[ ._'-][\p{L}\p{M}\p{Nd}]+)*$/u;
const utf8 = new TextEncoder();

/** Why `name` breaks the policy, in words, or `undefined` when it is a valid bound name. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'a name must not be empty';
  if (name !== name.normalize('NFC')) return 'a name must be in Unicode NFC form';
  if ([...name].length > NAME_MAX_CHARACTERS) return `a name has at most ${NAME_MAX_CHARACTERS} characters`;
  if (utf8.encode(name).length > NAME_MAX_BYTES) return `a name has at most ${NAME_MAX_BYTES} bytes`;
  if (!ALLOWED.test(name)) {
    return 'a name is letters and digits, separated by single spaces, dots, dashes or apostrophes';
  }
  return undefined;
}

/** True when `name` is a valid bound name. */
export function isValidName(name: unknown): name is string {
  return nameProblem(name) === undefined;
}

/** The uniqueness key of a name (NFKC, lower case, NFC): two names with one key are one name. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFC');
}
