/**
 * Text from a relay (names, error codes, reasons) is shown to people in terminals and UIs; a relay that
 * puts ESC sequences in it could retitle the window (OSC 0), paint a fake "✔ verified" (SGR), ring the
 * bell, or reorder what is shown with bidi overrides (docs/client.md "Displaying relay text"). Every
 * relay-provided string MUST pass through `displaySafe` before it is displayed.
 *
 * Turned into visible escapes: C0 and C1 controls, DEL (Unicode Cc), format characters — bidi embeddings,
 * overrides, isolates and marks, zero-width characters, soft hyphen, tags (Cf) —, line and paragraph
 * separators (Zl, Zp), lone surrogates (Cs) and private-use characters (Co). The result holds none of
 * them, so applying it again changes nothing: layers may each make sure (the SDK and the program).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/gu;

/** `text` with every character that could control a terminal or reorder text shown as an escape. */
export function displaySafe(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
    if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
    return `\\u{${cp.toString(16)}}`;
  });
}
