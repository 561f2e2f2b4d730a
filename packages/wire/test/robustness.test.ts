/**
 * Whatever bytes arrive, the decoders return a value or throw their own typed error — never another
 * exception, never a hang (docs/design.md §3: malformed messages never crash or stall the relay).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkMediaPacket,
  decodeMediaPacket,
  decodeMessage,
  encodeMediaPacket,
  encodeMessage,
  MediaPacketError,
  MessageError,
  MessageType,
  peekSessionId,
  WIRE_ERROR_CODES,
} from '../src/index.js';
import { anyMessage } from './support/arbitraries.js';

function decodeOrMessageError(bytes: Uint8Array): void {
  try {
    const message = decodeMessage(bytes);
    expect(encodeMessage(message)).toEqual(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(MessageError);
    expect(WIRE_ERROR_CODES).toContain((error as MessageError).code);
  }
}

const assignedIds = Object.values(MessageType);

describe('decodeMessage on arbitrary bytes', () => {
  it('random payloads', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodeOrMessageError), { numRuns: 5000 });
  });

  it('random fields behind a valid version and type (reaches deep into every schema)', () => {
    const payload = fc
      .tuple(fc.constantFrom(...assignedIds), fc.uint8Array({ maxLength: 800 }))
      .map(([id, rest]) => Uint8Array.of(1, id, ...rest));
    fc.assert(fc.property(payload, decodeOrMessageError), { numRuns: 5000 });
  });

  it('valid messages with random bytes inserted, deleted or overwritten', () => {
    const edited = anyMessage.chain((message) => {
      const bytes = encodeMessage(message);
      return fc
        .tuple(fc.nat({ max: bytes.length }), fc.nat({ max: 8 }), fc.uint8Array({ maxLength: 8 }))
        .map(([at, remove, insert]) =>
          Uint8Array.of(
            ...bytes.subarray(0, at),
            ...insert,
            ...bytes.subarray(Math.min(bytes.length, at + remove)),
          ),
        );
    });
    fc.assert(fc.property(edited, decodeOrMessageError), { numRuns: 3000 });
  });

  it('huge announced lengths and counts in a tiny payload fail fast', () => {
    for (const id of assignedIds) {
      const started = performance.now();
      decodeOrMessageError(Uint8Array.of(1, id, ...new Uint8Array(40).fill(0xff)));
      expect(performance.now() - started).toBeLessThan(100);
    }
  });
});

describe('media packets on arbitrary bytes', () => {
  it('decodeMediaPacket returns a packet or a MediaPacketError; valid packets re-encode to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1300 }), (bytes) => {
        const code = checkMediaPacket(bytes);
        try {
          const packet = decodeMediaPacket(bytes);
          expect(code).toBeUndefined();
          expect(peekSessionId(bytes)).toBe(packet.sessionId);
          const { header: _header, ...fields } = packet;
          expect(encodeMediaPacket(fields)).toEqual(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaPacketError);
          expect((error as MediaPacketError).code).toBe(code);
          expect(peekSessionId(bytes)).toBeUndefined();
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('packets with a plausible first byte reach every check', () => {
    const plausible = fc
      .tuple(
        fc.integer({ min: 0x10, max: 0x1f }),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 40 }),
      )
      .map(([first, flags, rest]) => Uint8Array.of(first, flags, ...new Uint8Array(12), ...rest));
    fc.assert(
      fc.property(plausible, (bytes) => {
        try {
          decodeMediaPacket(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaPacketError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
