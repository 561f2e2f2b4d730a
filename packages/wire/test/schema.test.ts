import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../src/codec/byte-reader.js';
import { ByteWriter } from '../src/codec/byte-writer.js';
import {
  bool,
  bytes,
  enumOf,
  list,
  optional,
  struct,
  structOf,
  u8,
  u16,
  u32,
  u64,
  utf8,
  varBytes,
  variant,
} from '../src/codec/schema.js';
import { decodeValue } from '../src/codec/schema-decode.js';
import { measureValue, writeValue } from '../src/codec/schema-encode.js';
import { utf8ByteLength } from '../src/codec/utf8.js';
import { defineMessage } from '../src/messages/message-definition.js';
import { arbitraryFor } from './support/arbitraries.js';
import { expectWireError } from './support/expect-error.js';
import { toHex } from './support/hex.js';

describe('schema builders refuse schemas the codec could not handle safely', () => {
  it.each([
    ['a zero-length fixed field', () => bytes(0)],
    ['a byte maximum beyond a u16 prefix', () => varBytes(0x10000)],
    ['a string maximum of zero', () => utf8(0)],
    ['a fractional list maximum', () => list(u8, 1.5)],
    ['an empty enum', () => enumOf([])],
    ['a duplicated enum value', () => enumOf(['a', 'a'])],
    ['a list of zero-size items', () => list(struct({}), 4)],
    ['an array-index field name (JavaScript reorders those)', () => struct({ a: u8, 0: u8 })],
    ['a __proto__ field name', () => struct(JSON.parse('{"__proto__": {"kind": "u8", "minSize": 1}}'))],
    ['an empty variant', () => variant('by', {})],
    ['a variant field named like its discriminant', () => variant('by', { x: struct({ by: u8 }) })],
    [
      'a message field named type',
      () =>
        defineMessage<{ type: 'PING' }>()(
          'PING',
          'client',
          struct({ type: u8 }) as never,
          undefined as never,
        ),
    ],
  ])('%s', (_label, build) => {
    expectWireError(build, 'WIRE_ERR_INVALID_ARGUMENT');
  });

  it('computes minimum sizes used to bound list counts', () => {
    expect(struct({ a: u8, b: bytes(32), c: varBytes(9), d: optional(u8), e: list(u8, 3) }).minSize).toBe(
      1 + 32 + 2 + 1 + 2,
    );
    expect(variant('by', { a: struct({ x: bytes(4) }), b: struct({ y: u8 }) }).minSize).toBe(2);
    expect(structOf<{ a: number }>()({ a: u8 }).minSize).toBe(1);
  });
});

describe('utf8ByteLength', () => {
  it('agrees with TextEncoder on well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
      }),
      { numRuns: 2000 },
    );
  });

  it('flags lone surrogates with -1', () => {
    expect(utf8ByteLength('\uD800')).toBe(-1);
    expect(utf8ByteLength('\uDFFF')).toBe(-1);
    expect(utf8ByteLength('x\uD83D')).toBe(-1);
    expect(utf8ByteLength('\uD83D\uDE00')).toBe(4);
  });
});

describe('the generic codec', () => {
  const everyKind = struct({
    a: u8,
    b: u16,
    c: u32,
    d: u64,
    e: bool,
    f: bytes(3),
    g: varBytes(5),
    h: utf8(9),
    i: enumOf(['x', 'y', 'z']),
    j: optional(list(struct({ k: u8, l: optional(bool) }), 3)),
    m: variant('tag', { one: struct({ n: u8 }), two: struct({ o: utf8(4), p: bytes(2) }) }),
  });

  it('round-trips every field kind, byte for byte (fast-check)', () => {
    fc.assert(
      fc.property(arbitraryFor(everyKind), (value) => {
        const size = measureValue(value, everyKind, '');
        const writer = new ByteWriter(size);
        writeValue(writer, value, everyKind);
        const reader = new ByteReader(writer.bytes);
        const decoded = decodeValue(reader, everyKind, '');
        expect(reader.remaining).toBe(0);
        expect(decoded).toStrictEqual(value);
        const again = new ByteWriter(size);
        writeValue(again, decoded, everyKind);
        expect(toHex(again.bytes)).toBe(toHex(writer.bytes));
      }),
      { numRuns: 500 },
    );
  });
});
