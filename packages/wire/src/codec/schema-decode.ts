/**
 * The generic decoder: walks a schema over a {@link ByteReader}. It throws only MessageError, never
 * loops more than the bytes allow and never allocates more than the payload it reads: byte fields are
 * copied once, and a list count is checked against the bytes that remain (count × the item's minimum
 * size) before the list is built (docs/protocol.md "Encoding rules").
 */
import { MessageError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { fieldPath, itemPath } from './field-path.js';
import type { Schema, StructSchema } from './schema.js';
import { decodeUtf8 } from './utf8.js';

/** 2^53 − 1 split at 32 bits: the largest high word a u64 field may carry. */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

function tooLong(field: string, length: number, max: number, unit: string): MessageError {
  return new MessageError('WIRE_ERR_FIELD_TOO_LONG', field, `${length} ${unit} exceed the maximum of ${max}`);
}

function malformed(field: string, detail: string): MessageError {
  return new MessageError('WIRE_ERR_MALFORMED', field, detail);
}

export function decodeValue(reader: ByteReader, schema: Schema, path: string): unknown {
  switch (schema.kind) {
    case 'u8':
      return reader.u8(path);
    case 'u16':
      return reader.u16(path);
    case 'u32':
      return reader.u32(path);
    case 'u64': {
      const high = reader.u32(path);
      const low = reader.u32(path);
      if (high > MAX_SAFE_HIGH_WORD) throw malformed(path, 'u64 value exceeds 2^53 - 1');
      return high * 0x1_0000_0000 + low;
    }
    case 'bool': {
      const byte = reader.u8(path);
      if (byte > 1) throw malformed(path, `boolean byte must be 0 or 1, got ${byte}`);
      return byte === 1;
    }
    case 'bytes':
      return reader.copy(schema.length, path);
    case 'varBytes': {
      const length = reader.u16(path);
      if (length > schema.maxLength) throw tooLong(path, length, schema.maxLength, 'bytes');
      return reader.copy(length, path);
    }
    case 'string': {
      const length = reader.u16(path);
      if (length > schema.maxBytes) throw tooLong(path, length, schema.maxBytes, 'bytes');
      const text = decodeUtf8(reader.view(length, path));
      if (text === undefined) throw malformed(path, 'string is not well-formed UTF-8');
      return text;
    }
    case 'enum': {
      const index = reader.u8(path);
      const value = schema.values[index];
      if (value === undefined) throw malformed(path, `enum index ${index} is not defined`);
      return value;
    }
    case 'optional': {
      const presence = reader.u8(path);
      if (presence === 0) return undefined;
      if (presence !== 1) throw malformed(path, `presence byte must be 0 or 1, got ${presence}`);
      return decodeValue(reader, schema.inner, path);
    }
    case 'list': {
      const count = reader.u16(path);
      if (count > schema.maxCount) throw tooLong(path, count, schema.maxCount, 'items');
      reader.need(count * schema.item.minSize, path);
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) items.push(decodeValue(reader, schema.item, itemPath(path, i)));
      return items;
    }
    case 'struct':
      return decodeFields(reader, schema, path, {});
    case 'variant': {
      const index = reader.u8(path);
      const tag = schema.tags[index];
      if (tag === undefined) throw malformed(path, `variant index ${index} is not defined`);
      return decodeFields(reader, schema.variants[tag]!, path, { [schema.discriminant]: tag });
    }
  }
}

/** Decodes a struct's fields into `into` (which may already hold a discriminant), in schema order. */
export function decodeFields(
  reader: ByteReader,
  schema: StructSchema,
  path: string,
  into: Record<string, unknown>,
): Record<string, unknown> {
  for (const name of Object.keys(schema.fields)) {
    const value = decodeValue(reader, schema.fields[name]!, fieldPath(path, name));
    if (value !== undefined) into[name] = value;
  }
  return into;
}
