/**
 * UTF-8 for string fields. Decoding is fatal (invalid, overlong or surrogate sequences are errors,
 * never U+FFFD) and keeps a leading byte-order mark as U+FEFF instead of silently dropping it:
 * both are needed for one byte form per string (canonical encoding, docs/protocol.md).
 */

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Byte length of `text` in UTF-8, or -1 if it holds a lone surrogate (which UTF-8 cannot carry;
 * TextEncoder would silently replace it with U+FFFD and change the value).
 */
export function utf8ByteLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return -1;
      length += 4;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return -1;
    else length += 3;
  }
  return length;
}

/** Decodes well-formed UTF-8; returns `undefined` for anything else. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Writes `text` (already checked by {@link utf8ByteLength}) into `target`. */
export function writeUtf8(text: string, target: Uint8Array): void {
  encoder.encodeInto(text, target);
}
