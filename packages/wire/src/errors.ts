/**
 * The one error family of `@leitung/wire`. Every failure of this package — a bad frame, a malformed
 * control message, a junk media packet, a bad option — is a {@link WireError} with a stable `code`;
 * callers branch on `code`, never on the message text. Messages name fields and sizes only, never
 * field contents (they may be keys or ciphertext).
 */

/** Codes raised by the stream framing (docs/design.md §3). */
export type FrameErrorCode = 'WIRE_ERR_FRAME_TOO_LARGE' | 'WIRE_ERR_FRAME_EMPTY';

/** Codes raised by the control-message codec. */
export type MessageErrorCode =
  | 'WIRE_ERR_UNKNOWN_TYPE'
  | 'WIRE_ERR_UNSUPPORTED_VERSION'
  | 'WIRE_ERR_MALFORMED'
  | 'WIRE_ERR_TRUNCATED'
  | 'WIRE_ERR_TRAILING_BYTES'
  | 'WIRE_ERR_FIELD_TOO_LONG'
  | 'WIRE_ERR_WRONG_SENDER';

/** Codes raised by the UDP media packet codec (docs/design.md §5). */
export type MediaPacketErrorCode =
  | 'WIRE_ERR_MEDIA_TRUNCATED'
  | 'WIRE_ERR_MEDIA_TOO_LARGE'
  | 'WIRE_ERR_MEDIA_UNSUPPORTED_VERSION'
  | 'WIRE_ERR_MEDIA_UNKNOWN_TYPE'
  | 'WIRE_ERR_MEDIA_BAD_FLAGS'
  | 'WIRE_ERR_MEDIA_TRAILING_BYTES'
  | 'WIRE_ERR_MEDIA_MALFORMED';

/** Raised when a caller passes an invalid option or argument (a programming error, not peer input). */
export type ArgumentErrorCode = 'WIRE_ERR_INVALID_ARGUMENT';

/** Every code this package raises. */
export type WireErrorCode = FrameErrorCode | MessageErrorCode | MediaPacketErrorCode | ArgumentErrorCode;

/** Every code this package raises, as a list (docs/errors.md describes each one). */
export const WIRE_ERROR_CODES: readonly WireErrorCode[] = [
  'WIRE_ERR_FRAME_TOO_LARGE',
  'WIRE_ERR_FRAME_EMPTY',
  'WIRE_ERR_UNKNOWN_TYPE',
  'WIRE_ERR_UNSUPPORTED_VERSION',
  'WIRE_ERR_MALFORMED',
  'WIRE_ERR_TRUNCATED',
  'WIRE_ERR_TRAILING_BYTES',
  'WIRE_ERR_FIELD_TOO_LONG',
  'WIRE_ERR_WRONG_SENDER',
  'WIRE_ERR_MEDIA_TRUNCATED',
  'WIRE_ERR_MEDIA_TOO_LARGE',
  'WIRE_ERR_MEDIA_UNSUPPORTED_VERSION',
  'WIRE_ERR_MEDIA_UNKNOWN_TYPE',
  'WIRE_ERR_MEDIA_BAD_FLAGS',
  'WIRE_ERR_MEDIA_TRAILING_BYTES',
  'WIRE_ERR_MEDIA_MALFORMED',
  'WIRE_ERR_INVALID_ARGUMENT',
];

/** Base class of every error this package throws. */
export class WireError extends Error {
  /** Stable machine-readable code. */
  readonly code: WireErrorCode;

  constructor(code: WireErrorCode, message: string) {
    super(message);
    this.name = 'WireError';
    this.code = code;
  }
}

/** A stream framing violation. The decoder that raised it is poisoned: the stream is desynchronised. */
export class FrameError extends WireError {
  declare readonly code: FrameErrorCode;

  constructor(code: FrameErrorCode, message: string) {
    super(code, message);
    this.name = 'FrameError';
  }
}

/**
 * A control message that cannot be encoded or decoded. `field` is the path of the offending field,
 * e.g. `"treeHead.signature"` or `"phonebook.contacts[3].name"`; `"version"` and `"type"` name the
 * two header bytes; it is `undefined` only for trailing bytes after a complete message.
 */
export class MessageError extends WireError {
  declare readonly code: MessageErrorCode;
  /** Path of the offending field, or `undefined` when no single field is at fault. */
  readonly field: string | undefined;

  constructor(code: MessageErrorCode, field: string | undefined, detail: string) {
    super(code, field === undefined ? detail : `${field}: ${detail}`);
    this.name = 'MessageError';
    this.field = field;
  }
}

/** A UDP media packet that cannot be encoded or decoded. */
export class MediaPacketError extends WireError {
  declare readonly code: MediaPacketErrorCode;

  constructor(code: MediaPacketErrorCode, message: string) {
    super(code, message);
    this.name = 'MediaPacketError';
  }
}
