import { describe, expect, it } from 'vitest';
import {
  type ControlMessage,
  decodeMessage,
  encodeMessage,
  MESSAGE_SENDER,
  type MessageError,
  MessageType,
  type MessageTypeName,
  PROTOCOL_VERSION,
} from '../src/index.js';
import { expectWireError } from './support/expect-error.js';
import { fixtureOf, fixtures, pattern } from './support/fixtures.js';
import { fromHex, toHex } from './support/hex.js';

const encode = (m: unknown) => encodeMessage(m as ControlMessage);

describe('hand-written fixtures', () => {
  it('cover every message type', () => {
    const covered = new Set(fixtures.map(([, m]) => m.type));
    expect([...covered].sort()).toEqual(Object.keys(MessageType).sort());
  });

  it.each(fixtures)('%s round-trips (encode → decode → encode)', (_label, message) => {
    const bytes = encodeMessage(message);
    expect(bytes[0]).toBe(PROTOCOL_VERSION);
    expect(bytes[1]).toBe(MessageType[message.type]);
    const decoded = decodeMessage(bytes);
    expect(decoded).toStrictEqual(message);
    expect(toHex(encodeMessage(decoded))).toBe(toHex(bytes));
  });
});

describe('golden bytes (hand-computed from docs/protocol.md)', () => {
  const vectors: readonly (readonly [string, ControlMessage, string])[] = [
    [
      'GET_PUBLIC_KEY by name',
      { type: 'GET_PUBLIC_KEY', requestId: 7, target: { by: 'name', name: 'alice' } },
      '01 20 00000007 00 0005 616c696365',
    ],
    [
      'GET_PUBLIC_KEY by id',
      { type: 'GET_PUBLIC_KEY', requestId: 1, target: { by: 'clientId', clientId: pattern(32, 0) } },
      `01 20 00000001 01 ${toHex(pattern(32, 0))}`,
    ],
    [
      'GET_CONSISTENCY, toSize absent',
      { type: 'GET_CONSISTENCY', requestId: 1, fromSize: 5 },
      '01 22 00000001 0000000000000005 00',
    ],
    [
      'GET_CONSISTENCY, toSize present',
      { type: 'GET_CONSISTENCY', requestId: 1, fromSize: 5, toSize: 2 ** 32 },
      '01 22 00000001 0000000000000005 01 0000000100000000',
    ],
    [
      'CALL_END',
      { type: 'CALL_END', callId: pattern(16, 0), reason: 'timeout' },
      '01 33 000102030405060708090a0b0c0d0e0f 04',
    ],
    [
      'PING',
      { type: 'PING', nonce: pattern(8, 1), sentAt: 1_700_000_000_000 },
      '01 40 0102030405060708 0000018bcfe56800',
    ],
    [
      'PONG',
      {
        type: 'PONG',
        nonce: pattern(8, 1),
        load: { clients: 1, calls: 2, packetsPerSecond: 3, capacity: 4 },
      },
      '01 41 0102030405060708 00000001 00000002 00000003 00000004',
    ],
    [
      'ERROR',
      { type: 'ERROR', requestId: 9, code: 'WIRE_ERR_MALFORMED', message: 'x', fatal: true },
      `01 7f 01 00000009 0012 ${toHex(new TextEncoder().encode('WIRE_ERR_MALFORMED'))} 0001 78 01`,
    ],
    [
      'PHONEBOOK_DELTA',
      {
        type: 'PHONEBOOK_DELTA',
        changes: [{ kind: 'offline', contact: { clientId: pattern(32, 0), name: 'é', online: false } }],
      },
      `01 12 0001 02 ${toHex(pattern(32, 0))} 0002 c3a9 00`,
    ],
  ];

  it.each(vectors)('%s', (_label, message, hex) => {
    expect(toHex(encodeMessage(message))).toBe(hex.replace(/\s+/g, ''));
    expect(decodeMessage(fromHex(hex))).toStrictEqual(message);
  });
});

describe('payload header', () => {
  it('rejects an empty payload and a lone version byte as truncated', () => {
    expectWireError(() => decodeMessage(new Uint8Array(0)), 'WIRE_ERR_TRUNCATED', 'version');
    expectWireError(() => decodeMessage(fromHex('01')), 'WIRE_ERR_TRUNCATED', 'type');
  });

  it.each([0, 2, 0x7f, 0xff])('rejects protocol version %i', (version) => {
    const bytes = encodeMessage(fixtureOf('PING'));
    bytes[0] = version;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_UNSUPPORTED_VERSION', 'version');
  });

  it('checks the version before the type', () => {
    expectWireError(() => decodeMessage(fromHex('02 00')), 'WIRE_ERR_UNSUPPORTED_VERSION', 'version');
  });

  it('rejects every unassigned type id', () => {
    const assigned = new Set<number>(Object.values(MessageType));
    for (let id = 0; id < 256; id++) {
      if (assigned.has(id)) continue;
      expectWireError(() => decodeMessage(Uint8Array.of(1, id)), 'WIRE_ERR_UNKNOWN_TYPE', 'type');
    }
  });

  it('rejects an unknown type name when encoding', () => {
    expectWireError(() => encode({ type: 'HELLO' }), 'WIRE_ERR_UNKNOWN_TYPE', 'type');
    expectWireError(() => encode({ type: 'toString' }), 'WIRE_ERR_UNKNOWN_TYPE', 'type');
    expectWireError(() => encode(null), 'WIRE_ERR_MALFORMED', 'type');
  });

  it('rejects trailing bytes', () => {
    for (const [, message] of fixtures) {
      const bytes = encodeMessage(message);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      const error = expectWireError(() => decodeMessage(longer), 'WIRE_ERR_TRAILING_BYTES');
      expect((error as MessageError).field).toBeUndefined();
    }
  });

  it('rejects non-byte input with a typed error', () => {
    expectWireError(() => decodeMessage('0120' as unknown as Uint8Array), 'WIRE_ERR_INVALID_ARGUMENT');
    expectWireError(
      () => decodeMessage(fromHex('0140'), { from: 'server' as 'relay' }),
      'WIRE_ERR_INVALID_ARGUMENT',
    );
  });
});

describe('sender check', () => {
  const clientOnly = Object.entries(MESSAGE_SENDER).filter(([, s]) => s === 'client');
  const relayOnly = Object.entries(MESSAGE_SENDER).filter(([, s]) => s === 'relay');

  it('refuses relay messages from a client and client messages from a relay, before reading fields', () => {
    for (const [name] of relayOnly) {
      const header = Uint8Array.of(1, MessageType[name as MessageTypeName]);
      expectWireError(() => decodeMessage(header, { from: 'client' }), 'WIRE_ERR_WRONG_SENDER', 'type');
    }
    for (const [name] of clientOnly) {
      const header = Uint8Array.of(1, MessageType[name as MessageTypeName]);
      expectWireError(() => decodeMessage(header, { from: 'relay' }), 'WIRE_ERR_WRONG_SENDER', 'type');
    }
  });

  it('accepts each message from its sender, and either-side messages from both', () => {
    for (const [, message] of fixtures) {
      const sender = MESSAGE_SENDER[message.type];
      const bytes = encodeMessage(message);
      for (const from of ['client', 'relay'] as const) {
        if (sender === from || sender === 'either')
          expect(decodeMessage(bytes, { from })).toStrictEqual(message);
      }
    }
  });

  it('names the senders the protocol needs', () => {
    expect(MESSAGE_SENDER.INCOMING_CALL).toBe('relay');
    expect(MESSAGE_SENDER.WELCOME).toBe('relay');
    expect(MESSAGE_SENDER.REGISTER).toBe('client');
    expect(MESSAGE_SENDER.CALL_END).toBe('either');
    expect(clientOnly.length + relayOnly.length).toBeGreaterThan(10);
  });
});

describe('decoding names the field at fault', () => {
  it('an over-long signature inside the tree head', () => {
    const message = fixtureOf('CHALLENGE') as Extract<ControlMessage, { type: 'CHALLENGE' }>;
    const withMax = { ...message, treeHead: { ...message.treeHead, signature: pattern(1024, 0) } };
    const bytes = encodeMessage(withMax);
    // version, type, relayPublicKey, relayNonce, sealedChallenge, size, root, mapRoot, time, logId
    const at = 2 + (2 + 550) + 32 + (2 + 512) + 8 + 32 + 32 + 8 + 32;
    expect((bytes[at]! << 8) | bytes[at + 1]!).toBe(1024);
    bytes[at + 1] = 1; // 1024 → 1025
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_FIELD_TOO_LONG', 'treeHead.signature');
  });

  it('a bad boolean in the last contact of a page', () => {
    const bytes = encodeMessage(fixtureOf('PHONEBOOK_PAGE'));
    expect(bytes.at(-1)).toBe(1);
    bytes[bytes.length - 1] = 2;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_MALFORMED', 'page.contacts[2].online');
  });

  it('a bad boolean at the top level', () => {
    const bytes = encodeMessage(fixtureOf('ERROR'));
    bytes[bytes.length - 1] = 0xff;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_MALFORMED', 'fatal');
  });

  it('an undefined enum index', () => {
    const bytes = encodeMessage(fixtureOf('CALL_RESPONSE'));
    bytes[2 + 16] = 3;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_MALFORMED', 'decision');
  });

  it('an undefined enum index inside a list item', () => {
    const bytes = encodeMessage(fixtureOf('PHONEBOOK_DELTA'));
    bytes[2 + 2] = 4;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_MALFORMED', 'changes[0].kind');
  });

  it('an undefined variant index', () => {
    const bytes = encodeMessage(fixtureOf('GET_PUBLIC_KEY'));
    bytes[6] = 2;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_MALFORMED', 'target');
  });

  it('a presence byte other than 0 or 1', () => {
    const bytes = encodeMessage(fixtureOf('ERROR'));
    expect(bytes[2]).toBe(1);
    bytes[2] = 2;
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_MALFORMED', 'requestId');
  });

  it('a u64 above 2^53 − 1, while 2^53 − 1 itself is accepted', () => {
    const max = fromHex('01 40 0000000000000000 001fffffffffffff');
    expect(decodeMessage(max)).toMatchObject({ type: 'PING', sentAt: Number.MAX_SAFE_INTEGER });
    expectWireError(
      () => decodeMessage(fromHex('01 40 0000000000000000 0020000000000000')),
      'WIRE_ERR_MALFORMED',
      'sentAt',
    );
    expectWireError(
      () => decodeMessage(fromHex('01 40 0000000000000000 ffffffffffffffff')),
      'WIRE_ERR_MALFORMED',
      'sentAt',
    );
  });

  it.each([
    ['a stray continuation byte', '80'],
    ['an invalid byte', 'ff'],
    ['an overlong NUL', 'c080'],
    ['an encoded surrogate', 'eda080'],
    ['a code point above U+10FFFF', 'f4908080'],
    ['a cut multi-byte sequence', 'e282'],
  ])('a name holding %s (fatal UTF-8 decoding)', (_label, bad) => {
    const length = (bad.length / 2).toString(16).padStart(4, '0');
    const payload = fromHex(`01 01 ${length} ${bad} 0000 ${'00'.repeat(32)} 0000000000000000`);
    expectWireError(() => decodeMessage(payload), 'WIRE_ERR_MALFORMED', 'name');
  });

  it('a list count above the maximum', () => {
    const bytes = encodeMessage(fixtureOf('PHONEBOOK_DELTA'));
    bytes[2] = 0x01; // count 3 → 259 > 256
    expectWireError(() => decodeMessage(bytes), 'WIRE_ERR_FIELD_TOO_LONG', 'changes');
  });

  it('a list count the remaining bytes cannot hold is refused before any item is read', () => {
    // 64 entries announced (the maximum), none present: the count check fires on the list itself,
    // not on directory[0], so no list of 64 entries is ever built from a short frame.
    const bytes = encodeMessage(fixtureOf('CHALLENGE'));
    expect(bytes.at(-1)).toBe(0); // directory absent
    const truncated = new Uint8Array(bytes.length + 2);
    truncated.set(bytes);
    truncated.set([1, 0x00, 0x40], bytes.length - 1);
    expectWireError(() => decodeMessage(truncated), 'WIRE_ERR_TRUNCATED', 'directory');
  });

  it('a byte length above the field maximum', () => {
    const payload = fromHex('01 03 0801'); // PROVE.sealed announcing 2049 bytes
    expectWireError(() => decodeMessage(payload), 'WIRE_ERR_FIELD_TOO_LONG', 'sealed');
  });

  it('a string length above the field maximum', () => {
    const payload = fromHex(`01 01 0041 ${'61'.repeat(65)}`);
    expectWireError(() => decodeMessage(payload), 'WIRE_ERR_FIELD_TOO_LONG', 'name');
  });
});

describe('strings are canonical', () => {
  it('keep a leading byte-order mark instead of dropping it', () => {
    const bytes = fromHex(`01 01 0006 efbbbf626f62 0000 ${'00'.repeat(32)} 0000000000000000`);
    const decoded = decodeMessage(bytes);
    expect(decoded).toMatchObject({ type: 'REGISTER', name: '\uFEFFbob' });
    expect(toHex(encodeMessage(decoded))).toBe(toHex(bytes));
  });

  it('are not normalised (NFC and NFD stay distinct byte strings)', () => {
    const nfc = { type: 'GET_PUBLIC_KEY', requestId: 1, target: { by: 'name', name: 'Zo\u00eb' } } as const;
    const nfd = { type: 'GET_PUBLIC_KEY', requestId: 1, target: { by: 'name', name: 'Zoe\u0308' } } as const;
    expect(toHex(encodeMessage(nfc))).not.toBe(toHex(encodeMessage(nfd)));
    expect(decodeMessage(encodeMessage(nfd))).toStrictEqual(nfd);
  });
});

describe('decoded byte fields', () => {
  it('are fresh copies: changing the payload afterwards changes nothing', () => {
    const bytes = encodeMessage(fixtureOf('PROVE'));
    const decoded = decodeMessage(bytes) as Extract<ControlMessage, { type: 'PROVE' }>;
    const before = toHex(decoded.sealed);
    bytes.fill(0);
    expect(toHex(decoded.sealed)).toBe(before);
    expect(decoded.sealed.buffer).not.toBe(bytes.buffer);
  });

  it('decode from a subarray at an offset and from a Buffer', () => {
    const bytes = encodeMessage(fixtureOf('WELCOME'));
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    expect(decodeMessage(padded.subarray(3, 3 + bytes.length))).toStrictEqual(fixtureOf('WELCOME'));
    const decoded = decodeMessage(Buffer.from(bytes)) as Extract<ControlMessage, { type: 'WELCOME' }>;
    expect(Object.getPrototypeOf(decoded.clientId)).toBe(Uint8Array.prototype);
  });
});

describe('encoding validates against the schema', () => {
  const call = fixtureOf('CALL_RESPONSE');

  it('refuses properties the schema does not name', () => {
    expectWireError(
      () => encode({ ...fixtureOf('PING'), address: '10.0.0.1' }),
      'WIRE_ERR_MALFORMED',
      'address',
    );
    const welcome = fixtureOf('WELCOME') as Extract<ControlMessage, { type: 'WELCOME' }>;
    const withPort = {
      ...welcome,
      phonebook: { ...welcome.phonebook, contacts: [{ ...welcome.phonebook.contacts[0], port: 4000 }] },
    };
    expectWireError(() => encode(withPort), 'WIRE_ERR_MALFORMED', 'phonebook.contacts[0].port');
  });

  it('refuses missing and mistyped fields', () => {
    const { root: _root, ...headWithoutRoot } = (
      fixtureOf('PUBLIC_KEY') as Extract<ControlMessage, { type: 'PUBLIC_KEY' }>
    ).treeHead;
    expectWireError(
      () => encode({ ...fixtureOf('PUBLIC_KEY'), treeHead: headWithoutRoot }),
      'WIRE_ERR_MALFORMED',
      'treeHead.root',
    );
    expectWireError(
      () => encode({ ...fixtureOf('PUBLIC_KEY'), treeHead: null }),
      'WIRE_ERR_MALFORMED',
      'treeHead',
    );
    expectWireError(
      () => encode({ ...fixtureOf('PUBLIC_KEY'), inclusionProof: 'x' }),
      'WIRE_ERR_MALFORMED',
      'inclusionProof',
    );
    expectWireError(() => encode({ ...fixtureOf('ERROR'), fatal: 1 }), 'WIRE_ERR_MALFORMED', 'fatal');
    expectWireError(() => encode({ ...fixtureOf('ERROR'), code: 42 }), 'WIRE_ERR_MALFORMED', 'code');
    expectWireError(
      () => encode({ ...fixtureOf('PROVE'), sealed: [1, 2, 3] }),
      'WIRE_ERR_MALFORMED',
      'sealed',
    );
    expectWireError(
      () => encode({ ...fixtureOf('PROVE'), sealed: new Uint16Array(4) }),
      'WIRE_ERR_MALFORMED',
      'sealed',
    );
  });

  it('refuses wrong fixed lengths', () => {
    expectWireError(() => encode({ ...call, callId: pattern(15, 0) }), 'WIRE_ERR_MALFORMED', 'callId');
    expectWireError(() => encode({ ...call, ephemeral: pattern(33, 0) }), 'WIRE_ERR_MALFORMED', 'ephemeral');
    const proof = [pattern(32, 0), pattern(31, 0)];
    expectWireError(
      () => encode({ ...fixtureOf('PUBLIC_KEY'), inclusionProof: proof }),
      'WIRE_ERR_MALFORMED',
      'inclusionProof[1]',
    );
  });

  it.each([-1, 1.5, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY, '7'])(
    'refuses requestId %s',
    (requestId) => {
      expectWireError(
        () => encode({ ...fixtureOf('PHONEBOOK_REQUEST'), requestId }),
        'WIRE_ERR_MALFORMED',
        'requestId',
      );
    },
  );

  it('accepts integer boundaries and refuses one past them', () => {
    const req = fixtureOf('PHONEBOOK_REQUEST');
    expect(() => encode({ ...req, requestId: 2 ** 32 - 1, limit: 0xffff })).not.toThrow();
    expectWireError(() => encode({ ...req, limit: 0x10000 }), 'WIRE_ERR_MALFORMED', 'limit');
    const ping = fixtureOf('PING');
    expect(() => encode({ ...ping, sentAt: Number.MAX_SAFE_INTEGER })).not.toThrow();
    expectWireError(() => encode({ ...ping, sentAt: 2 ** 53 }), 'WIRE_ERR_MALFORMED', 'sentAt');
  });

  it('refuses values outside an enum', () => {
    expectWireError(() => encode({ ...call, decision: 'maybe' }), 'WIRE_ERR_MALFORMED', 'decision');
    expectWireError(() => encode({ ...call, decision: 'toString' }), 'WIRE_ERR_MALFORMED', 'decision');
  });

  it('refuses bad variants', () => {
    const lookup = fixtureOf('GET_PUBLIC_KEY');
    expectWireError(
      () => encode({ ...lookup, target: { by: 'email', name: 'x' } }),
      'WIRE_ERR_MALFORMED',
      'target.by',
    );
    expectWireError(
      () => encode({ ...lookup, target: { by: '__proto__' } }),
      'WIRE_ERR_MALFORMED',
      'target.by',
    );
    expectWireError(
      () => encode({ ...lookup, target: { by: 'name', name: 'x', clientId: pattern(32, 0) } }),
      'WIRE_ERR_MALFORMED',
      'target.clientId',
    );
    expectWireError(() => encode({ ...lookup, target: 'bob' }), 'WIRE_ERR_MALFORMED', 'target');
  });

  it('measures strings in UTF-8 bytes, not UTF-16 units', () => {
    const register = fixtureOf('REGISTER');
    expect(() => encode({ ...register, name: 'a'.repeat(64) })).not.toThrow();
    expectWireError(() => encode({ ...register, name: 'a'.repeat(65) }), 'WIRE_ERR_FIELD_TOO_LONG', 'name');
    expect(() => encode({ ...register, name: '𝄞'.repeat(16) })).not.toThrow(); // 64 bytes, 32 units
    expectWireError(() => encode({ ...register, name: '𝄞'.repeat(17) }), 'WIRE_ERR_FIELD_TOO_LONG', 'name');
    expectWireError(() => encode({ ...register, name: 'ü'.repeat(33) }), 'WIRE_ERR_FIELD_TOO_LONG', 'name');
  });

  it('refuses lone surrogates instead of replacing them with U+FFFD', () => {
    const register = fixtureOf('REGISTER');
    expectWireError(() => encode({ ...register, name: 'a\uD800' }), 'WIRE_ERR_MALFORMED', 'name');
    expectWireError(() => encode({ ...register, name: '\uDC00b' }), 'WIRE_ERR_MALFORMED', 'name');
    expectWireError(() => encode({ ...register, name: '\uD800\uD800' }), 'WIRE_ERR_MALFORMED', 'name');
  });

  it('refuses byte and list lengths above the maxima, and accepts the maxima', () => {
    const confirm = new Uint8Array(32);
    expect(() => encode({ type: 'PROVE', sealed: new Uint8Array(2048), confirm })).not.toThrow();
    expectWireError(
      () => encode({ type: 'PROVE', sealed: new Uint8Array(2049), confirm }),
      'WIRE_ERR_FIELD_TOO_LONG',
      'sealed',
    );
    const proof = (n: number) => Array.from({ length: n }, () => new Uint8Array(32));
    const lookup = fixtureOf('PUBLIC_KEY');
    expect(() => encode({ ...lookup, inclusionProof: proof(64) })).not.toThrow();
    expectWireError(
      () => encode({ ...lookup, inclusionProof: proof(65) }),
      'WIRE_ERR_FIELD_TOO_LONG',
      'inclusionProof',
    );
  });

  it('treats an optional field set to undefined as absent', () => {
    const withUndefined = {
      type: 'CALL_RESUME',
      callId: pattern(16, 0),
      peer: pattern(32, 0),
      lastSequence: undefined,
    };
    const without = { type: 'CALL_RESUME', callId: pattern(16, 0), peer: pattern(32, 0) };
    expect(toHex(encode(withUndefined))).toBe(toHex(encode(without)));
    expectWireError(() => encode({ ...without, lastSequence: null }), 'WIRE_ERR_MALFORMED', 'lastSequence');
  });

  it('accepts a Buffer for byte fields and decodes to a plain Uint8Array', () => {
    const prove = { type: 'PROVE', sealed: Buffer.from([1, 2, 3]), confirm: Buffer.alloc(32, 7) } as const;
    expect(decodeMessage(encodeMessage(prove))).toStrictEqual({
      type: 'PROVE',
      sealed: Uint8Array.of(1, 2, 3),
      confirm: new Uint8Array(32).fill(7),
    });
  });
});

describe('size against JSON with base64url byte fields (the comparison in docs/protocol.md)', () => {
  const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  const jsonSize = (message: ControlMessage) =>
    Buffer.byteLength(JSON.stringify(message, (_key, v) => (v instanceof Uint8Array ? base64url(v) : v)));

  it('the binary form is smaller for every fixture', () => {
    for (const [, message] of fixtures) expect(encodeMessage(message).length).toBeLessThan(jsonSize(message));
  });

  it.each([
    ['CHALLENGE with directory', 3555, 5039],
    ['WELCOME', 2764, 4220],
    ['CALL_REQUEST', 1452, 1999],
    ['PING', 18, 60],
  ])('%s: %i bytes binary, %i bytes JSON', (label, binary, json) => {
    const message = fixtures.find(([l]) => l === label)![1];
    expect(encodeMessage(message).length).toBe(binary);
    expect(jsonSize(message)).toBe(json);
  });
});
