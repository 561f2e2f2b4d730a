/**
 * fast-check arbitraries derived from the schemas themselves, so every message and every field kind
 * is generated without a hand-written generator that could drift from the catalogue.
 */
import fc from 'fast-check';
import type { Schema, StructSchema } from '../../src/codec/schema.js';
import { utf8ByteLength } from '../../src/codec/utf8.js';
import type { ControlMessage } from '../../src/index.js';
import { MESSAGE_DEFINITIONS } from '../../src/messages/catalogue.js';
import type { MessageDefinition } from '../../src/messages/message-definition.js';

/** Longest byte field generated in the common case (maxima are also generated, at low weight). */
const TYPICAL_BYTES = 48;
/** Most list items generated. */
const TYPICAL_ITEMS = 4;

function bytesUpTo(max: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: Math.min(max, TYPICAL_BYTES) }), weight: 9 },
    { arbitrary: fc.uint8Array({ minLength: max, maxLength: max }), weight: 1 },
  );
}

function stringUpTo(maxBytes: number): fc.Arbitrary<string> {
  const anyText = fc
    .string({ unit: 'binary', maxLength: Math.min(maxBytes, TYPICAL_BYTES) })
    .filter((s) => utf8ByteLength(s) <= maxBytes);
  return fc.oneof(
    { arbitrary: anyText, weight: 8 },
    // A leading byte-order mark must survive as U+FEFF (canonical encoding).
    { arbitrary: anyText.map((s) => `\uFEFF${s}`).filter((s) => utf8ByteLength(s) <= maxBytes), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary-ascii', minLength: maxBytes, maxLength: maxBytes }), weight: 1 },
  );
}

function fieldsArbitrary(schema: StructSchema): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(schema.fields)) {
    if (field.kind === 'optional') {
      model[name] = arbitraryFor(field.inner);
    } else {
      model[name] = arbitraryFor(field);
      required.push(name);
    }
  }
  // fc.record builds null-prototype objects when some keys are optional; decoded values are plain objects.
  return fc.record(model, { requiredKeys: required }).map((record) => ({ ...record }));
}

/** Values of `schema`, including its boundaries. */
export function arbitraryFor(schema: Schema): fc.Arbitrary<unknown> {
  switch (schema.kind) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case 'u64':
      return fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER));
    case 'bool':
      return fc.boolean();
    case 'bytes':
      return fc.uint8Array({ minLength: schema.length, maxLength: schema.length });
    case 'varBytes':
      return bytesUpTo(schema.maxLength);
    case 'string':
      return stringUpTo(schema.maxBytes);
    case 'enum':
      return fc.constantFrom(...schema.values);
    case 'optional':
      return fc.option(arbitraryFor(schema.inner), { nil: undefined });
    case 'list':
      return fc.array(arbitraryFor(schema.item), { maxLength: Math.min(schema.maxCount, TYPICAL_ITEMS) });
    case 'struct':
      return fieldsArbitrary(schema);
    case 'variant':
      return fc.oneof(
        ...schema.tags.map((tag) =>
          fieldsArbitrary(schema.variants[tag]!).map((fields) => ({ [schema.discriminant]: tag, ...fields })),
        ),
      );
  }
}

/** Messages of one definition. */
export function messageArbitrary(definition: MessageDefinition): fc.Arbitrary<ControlMessage> {
  return fieldsArbitrary(definition.schema).map(
    (fields) => ({ type: definition.name, ...fields }) as unknown as ControlMessage,
  );
}

/** Messages of every type. */
export const anyMessage: fc.Arbitrary<ControlMessage> = fc.oneof(
  ...MESSAGE_DEFINITIONS.map(messageArbitrary),
);
