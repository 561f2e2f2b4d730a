/**
 * @packageDocumentation
 * `@leitung/session`: the protocol logic both ends share (docs/session-protocol.md) — registration
 * handshake and sealed control channel, signed tree heads, signed and sealed call data with forward-secret
 * media keys, and media packet authentication. Synchronous and sans-I/O; crypto (with its RNG) is injected.
 */
export {
  CALL_ID_BYTES,
  CALL_SECRET_BYTES,
  type CallData,
  decodeCallData,
  encodeCallData,
} from './call-data.js';
export { CallIdReplayGuard } from './call-id-replay-guard.js';
export {
  acceptOffer,
  beginCallOffer,
  CALL_KEY_EXCHANGE,
  CALL_OFFER_MAX_SKEW_MS,
  type CallOffer,
  CallOfferDraft,
  type CallOfferDraftInput,
  type CallOfferInput,
  callOfferOpening,
  completeCall,
  createCallOffer,
  finishOpenCallOffer,
  OpenedOffer,
  type OpenedOfferCheck,
  type OpenOfferInput,
  openCallOffer,
  PendingCall,
} from './call-offer.js';
export {
  type ChannelKeys,
  type ChannelSecrets,
  challengeTranscriptHash,
  deriveChannelKeys,
  type HandshakeTranscript,
  registrationConfirm,
  transcriptHash,
} from './channel-keys.js';
export {
  ClientHandshake,
  type ClientHandshakeOptions,
  type ClientHandshakeResult,
  type ClientHandshakeSettings,
  type HandshakeIdentity,
  verifyEntry,
} from './client-handshake.js';
export { nameSkeletons, namesConfusable, skeleton } from './confusables.js';
export { isSessionError, SESSION_ERROR_CODES, SessionError, SessionErrorCode } from './errors.js';
export {
  HANDSHAKE_SECRET_BYTES,
  LABEL_REGISTER_SEALED,
  OAEP_LABEL_CHALLENGE,
  OAEP_LABEL_PROVE,
  SEALED_CHALLENGE_BYTES,
} from './handshake-labels.js';
export { clientIdOf, logIdOf } from './identity.js';
export {
  type IdentityOperation,
  type IdentityOperationResult,
  runIdentityOperation,
} from './identity-operation.js';
export {
  beginKeyRotation,
  checkKeyRotation,
  type KeyRotationDraft,
  type RotatedBinding,
  type RotationStatementInput,
  rotationStatement,
  type SignedRotation,
  signKeyRotation,
} from './key-rotation.js';
export {
  BIND_MAX_SKEW_MS,
  type BindChallengeInput,
  type BindConfirmInput,
  buildBindChallenge,
  buildBindConfirm,
  buildControlPacket,
  type ControlPacketInput,
  type ControlPacketKind,
  clockSkewMs,
  directionOf,
  senderOf,
  verifyControlPacket,
} from './media-bind.js';
export { type CallRole, deriveMediaKeys, type MediaKeyInput, MediaKeys } from './media-keys.js';
export { type MediaFrame, MediaReceiver, MediaSender } from './media-stream.js';
export {
  checkDirectoryNameMap,
  checkOwnNameBinding,
  nameMapKey,
  nameMapOf,
  verifyNameBinding,
} from './name-bindings.js';
export { isValidName, NAME_MAX_BYTES, NAME_MAX_CHARACTERS, nameKey, nameProblem } from './names.js';
export type { RelayEntry } from './relay-entry.js';
export {
  type ChallengeContent,
  RelayHandshake,
  type RelayHandshakeOptions,
  type RelayKeyOperation,
  runRelayKeyOperation,
} from './relay-handshake.js';
export { type DirectionKeys, SealedChannel } from './sealed-channel.js';
export {
  openSealedRegister,
  registerFromOpened,
  sealedRegisterOperation,
  sealRegister,
} from './sealed-register.js';
export { acceptTreeHead, type MappedTreeHead, signTreeHead, type TreeHeadCheck } from './tree-heads.js';
