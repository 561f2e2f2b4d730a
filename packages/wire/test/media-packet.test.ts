import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkMediaPacket,
  DEFAULT_MAX_MEDIA_PACKET_SIZE,
  decodeMediaPacket,
  encodeMediaHeader,
  encodeMediaPacket,
  MEDIA_HEADER_SIZE,
  MEDIA_NONCE_SIZE,
  MEDIA_TAG_SIZE,
  type MediaHeader,
  MediaPacketError,
  MediaPacketType,
  type MediaPacketTypeName,
  peekSessionId,
} from '../src/index.js';
import { expectWireError } from './support/expect-error.js';
import { fromHex, toHex } from './support/hex.js';

const header: MediaHeader = {
  type: 'DATA',
  direction: 'callee-to-caller',
  sessionId: 0x0102_0304,
  sequence: 0x0506_0708,
  timestamp: 0x090a_0b0c,
};
const tag = new Uint8Array(MEDIA_TAG_SIZE).fill(0xaa);

/** A valid packet: header hex, then `bodyLength` bytes. */
function packet(headerHex: string, bodyLength: number): Uint8Array {
  const head = fromHex(headerHex);
  const out = new Uint8Array(head.length + bodyLength);
  out.set(head);
  return out;
}

const headerArbitrary: fc.Arbitrary<MediaHeader> = fc.record({
  type: fc.constantFrom(...(Object.keys(MediaPacketType) as MediaPacketTypeName[])),
  direction: fc.constantFrom('caller-to-callee' as const, 'callee-to-caller' as const),
  sessionId: fc.integer({ min: 0, max: 0xffff_ffff }),
  sequence: fc.integer({ min: 0, max: 0xffff_ffff }),
  timestamp: fc.integer({ min: 0, max: 0xffff_ffff }),
});

const packetArbitrary = headerArbitrary.chain((h) =>
  fc
    .uint8Array({
      minLength: MEDIA_TAG_SIZE,
      maxLength: h.type === 'DATA' ? DEFAULT_MAX_MEDIA_PACKET_SIZE - MEDIA_HEADER_SIZE : MEDIA_TAG_SIZE,
    })
    .map((body) => (h.type === 'BIND_CONFIRM' ? new Uint8Array(32).fill(body[0] ?? 0) : body))
    .map((body) => ({ ...h, body })),
);

describe('media header layout (docs/protocol.md byte diagram)', () => {
  it('puts version|type, flags, sessionId, sequence and timestamp at fixed offsets', () => {
    expect(toHex(encodeMediaHeader(header))).toBe('1101' + '01020304' + '05060708' + '090a0b0c');
    expect(toHex(encodeMediaHeader({ ...header, type: 'BIND', direction: 'caller-to-callee' }))).toMatch(
      /^1200/,
    );
    expect(toHex(encodeMediaHeader({ ...header, type: 'BIND_ACK' }))).toMatch(/^1301/);
    expect(toHex(encodeMediaHeader({ ...header, type: 'KEEPALIVE' }))).toMatch(/^1401/);
    expect(toHex(encodeMediaHeader({ ...header, type: 'BIND_CHALLENGE' }))).toMatch(/^1501/);
    expect(toHex(encodeMediaHeader({ ...header, type: 'BIND_CONFIRM' }))).toMatch(/^1601/);
    expect(MEDIA_HEADER_SIZE).toBe(14);
  });

  it('decodes the header and returns header and body as views of the input', () => {
    const bytes = encodeMediaPacket({ ...header, body: fromHex(`0102 ${toHex(tag)}`) });
    const decoded = decodeMediaPacket(bytes);
    expect(decoded).toMatchObject(header);
    expect(decoded.header.buffer).toBe(bytes.buffer);
    expect(decoded.header.byteOffset).toBe(0);
    expect(decoded.header.length).toBe(14);
    expect(decoded.body.buffer).toBe(bytes.buffer);
    expect(decoded.body.byteOffset).toBe(14);
    expect(toHex(decoded.body)).toBe(`0102${toHex(tag)}`);
  });

  it('decodes a packet inside a larger buffer (subarray at an offset)', () => {
    const bytes = encodeMediaPacket({ ...header, body: tag });
    const big = new Uint8Array(100);
    big.set(bytes, 37);
    const view = big.subarray(37, 37 + bytes.length);
    const decoded = decodeMediaPacket(view);
    expect(decoded).toMatchObject(header);
    expect(decoded.header.byteOffset).toBe(37);
    expect(peekSessionId(view)).toBe(0x0102_0304);
  });
});

describe('round trips', () => {
  it.each(Object.keys(MediaPacketType) as MediaPacketTypeName[])('%s', (type) => {
    for (const direction of ['caller-to-callee', 'callee-to-caller'] as const) {
      const body =
        type === 'DATA'
          ? new Uint8Array(160 + MEDIA_TAG_SIZE).fill(3)
          : type === 'BIND_CONFIRM'
            ? new Uint8Array(MEDIA_NONCE_SIZE + MEDIA_TAG_SIZE).fill(4)
            : tag;
      const bytes = encodeMediaPacket({ ...header, type, direction, body });
      expect(decodeMediaPacket(bytes)).toMatchObject({ ...header, type, direction });
      expect(checkMediaPacket(bytes)).toBeUndefined();
    }
  });

  it('encode → decode is the identity and the header bytes equal encodeMediaHeader (fast-check)', () => {
    fc.assert(
      fc.property(packetArbitrary, (p) => {
        const bytes = encodeMediaPacket(p);
        const decoded = decodeMediaPacket(bytes);
        const { header: head, body, ...fields } = decoded;
        expect({ ...fields, body: Uint8Array.from(body) }).toStrictEqual(p);
        expect(toHex(head)).toBe(toHex(encodeMediaHeader(p)));
        expect(peekSessionId(bytes)).toBe(p.sessionId);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('rejection rules', () => {
  const valid = '11 00 00000001 00000002 00000003';

  it('too short for a header', () => {
    for (let n = 0; n < MEDIA_HEADER_SIZE; n++) {
      expectWireError(() => decodeMediaPacket(new Uint8Array(n).fill(0x11)), 'WIRE_ERR_MEDIA_TRUNCATED');
    }
  });

  it.each([0, 2, 3, 15])('version %i', (version) => {
    const bytes = packet(valid, 16);
    bytes[0] = (version << 4) | 1;
    expectWireError(() => decodeMediaPacket(bytes), 'WIRE_ERR_MEDIA_UNSUPPORTED_VERSION');
  });

  it.each([0, 7, 9, 15])('unassigned type %i', (type) => {
    const bytes = packet(valid, 16);
    bytes[0] = 0x10 | type;
    expectWireError(() => decodeMediaPacket(bytes), 'WIRE_ERR_MEDIA_UNKNOWN_TYPE');
  });

  it.each([1, 2, 3, 4, 5, 6, 7])('reserved flag bit %i set', (bit) => {
    for (const direction of [0, 1]) {
      const bytes = packet(valid, 16);
      bytes[1] = (1 << bit) | direction;
      expectWireError(() => decodeMediaPacket(bytes), 'WIRE_ERR_MEDIA_BAD_FLAGS');
    }
  });

  it('DATA needs at least one tag of body', () => {
    expectWireError(() => decodeMediaPacket(packet(valid, 15)), 'WIRE_ERR_MEDIA_TRUNCATED');
    expect(decodeMediaPacket(packet(valid, 16)).body.length).toBe(16);
  });

  it.each(['12', '13', '14', '15'])(
    'control type byte %s needs exactly one tag (or nonce) of body',
    (first) => {
      const head = `${first} 00 00000001 00000002 00000003`;
      expectWireError(() => decodeMediaPacket(packet(head, 15)), 'WIRE_ERR_MEDIA_TRUNCATED');
      expect(decodeMediaPacket(packet(head, 16)).body.length).toBe(16);
      expectWireError(() => decodeMediaPacket(packet(head, 17)), 'WIRE_ERR_MEDIA_TRAILING_BYTES');
    },
  );

  it('BIND_CONFIRM needs exactly a nonce and a tag of body', () => {
    const head = '16 00 00000001 00000002 00000003';
    expectWireError(() => decodeMediaPacket(packet(head, 31)), 'WIRE_ERR_MEDIA_TRUNCATED');
    expect(decodeMediaPacket(packet(head, 32))).toMatchObject({ type: 'BIND_CONFIRM' });
    expect(decodeMediaPacket(packet(head, 32)).body.length).toBe(32);
    expectWireError(() => decodeMediaPacket(packet(head, 33)), 'WIRE_ERR_MEDIA_TRAILING_BYTES');
  });

  it('accepts exactly the maximum packet size and refuses one byte more', () => {
    const atMax = packet(valid, DEFAULT_MAX_MEDIA_PACKET_SIZE - MEDIA_HEADER_SIZE);
    expect(decodeMediaPacket(atMax).body.length).toBe(1186);
    const over = packet(valid, DEFAULT_MAX_MEDIA_PACKET_SIZE - MEDIA_HEADER_SIZE + 1);
    expectWireError(() => decodeMediaPacket(over), 'WIRE_ERR_MEDIA_TOO_LARGE');
    expect(decodeMediaPacket(over, { maxPacketSize: 1201 }).body.length).toBe(1187);
    expectWireError(
      () => decodeMediaPacket(packet(valid, 50), { maxPacketSize: 63 }),
      'WIRE_ERR_MEDIA_TOO_LARGE',
    );
  });

  it.each([29, 65_508, 1.5, -1])('refuses maxPacketSize %s', (maxPacketSize) => {
    expectWireError(
      () => decodeMediaPacket(packet(valid, 16), { maxPacketSize }),
      'WIRE_ERR_INVALID_ARGUMENT',
    );
    expectWireError(() => peekSessionId(packet(valid, 16), { maxPacketSize }), 'WIRE_ERR_INVALID_ARGUMENT');
  });

  it('checkMediaPacket reports the code without throwing; peekSessionId gives undefined for junk', () => {
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(5), 'WIRE_ERR_MEDIA_TRUNCATED'],
      [packet('21 00 00000001 00000002 00000003', 16), 'WIRE_ERR_MEDIA_UNSUPPORTED_VERSION'],
      [packet('10 00 00000001 00000002 00000003', 16), 'WIRE_ERR_MEDIA_UNKNOWN_TYPE'],
      [packet('11 02 00000001 00000002 00000003', 16), 'WIRE_ERR_MEDIA_BAD_FLAGS'],
      [packet('12 00 00000001 00000002 00000003', 17), 'WIRE_ERR_MEDIA_TRAILING_BYTES'],
      [packet(valid, 2000), 'WIRE_ERR_MEDIA_TOO_LARGE'],
    ];
    for (const [bytes, code] of cases) {
      expect(checkMediaPacket(bytes)).toBe(code);
      expect(peekSessionId(bytes)).toBeUndefined();
    }
    expect(peekSessionId(packet('11 01 ffffffff 00000002 00000003', 16))).toBe(0xffff_ffff);
    expect(peekSessionId(Buffer.from(packet(valid, 16)))).toBe(1);
  });

  it('refuses non-byte input with a typed error', () => {
    expectWireError(() => decodeMediaPacket('x' as unknown as Uint8Array), 'WIRE_ERR_INVALID_ARGUMENT');
    expectWireError(() => peekSessionId(null as unknown as Uint8Array), 'WIRE_ERR_INVALID_ARGUMENT');
  });
});

describe('encoding validates', () => {
  it.each([-1, 1.5, 2 ** 32, Number.NaN, '1'])('refuses sessionId, sequence and timestamp %s', (value) => {
    for (const field of ['sessionId', 'sequence', 'timestamp']) {
      const bad = { ...header, [field]: value } as unknown as MediaHeader;
      expectWireError(() => encodeMediaHeader(bad), 'WIRE_ERR_MEDIA_MALFORMED');
    }
  });

  it('refuses an unknown type or direction', () => {
    expectWireError(
      () => encodeMediaHeader({ ...header, type: 'AUDIO' as MediaPacketTypeName }),
      'WIRE_ERR_MEDIA_UNKNOWN_TYPE',
    );
    expectWireError(
      () => encodeMediaHeader({ ...header, type: 'toString' as MediaPacketTypeName }),
      'WIRE_ERR_MEDIA_UNKNOWN_TYPE',
    );
    expectWireError(
      () => encodeMediaHeader({ ...header, direction: 'up' as 'caller-to-callee' }),
      'WIRE_ERR_MEDIA_MALFORMED',
    );
    expectWireError(() => encodeMediaHeader(null as unknown as MediaHeader), 'WIRE_ERR_MEDIA_MALFORMED');
  });

  it('applies the decoder rules to the body', () => {
    expectWireError(
      () => encodeMediaPacket({ ...header, body: new Uint8Array(15) }),
      'WIRE_ERR_MEDIA_TRUNCATED',
    );
    expectWireError(
      () => encodeMediaPacket({ ...header, type: 'BIND', body: new Uint8Array(17) }),
      'WIRE_ERR_MEDIA_TRAILING_BYTES',
    );
    expectWireError(
      () => encodeMediaPacket({ ...header, body: new Uint8Array(1187) }),
      'WIRE_ERR_MEDIA_TOO_LARGE',
    );
    expect(encodeMediaPacket({ ...header, body: new Uint8Array(1186) }).length).toBe(1200);
    expectWireError(
      () => encodeMediaPacket({ ...header, body: [1, 2] as unknown as Uint8Array }),
      'WIRE_ERR_MEDIA_MALFORMED',
    );
  });

  it('raises MediaPacketError instances', () => {
    expect(() => decodeMediaPacket(new Uint8Array(3))).toThrow(MediaPacketError);
  });
});
