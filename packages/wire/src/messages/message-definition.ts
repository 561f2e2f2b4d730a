import type { SchemaMatches, StructSchema } from '../codec/schema.js';
import { WireError } from '../errors.js';
import { type MessageSender, MessageType, type MessageTypeName } from './message-type.js';

/** A catalogue entry: name, wire id, who may send it, and the schema of its fields. */
export interface MessageDefinition<N extends MessageTypeName = MessageTypeName> {
  readonly name: N;
  readonly id: number;
  readonly sender: MessageSender;
  readonly schema: StructSchema;
}

/**
 * Declares a message. Curried so the interface `T` is given explicitly while the schema's type is
 * inferred; the rest parameter turns any difference between the documented interface and the schema
 * into a compile error, so the two cannot drift apart.
 */
export function defineMessage<T extends { type: MessageTypeName }>() {
  return <S extends StructSchema>(
    name: T['type'],
    sender: MessageSender,
    schema: S,
    ..._proof: SchemaMatches<S, Omit<T, 'type'>> extends true ? [] : [never]
  ): MessageDefinition<T['type']> => {
    // `type` is the discriminant on the decoded object; a field with that name would collide with it.
    if (Object.hasOwn(schema.fields, 'type')) {
      throw new WireError('WIRE_ERR_INVALID_ARGUMENT', `message ${name} has a field named "type"`);
    }
    return { name, id: MessageType[name], sender, schema };
  };
}
