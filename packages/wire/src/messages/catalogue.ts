/** The control-message catalogue: every message, its wire id, its sender and its schema. */
import {
  type CallEnd,
  type CallRequest,
  type CallResponse,
  type CallResume,
  callEndMessage,
  callRequestMessage,
  callResponseMessage,
  callResumeMessage,
  type IncomingCall,
  incomingCallMessage,
  type MediaGrant,
  mediaGrantMessage,
} from './calls.js';
import { type ErrorMessage, errorMessage } from './error-message.js';
import {
  type Challenge,
  challengeMessage,
  type Prove,
  proveMessage,
  type Register,
  type RegisterSealed,
  registerMessage,
  registerSealedMessage,
  type Welcome,
  welcomeMessage,
} from './handshake.js';
import {
  type Consistency,
  consistencyMessage,
  type GetConsistency,
  type GetPublicKey,
  getConsistencyMessage,
  getPublicKeyMessage,
  type PublicKey,
  publicKeyMessage,
  type RotateKey,
  rotateKeyMessage,
} from './key-lookup.js';
import { type Ping, type Pong, pingMessage, pongMessage } from './load.js';
import type { MessageDefinition } from './message-definition.js';
import type { MessageSender, MessageTypeName } from './message-type.js';
import {
  type PhonebookDelta,
  type PhonebookPageMessage,
  type PhonebookRequest,
  type PresenceWatch,
  phonebookDeltaMessage,
  phonebookPageMessage,
  phonebookRequestMessage,
  presenceWatchMessage,
} from './phonebook.js';

/** Every control message, discriminated on `type`. */
export type ControlMessage =
  | Register
  | RegisterSealed
  | Challenge
  | Prove
  | Welcome
  | PhonebookRequest
  | PhonebookPageMessage
  | PhonebookDelta
  | PresenceWatch
  | GetPublicKey
  | PublicKey
  | GetConsistency
  | Consistency
  | RotateKey
  | CallRequest
  | IncomingCall
  | CallResponse
  | CallEnd
  | CallResume
  | MediaGrant
  | Ping
  | Pong
  | ErrorMessage;

/** The control message whose `type` is `N`. */
export type ControlMessageOf<N extends MessageTypeName> = Extract<ControlMessage, { type: N }>;

/** Every definition, keyed by name; the mapped type makes a missing or misnamed entry a compile error. */
const DEFINITIONS: { readonly [N in MessageTypeName]: MessageDefinition<N> } = {
  REGISTER: registerMessage,
  CHALLENGE: challengeMessage,
  PROVE: proveMessage,
  WELCOME: welcomeMessage,
  REGISTER_SEALED: registerSealedMessage,
  PHONEBOOK_REQUEST: phonebookRequestMessage,
  PHONEBOOK_PAGE: phonebookPageMessage,
  PHONEBOOK_DELTA: phonebookDeltaMessage,
  PRESENCE_WATCH: presenceWatchMessage,
  GET_PUBLIC_KEY: getPublicKeyMessage,
  PUBLIC_KEY: publicKeyMessage,
  GET_CONSISTENCY: getConsistencyMessage,
  CONSISTENCY: consistencyMessage,
  ROTATE_KEY: rotateKeyMessage,
  CALL_REQUEST: callRequestMessage,
  INCOMING_CALL: incomingCallMessage,
  CALL_RESPONSE: callResponseMessage,
  CALL_END: callEndMessage,
  CALL_RESUME: callResumeMessage,
  MEDIA_GRANT: mediaGrantMessage,
  PING: pingMessage,
  PONG: pongMessage,
  ERROR: errorMessage,
};

/** The catalogue in wire-id order. */
export const MESSAGE_DEFINITIONS: readonly MessageDefinition[] = Object.values(DEFINITIONS).sort(
  (a, b) => a.id - b.id,
);

/** Definition by wire id (256 slots, one per possible type byte). */
const BY_ID: readonly (MessageDefinition | undefined)[] = Array.from({ length: 256 }, (_, id) =>
  MESSAGE_DEFINITIONS.find((d) => d.id === id),
);

export function definitionById(id: number): MessageDefinition | undefined {
  return BY_ID[id];
}

export function definitionByName(name: unknown): MessageDefinition | undefined {
  return typeof name === 'string' && Object.hasOwn(DEFINITIONS, name)
    ? DEFINITIONS[name as MessageTypeName]
    : undefined;
}

/** Which side may send each message (docs/protocol.md "Message catalogue"). */
export const MESSAGE_SENDER: { readonly [N in MessageTypeName]: MessageSender } = Object.fromEntries(
  MESSAGE_DEFINITIONS.map((d) => [d.name, d.sender]),
) as { readonly [N in MessageTypeName]: MessageSender };
