/**
 * Declarative schemas for the control-message encoding (docs/protocol.md "Encoding rules").
 *
 * A schema is plain data; one generic encoder (schema-encode.ts) and one generic decoder
 * (schema-decode.ts) walk it. Every kind has exactly one byte form, which is what makes the encoding
 * canonical. Every length and count has a per-field maximum, and every kind has a minimum encoded
 * size, so the decoder can check a count against the bytes that remain before it allocates anything.
 */
import { WireError } from '../errors.js';

/** Length prefixes and list counts are u16, so no per-field maximum can exceed this. */
export const MAX_PREFIXED_LENGTH = 0xffff;

interface SizedSchema {
  /** Fewest bytes any value of this schema encodes to. */
  readonly minSize: number;
}

/** Unsigned big-endian integer; `u64` values are JavaScript numbers ≤ 2^53 − 1. */
export interface IntegerSchema extends SizedSchema {
  readonly kind: 'u8' | 'u16' | 'u32' | 'u64';
}

/** One byte, 0 (false) or 1 (true); any other byte is malformed. */
export interface BoolSchema extends SizedSchema {
  readonly kind: 'bool';
}

/** Exactly `length` opaque bytes, no prefix. */
export interface FixedBytesSchema extends SizedSchema {
  readonly kind: 'bytes';
  readonly length: number;
}

/** u16 length, then that many opaque bytes, at most `maxLength`. */
export interface VarBytesSchema extends SizedSchema {
  readonly kind: 'varBytes';
  readonly maxLength: number;
}

/** u16 byte length, then well-formed UTF-8 of at most `maxBytes` bytes. */
export interface StringSchema extends SizedSchema {
  readonly kind: 'string';
  readonly maxBytes: number;
}

/** One byte: the index of the value in `values` (a closed set). */
export interface EnumSchema<V extends string = string> extends SizedSchema {
  readonly kind: 'enum';
  readonly values: readonly V[];
}

/** Presence byte 0 (absent) or 1 (present, then the value). */
export interface OptionalSchema<S extends Schema = Schema> extends SizedSchema {
  readonly kind: 'optional';
  readonly inner: S;
}

/** u16 count, then that many items, at most `maxCount`. */
export interface ListSchema<S extends Schema = Schema> extends SizedSchema {
  readonly kind: 'list';
  readonly item: S;
  readonly maxCount: number;
}

/** Named fields in declaration order (the order of the object literal), each in its own byte form. */
export type Fields = { readonly [name: string]: Schema };

/** The fields one after another, in schema order, with no tags or separators. */
export interface StructSchema<F extends Fields = Fields> extends SizedSchema {
  readonly kind: 'struct';
  readonly fields: F;
}

export type Variants = { readonly [tag: string]: StructSchema };

/**
 * A tagged union of structs: one byte, the index of the tag in declaration order, then that
 * variant's fields. In the decoded value the tag is the property named `discriminant`.
 */
export interface VariantSchema<D extends string = string, V extends Variants = Variants> extends SizedSchema {
  readonly kind: 'variant';
  readonly discriminant: D;
  readonly variants: V;
  readonly tags: readonly (keyof V & string)[];
}

/** Every field kind. */
export type Schema =
  | IntegerSchema
  | BoolSchema
  | FixedBytesSchema
  | VarBytesSchema
  | StringSchema
  | EnumSchema
  | OptionalSchema
  | ListSchema
  | StructSchema
  | VariantSchema;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema ? never : K }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends OptionalSchema ? K : never }[keyof F];

/** The TypeScript type of the values a struct's fields describe; optional fields become `?:`. */
export type InferFields<F extends Fields> = Simplify<
  { [K in RequiredKeys<F>]: Infer<F[K]> } & {
    [K in OptionalKeys<F>]?: F[K] extends OptionalSchema<infer I> ? Infer<I> : never;
  }
>;

type InferVariant<D extends string, V extends Variants> = {
  [T in keyof V & string]: Simplify<{ [K in D]: T } & InferFields<V[T]['fields']>>;
}[keyof V & string];

/** The TypeScript type of the values a schema describes. */
export type Infer<S> = S extends IntegerSchema
  ? number
  : S extends BoolSchema
    ? boolean
    : S extends FixedBytesSchema | VarBytesSchema
      ? Uint8Array
      : S extends StringSchema
        ? string
        : S extends EnumSchema<infer V>
          ? V
          : S extends OptionalSchema<infer I>
            ? Infer<I> | undefined
            : S extends ListSchema<infer I>
              ? readonly Infer<I>[]
              : S extends StructSchema<infer F>
                ? InferFields<F>
                : S extends VariantSchema<infer D, infer V>
                  ? InferVariant<D, V>
                  : never;

/**
 * `true` when the schema's inferred type and `T` are mutually assignable. The message files use it
 * to prove at compile time that each documented interface and its schema describe the same values.
 */
export type SchemaMatches<S extends Schema, T> = [Infer<S>] extends [T]
  ? [T] extends [Infer<S>]
    ? true
    : false
  : false;

function invalidSchema(detail: string): never {
  throw new WireError('WIRE_ERR_INVALID_ARGUMENT', `invalid schema: ${detail}`);
}

function requireLimit(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > MAX_PREFIXED_LENGTH) {
    invalidSchema(`${what} must be an integer in [${min}, ${MAX_PREFIXED_LENGTH}]`);
  }
}

/** Unsigned 8-bit integer. */
export const u8: IntegerSchema = { kind: 'u8', minSize: 1 };
/** Unsigned 16-bit big-endian integer. */
export const u16: IntegerSchema = { kind: 'u16', minSize: 2 };
/** Unsigned 32-bit big-endian integer. */
export const u32: IntegerSchema = { kind: 'u32', minSize: 4 };
/** Unsigned 64-bit big-endian integer, restricted to 0 … 2^53 − 1 (a JavaScript number). */
export const u64: IntegerSchema = { kind: 'u64', minSize: 8 };
/** Boolean as one byte 0 or 1. */
export const bool: BoolSchema = { kind: 'bool', minSize: 1 };

/** Exactly `length` bytes. */
export function bytes(length: number): FixedBytesSchema {
  requireLimit(length, 1, 'fixed length');
  return { kind: 'bytes', length, minSize: length };
}

/** Length-prefixed bytes, at most `maxLength`. */
export function varBytes(maxLength: number): VarBytesSchema {
  requireLimit(maxLength, 1, 'maxLength');
  return { kind: 'varBytes', maxLength, minSize: 2 };
}

/** Length-prefixed UTF-8 text, at most `maxBytes` bytes once encoded. */
export function utf8(maxBytes: number): StringSchema {
  requireLimit(maxBytes, 1, 'maxBytes');
  return { kind: 'string', maxBytes, minSize: 2 };
}

/** A closed set of string values, sent as the index of the value. */
export function enumOf<const V extends readonly string[]>(values: V): EnumSchema<V[number]> {
  if (values.length === 0 || values.length > 256 || new Set(values).size !== values.length) {
    invalidSchema('an enum needs 1 to 256 distinct values');
  }
  return { kind: 'enum', values, minSize: 1 };
}

/** A field that may be absent. */
export function optional<S extends Schema>(inner: S): OptionalSchema<S> {
  return { kind: 'optional', inner, minSize: 1 };
}

/** A counted list of at most `maxCount` items. */
export function list<S extends Schema>(item: S, maxCount: number): ListSchema<S> {
  requireLimit(maxCount, 1, 'maxCount');
  // A zero-size item would let a tiny frame announce 65535 items; every item costs at least a byte.
  if (item.minSize < 1) invalidSchema('list items must encode to at least one byte');
  return { kind: 'list', item, maxCount, minSize: 2 };
}

/**
 * Names that would not survive a plain object literal in order or at all: array-index keys are
 * reordered by JavaScript, `__proto__` sets the prototype instead of a property.
 */
function checkFieldName(name: string): void {
  if (/^(0|[1-9]\d*)$/.test(name) || name === '__proto__')
    invalidSchema(`field name "${name}" is not allowed`);
}

/** Fields in the order they are written. */
export function struct<const F extends Fields>(fields: F): StructSchema<F> {
  let minSize = 0;
  for (const name of Object.keys(fields)) {
    checkFieldName(name);
    minSize += fields[name]!.minSize;
  }
  return { kind: 'struct', fields, minSize };
}

/**
 * {@link struct} checked against a documented interface `T`: curried so `T` is given explicitly while
 * the fields' type is inferred, and any difference between the two is a compile error.
 */
export function structOf<T>() {
  return <const F extends Fields>(
    fields: F,
    ..._proof: SchemaMatches<StructSchema<F>, T> extends true ? [] : [never]
  ): StructSchema<F> => struct(fields);
}

/** A tagged union of structs; the tag is stored in the property `discriminant`. */
export function variant<const D extends string, const V extends Variants>(
  discriminant: D,
  variants: V,
): VariantSchema<D, V> {
  const tags = Object.keys(variants) as (keyof V & string)[];
  if (tags.length === 0 || tags.length > 256) invalidSchema('a variant needs 1 to 256 tags');
  let smallest = Number.POSITIVE_INFINITY;
  for (const tag of tags) {
    checkFieldName(tag);
    const body = variants[tag]!;
    if (Object.hasOwn(body.fields, discriminant)) {
      invalidSchema(`variant "${tag}" has a field named like the discriminant "${discriminant}"`);
    }
    smallest = Math.min(smallest, body.minSize);
  }
  return { kind: 'variant', discriminant, variants, tags, minSize: 1 + smallest };
}
