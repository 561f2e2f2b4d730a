/**
 * Numeric ids of the control messages (the second payload byte; docs/protocol.md "Message
 * catalogue"). Ids are grouped by purpose; 0 and every id not listed are unassigned and rejected
 * with WIRE_ERR_UNKNOWN_TYPE. An id is never reused for a different message.
 */
export const MessageType = {
  REGISTER: 0x01,
  CHALLENGE: 0x02,
  PROVE: 0x03,
  WELCOME: 0x04,
  REGISTER_SEALED: 0x05,
  PHONEBOOK_REQUEST: 0x10,
  PHONEBOOK_PAGE: 0x11,
  PHONEBOOK_DELTA: 0x12,
  PRESENCE_WATCH: 0x13,
  GET_PUBLIC_KEY: 0x20,
  PUBLIC_KEY: 0x21,
  GET_CONSISTENCY: 0x22,
  CONSISTENCY: 0x23,
  ROTATE_KEY: 0x24,
  CALL_REQUEST: 0x30,
  INCOMING_CALL: 0x31,
  CALL_RESPONSE: 0x32,
  CALL_END: 0x33,
  CALL_RESUME: 0x34,
  MEDIA_GRANT: 0x35,
  PING: 0x40,
  PONG: 0x41,
  ERROR: 0x7f,
} as const;

/** Name of a control message, e.g. `'REGISTER'`. */
export type MessageTypeName = keyof typeof MessageType;

/** Protocol version carried in the first byte of every control-message payload. */
export const PROTOCOL_VERSION = 1;

/** Which side may send a message: a client, a relay, or either of them. */
export type MessageSender = 'client' | 'relay' | 'either';
