/**
 * @packageDocumentation
 * `@leitung/wire`: the bytes of the Leitung protocol v1 (docs/protocol.md), sans-I/O and free of
 * dependencies, for Node and browsers alike.
 *
 * - Stream framing: {@link FrameDecoder}, {@link encodeFrame}.
 * - Control messages: {@link encodeMessage}, {@link decodeMessage}, {@link MessageType}, {@link ControlMessage}.
 * - UDP media packets: {@link encodeMediaPacket}, {@link decodeMediaPacket}, {@link peekSessionId}.
 * - Errors: {@link WireError} and its subclasses, each with a stable `code`.
 */

export {
  type ArgumentErrorCode,
  FrameError,
  type FrameErrorCode,
  isWireError,
  MediaPacketError,
  type MediaPacketErrorCode,
  MessageError,
  type MessageErrorCode,
  WIRE_ERROR_CODES,
  WireError,
  WireErrorCode,
} from './errors.js';
export { encodeFrame } from './framing/encode-frame.js';
export { FrameDecoder } from './framing/frame-decoder.js';
export {
  DEFAULT_MAX_FRAME_SIZE,
  FRAME_HEADER_SIZE,
  FRAME_LENGTH_LIMIT,
  type FrameOptions,
} from './framing/frame-limits.js';
export { checkMediaPacket, peekSessionId } from './media/media-check.js';
export { decodeMediaPacket } from './media/media-decode.js';
export { encodeMediaHeader, encodeMediaPacket } from './media/media-encode.js';
export {
  DEFAULT_MAX_MEDIA_PACKET_SIZE,
  MEDIA_HEADER_SIZE,
  MEDIA_NONCE_SIZE,
  MEDIA_PACKET_SIZE_LIMIT,
  MEDIA_PROTOCOL_VERSION,
  MEDIA_TAG_SIZE,
  type MediaDirection,
  type MediaHeader,
  type MediaPacket,
  type MediaPacketOptions,
  MediaPacketType,
  type MediaPacketTypeName,
} from './media/media-format.js';
export type {
  CallDecision,
  CallEnd,
  CallEndReason,
  CallRequest,
  CallResponse,
  CallResume,
  CallSide,
  IncomingCall,
  MediaGrant,
} from './messages/calls.js';
export { type ControlMessage, type ControlMessageOf, MESSAGE_SENDER } from './messages/catalogue.js';
export type { ErrorMessage } from './messages/error-message.js';
export { FIELD_LIMITS } from './messages/field-limits.js';
export type { Challenge, Prove, Register, RegisterSealed, Welcome } from './messages/handshake.js';
export type {
  Consistency,
  GetConsistency,
  GetPublicKey,
  KeyLookupTarget,
  PublicKey,
  RotateKey,
} from './messages/key-lookup.js';
export type { Ping, Pong, RelayLoad } from './messages/load.js';
export { type DecodeMessageOptions, decodeMessage, encodeMessage } from './messages/message-codec.js';
export {
  type MessageSender,
  MessageType,
  type MessageTypeName,
  PROTOCOL_VERSION,
} from './messages/message-type.js';
export type {
  PhonebookChange,
  PhonebookChangeKind,
  PhonebookDelta,
  PhonebookPageMessage,
  PhonebookRequest,
  PresenceWatch,
} from './messages/phonebook.js';
export type {
  Contact,
  DirectoryEntry,
  KeyRotation,
  MapProof,
  MapProofTerminal,
  PhonebookPage,
  SignedTreeHead,
} from './messages/shared-structs.js';
