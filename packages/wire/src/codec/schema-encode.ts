/**
 * The generic encoder: one pass measures and validates a value against its schema (so a value the
 * decoder would refuse is never sent), a second writes it into a buffer of exactly that size.
 * Everything the decoder rejects the encoder rejects too, with the same code and field path.
 */
import { isUint8Array } from '../argument-checks.js';
import { MessageError } from '../errors.js';
import type { ByteWriter } from './byte-writer.js';
import { fieldPath, itemPath } from './field-path.js';
import type { Schema, StructSchema } from './schema.js';
import { utf8ByteLength } from './utf8.js';

const INTEGER_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffff_ffff, u64: Number.MAX_SAFE_INTEGER } as const;

function malformed(field: string, detail: string): MessageError {
  return new MessageError('WIRE_ERR_MALFORMED', field, detail);
}

function tooLong(field: string, length: number, max: number, unit: string): MessageError {
  return new MessageError('WIRE_ERR_FIELD_TOO_LONG', field, `${length} ${unit} exceed the maximum of ${max}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUint8Array(value);
}

/** Validates `value` against `schema` and returns its encoded size in bytes. */
export function measureValue(value: unknown, schema: Schema, path: string): number {
  switch (schema.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u64': {
      const max = INTEGER_MAX[schema.kind];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
        throw malformed(path, `must be an integer in [0, ${max}]`);
      }
      return schema.minSize;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw malformed(path, 'must be a boolean');
      return 1;
    case 'bytes':
      if (!isUint8Array(value) || value.length !== schema.length) {
        throw malformed(path, `must be a Uint8Array of exactly ${schema.length} bytes`);
      }
      return schema.length;
    case 'varBytes':
      if (!isUint8Array(value)) throw malformed(path, 'must be a Uint8Array');
      if (value.length > schema.maxLength) throw tooLong(path, value.length, schema.maxLength, 'bytes');
      return 2 + value.length;
    case 'string': {
      if (typeof value !== 'string') throw malformed(path, 'must be a string');
      // A UTF-16 code unit never takes fewer than one UTF-8 byte: reject huge strings without scanning.
      if (value.length > schema.maxBytes) throw tooLong(path, value.length, schema.maxBytes, 'bytes');
      const length = utf8ByteLength(value);
      if (length < 0) throw malformed(path, 'string holds a lone surrogate, which UTF-8 cannot carry');
      if (length > schema.maxBytes) throw tooLong(path, length, schema.maxBytes, 'bytes');
      return 2 + length;
    }
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) {
        throw malformed(path, `must be one of ${schema.values.join(', ')}`);
      }
      return 1;
    case 'optional':
      return value === undefined ? 1 : 1 + measureValue(value, schema.inner, path);
    case 'list': {
      if (!Array.isArray(value)) throw malformed(path, 'must be an array');
      if (value.length > schema.maxCount) throw tooLong(path, value.length, schema.maxCount, 'items');
      let size = 2;
      for (let i = 0; i < value.length; i++) size += measureValue(value[i], schema.item, itemPath(path, i));
      return size;
    }
    case 'struct':
      if (!isRecord(value)) throw malformed(path, 'must be an object');
      return measureFields(value, schema, path, undefined);
    case 'variant': {
      if (!isRecord(value)) throw malformed(path, 'must be an object');
      const tag = value[schema.discriminant];
      if (typeof tag !== 'string' || !Object.hasOwn(schema.variants, tag)) {
        throw malformed(fieldPath(path, schema.discriminant), `must be one of ${schema.tags.join(', ')}`);
      }
      return 1 + measureFields(value, schema.variants[tag]!, path, schema.discriminant);
    }
  }
}

/**
 * Validates a struct's fields and returns their encoded size. Properties the schema does not name
 * are refused rather than dropped, so a value is never silently different from what gets sent;
 * `extraKey` is the one allowed extra (a discriminant: the message `type` or a variant tag).
 */
export function measureFields(
  value: Record<string, unknown>,
  schema: StructSchema,
  path: string,
  extraKey: string | undefined,
): number {
  for (const key of Object.keys(value)) {
    if (key !== extraKey && !Object.hasOwn(schema.fields, key)) {
      throw malformed(fieldPath(path, key), 'is not a field of this message');
    }
  }
  let size = 0;
  for (const name of Object.keys(schema.fields)) {
    size += measureValue(value[name], schema.fields[name]!, fieldPath(path, name));
  }
  return size;
}

/** Writes a value already validated by {@link measureValue}. */
export function writeValue(writer: ByteWriter, value: unknown, schema: Schema): void {
  switch (schema.kind) {
    case 'u8':
      writer.u8(value as number);
      return;
    case 'u16':
      writer.u16(value as number);
      return;
    case 'u32':
      writer.u32(value as number);
      return;
    case 'u64':
      writer.u64(value as number);
      return;
    case 'bool':
      writer.u8(value ? 1 : 0);
      return;
    case 'bytes':
      writer.raw(value as Uint8Array);
      return;
    case 'varBytes':
      writer.u16((value as Uint8Array).length);
      writer.raw(value as Uint8Array);
      return;
    case 'string': {
      const length = utf8ByteLength(value as string);
      writer.u16(length);
      writer.utf8(value as string, length);
      return;
    }
    case 'enum':
      writer.u8(schema.values.indexOf(value as string));
      return;
    case 'optional':
      if (value === undefined) {
        writer.u8(0);
      } else {
        writer.u8(1);
        writeValue(writer, value, schema.inner);
      }
      return;
    case 'list': {
      const items = value as readonly unknown[];
      writer.u16(items.length);
      for (const item of items) writeValue(writer, item, schema.item);
      return;
    }
    case 'struct':
      writeFields(writer, value as Record<string, unknown>, schema);
      return;
    case 'variant': {
      const tag = (value as Record<string, unknown>)[schema.discriminant] as string;
      writer.u8(schema.tags.indexOf(tag));
      writeFields(writer, value as Record<string, unknown>, schema.variants[tag]!);
      return;
    }
  }
}

export function writeFields(writer: ByteWriter, value: Record<string, unknown>, schema: StructSchema): void {
  for (const name of Object.keys(schema.fields)) writeValue(writer, value[name], schema.fields[name]!);
}
