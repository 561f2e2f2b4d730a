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

/**
 * Every code this package raises, by name (docs/errors.md "@leitung/wire" describes each one). The same
 * pattern in every Leitung package: a `…ErrorCode` object and type, a `…_ERROR_CODES` list, one base class
 * and an `is…Error` guard (docs/errors.md "One pattern").
 */
export const WireErrorCode = {
  /** A frame is larger than the maximum frame size (default 65 536 bytes); the decoder is poisoned. */
  FrameTooLarge: 'WIRE_ERR_FRAME_TOO_LARGE',
  /** A frame with a zero-length payload; the decoder is poisoned. */
  FrameEmpty: 'WIRE_ERR_FRAME_EMPTY',
  /** The message type is not in the catalogue. */
  UnknownType: 'WIRE_ERR_UNKNOWN_TYPE',
  /** The payload's protocol version is not 1. */
  UnsupportedVersion: 'WIRE_ERR_UNSUPPORTED_VERSION',
  /** A field holds an invalid value (bool not 0/1, enum out of range, ill-formed UTF-8, u64 ≥ 2^53, …). */
  Malformed: 'WIRE_ERR_MALFORMED',
  /** The payload ends inside a field, or a list's count needs more bytes than remain. */
  Truncated: 'WIRE_ERR_TRUNCATED',
  /** Bytes follow the message's last field. */
  TrailingBytes: 'WIRE_ERR_TRAILING_BYTES',
  /** A byte string, string or list exceeds its field's maximum. */
  FieldTooLong: 'WIRE_ERR_FIELD_TOO_LONG',
  /** A message the sending side may never send (e.g. INCOMING_CALL from a client). */
  WrongSender: 'WIRE_ERR_WRONG_SENDER',
  /** A media packet shorter than the 14-byte header plus its 16-byte tag. */
  MediaTruncated: 'WIRE_ERR_MEDIA_TRUNCATED',
  /** A media packet exceeds the maximum packet size (default 1 200 bytes). */
  MediaTooLarge: 'WIRE_ERR_MEDIA_TOO_LARGE',
  /** A media packet's version nibble is not 1. */
  MediaUnsupportedVersion: 'WIRE_ERR_MEDIA_UNSUPPORTED_VERSION',
  /** A media packet's type nibble is not one the protocol defines. */
  MediaUnknownType: 'WIRE_ERR_MEDIA_UNKNOWN_TYPE',
  /** A reserved flag bit (1–7) of a media packet is set. */
  MediaBadFlags: 'WIRE_ERR_MEDIA_BAD_FLAGS',
  /** A fixed-size media packet body (BIND, BIND_ACK, KEEPALIVE, …) is longer than it should be. */
  MediaTrailingBytes: 'WIRE_ERR_MEDIA_TRAILING_BYTES',
  /** An invalid header value to encode (not a u32, unknown direction, body not bytes). */
  MediaMalformed: 'WIRE_ERR_MEDIA_MALFORMED',
  /** A caller passed an invalid option or argument (a programming error, not peer input). */
  InvalidArgument: 'WIRE_ERR_INVALID_ARGUMENT',
} as const;

/** Every code this package raises. */
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** Every code this package raises, as a list. */
export const WIRE_ERROR_CODES: readonly WireErrorCode[] = Object.values(WireErrorCode);

/** Base class of every error this package throws. */
export class WireError extends Error {
  /** Stable machine-readable code. */
  readonly code: WireErrorCode;

  constructor(code: WireErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is a {@link WireError} (any subclass), optionally with the given code. */
export function isWireError(err: unknown, code?: WireErrorCode): err is WireError {
  return err instanceof WireError && (code === undefined || err.code === code);
}

/** A stream framing violation. The decoder that raised it is poisoned: the stream is desynchronised. */
export class FrameError extends WireError {
  declare readonly code: FrameErrorCode;

  constructor(code: FrameErrorCode, message: string) {
    super(code, message);
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
    this.field = field;
  }
}

/** A UDP media packet that cannot be encoded or decoded. */
export class MediaPacketError extends WireError {
  declare readonly code: MediaPacketErrorCode;

  constructor(code: MediaPacketErrorCode, message: string) {
    super(code, message);
  }
}
