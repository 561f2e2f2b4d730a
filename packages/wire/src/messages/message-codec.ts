/**
 * Control-message payloads: `[u8 protocolVersion][u8 messageType][fields in schema order]`, nothing
 * after (docs/protocol.md "Encoding rules"). One byte form per message, so both ends can hash the
 * handshake transcript over these bytes.
 */
import { requireBytes } from '../argument-checks.js';
import { ByteReader } from '../codec/byte-reader.js';
import { ByteWriter } from '../codec/byte-writer.js';
import { decodeFields } from '../codec/schema-decode.js';
import { measureFields, writeFields } from '../codec/schema-encode.js';
import { MessageError, WireError } from '../errors.js';
import { type ControlMessage, definitionById, definitionByName } from './catalogue.js';
import { PROTOCOL_VERSION } from './message-type.js';

/** Bytes before the fields: version and type. */
const PAYLOAD_HEADER_SIZE = 2;

/** Options of {@link decodeMessage}. */
export interface DecodeMessageOptions {
  /**
   * The side the payload came from. When given, a message that side may not send (a client sending
   * INCOMING_CALL or WELCOME, a relay sending REGISTER) is refused with WIRE_ERR_WRONG_SENDER before
   * its fields are read.
   */
  from?: 'client' | 'relay';
}

/**
 * Encodes a control message into its payload (frame it with `encodeFrame`). The message is validated
 * against its schema first — types, fixed lengths, maxima, enum values, no unknown properties — so
 * nothing is sent that a peer would refuse. Throws {@link MessageError}.
 */
export function encodeMessage(message: ControlMessage): Uint8Array {
  if (typeof message !== 'object' || message === null) {
    throw new MessageError('WIRE_ERR_MALFORMED', 'type', 'message must be an object');
  }
  const definition = definitionByName(message.type);
  if (definition === undefined) {
    throw new MessageError('WIRE_ERR_UNKNOWN_TYPE', 'type', 'not a message type of this protocol version');
  }
  const fields = message as unknown as Record<string, unknown>;
  const size = PAYLOAD_HEADER_SIZE + measureFields(fields, definition.schema, '', 'type');
  const writer = new ByteWriter(size);
  writer.u8(PROTOCOL_VERSION);
  writer.u8(definition.id);
  writeFields(writer, fields, definition.schema);
  return writer.bytes;
}

/**
 * Decodes one control-message payload. For any byte input it throws only {@link MessageError}: WIRE_ERR_UNSUPPORTED_VERSION,
 * WIRE_ERR_UNKNOWN_TYPE, WIRE_ERR_WRONG_SENDER, WIRE_ERR_TRUNCATED, WIRE_ERR_MALFORMED,
 * WIRE_ERR_FIELD_TOO_LONG or WIRE_ERR_TRAILING_BYTES, with `field` naming the field at fault.
 * Byte fields of the result are fresh copies owned by the caller. A non-Uint8Array argument or a bad
 * option gives WIRE_ERR_INVALID_ARGUMENT.
 */
export function decodeMessage(payload: Uint8Array, options?: DecodeMessageOptions): ControlMessage {
  requireBytes(payload, 'payload');
  const from = options?.from;
  if (from !== undefined && from !== 'client' && from !== 'relay') {
    throw new WireError('WIRE_ERR_INVALID_ARGUMENT', 'options.from must be "client" or "relay"');
  }
  const reader = new ByteReader(payload);
  const version = reader.u8('version');
  if (version !== PROTOCOL_VERSION) {
    throw new MessageError(
      'WIRE_ERR_UNSUPPORTED_VERSION',
      'version',
      `protocol version ${version} is not supported`,
    );
  }
  const id = reader.u8('type');
  const definition = definitionById(id);
  if (definition === undefined) {
    throw new MessageError('WIRE_ERR_UNKNOWN_TYPE', 'type', `message type ${id} is not defined`);
  }
  if (from !== undefined && definition.sender !== 'either' && definition.sender !== from) {
    throw new MessageError('WIRE_ERR_WRONG_SENDER', 'type', `${definition.name} is never sent by a ${from}`);
  }
  const message = decodeFields(reader, definition.schema, '', { type: definition.name });
  if (reader.remaining > 0) {
    throw new MessageError(
      'WIRE_ERR_TRAILING_BYTES',
      undefined,
      `${reader.remaining} bytes after the message`,
    );
  }
  return message as unknown as ControlMessage;
}
