import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MessageError } from '../src/index.js';
import { MESSAGE_DEFINITIONS } from '../src/messages/catalogue.js';
import { anyMessage, messageArbitrary } from './support/arbitraries.js';
import { expectWireError } from './support/expect-error.js';
import { fixtures } from './support/fixtures.js';
import { toHex } from './support/hex.js';

describe.each(MESSAGE_DEFINITIONS.map((d) => [d.name, d] as const))(
  '%s (fast-check)',
  (_name, definition) => {
    it('encode → decode is the identity', () => {
      fc.assert(
        fc.property(messageArbitrary(definition), (message) => {
          expect(decodeMessage(encodeMessage(message))).toStrictEqual(message);
        }),
        { numRuns: 200 },
      );
    });

    it('decode → encode gives back the same bytes', () => {
      fc.assert(
        fc.property(messageArbitrary(definition), (message) => {
          const bytes = encodeMessage(message);
          expect(toHex(encodeMessage(decodeMessage(bytes)))).toBe(toHex(bytes));
        }),
        { numRuns: 200 },
      );
    });

    it('every truncation of a valid encoding is WIRE_ERR_TRUNCATED', () => {
      fc.assert(
        fc.property(messageArbitrary(definition), (message) => {
          const bytes = encodeMessage(message);
          for (let length = 0; length < bytes.length; length++) {
            expectWireError(() => decodeMessage(bytes.subarray(0, length)), 'WIRE_ERR_TRUNCATED');
          }
        }),
        { numRuns: 20 },
      );
    });
  },
);

describe('truncation of the fixtures', () => {
  it.each(fixtures)('%s: every prefix is truncated and names a field', (_label, message) => {
    const bytes = encodeMessage(message);
    for (let length = 0; length < bytes.length; length++) {
      const error = expectWireError(() => decodeMessage(bytes.subarray(0, length)), 'WIRE_ERR_TRUNCATED');
      expect((error as MessageError).field).toMatch(/^[A-Za-z]/);
    }
  });
});

describe('canonical encoding', () => {
  it('a valid encoding with any byte changed either fails with a MessageError or is itself canonical', () => {
    // If two byte strings decoded to the same value, re-encoding one of them would give the other's bytes.
    const mutation = anyMessage.chain((message) => {
      const bytes = encodeMessage(message);
      return fc.tuple(
        fc.constant(bytes),
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
      );
    });
    fc.assert(
      fc.property(mutation, ([original, index, value]) => {
        const bytes = original.slice();
        bytes[index] = value;
        let decoded: ReturnType<typeof decodeMessage>;
        try {
          decoded = decodeMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MessageError);
          return;
        }
        expect(toHex(encodeMessage(decoded))).toBe(toHex(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('distinct messages never share an encoding', () => {
    fc.assert(
      fc.property(anyMessage, anyMessage, (a, b) => {
        const same = toHex(encodeMessage(a)) === toHex(encodeMessage(b));
        expect(same).toBe(toHex(encodeMessage(decodeMessage(encodeMessage(a)))) === toHex(encodeMessage(b)));
        if (same) expect(decodeMessage(encodeMessage(a))).toStrictEqual(decodeMessage(encodeMessage(b)));
      }),
      { numRuns: 500 },
    );
  });
});
