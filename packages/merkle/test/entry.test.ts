/** Canonical directory-entry encoding: round trip, exact layout, and refusal of every non-canonical form. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DirectoryEntry,
  decodeEntry,
  EncodingError,
  encodeEntry,
  entryLeafHash,
  hashLeaf,
  InvalidFieldError,
  InvalidNumberError,
  MerkleError,
  NameNotNfcError,
  SHA3_256,
} from '../src/index.js';

const entry: DirectoryEntry = {
  index: 5,
  clientId: new Uint8Array(32).fill(0xab),
  name: 'Jürgen',
  publicKey: Uint8Array.of(0x30, 0x82, 0x01, 0x22),
  time: 1_700_000_000_123,
};

describe('encodeEntry / decodeEntry', () => {
  it('writes the documented layout', () => {
    const bytes = encodeEntry(entry);
    const label = Buffer.from('leitung/key-directory/entry\0', 'latin1');
    const expected = Buffer.concat([
      label,
      Buffer.from([1]),
      Buffer.from('0000000000000005', 'hex'),
      Buffer.alloc(32, 0xab),
      Buffer.from([0, 7]),
      Buffer.from('Jürgen', 'utf8'),
      Buffer.from([0, 4, 0x30, 0x82, 0x01, 0x22]),
      Buffer.from('0000018bcfe5687b', 'hex'),
    ]);
    expect(Buffer.from(bytes).toString('hex')).toBe(expected.toString('hex'));
  });

  it('round-trips, including u64 values up to 2^53 − 1 and a leading U+FEFF in the name', () => {
    const big = { ...entry, index: Number.MAX_SAFE_INTEGER, time: 2 ** 32, name: '\uFEFFx' };
    expect(decodeEntry(encodeEntry(big))).toEqual(big);
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('writes a key rotation as version 2 with the replaced clientId and the signature after time', () => {
    const rotated: DirectoryEntry = {
      ...entry,
      rotation: { previous: new Uint8Array(32).fill(0xcd), signature: Uint8Array.of(9, 8, 7) },
    };
    const plain = Buffer.from(encodeEntry(entry));
    const bytes = Buffer.from(encodeEntry(rotated));
    const versionAt = 'leitung/key-directory/entry\0'.length;
    expect(bytes[versionAt]).toBe(2);
    // Apart from the version byte, a rotation entry is the plain entry with the two fields appended.
    expect(bytes.subarray(versionAt + 1, plain.length).equals(plain.subarray(versionAt + 1))).toBe(true);
    expect(bytes.subarray(plain.length).toString('hex')).toBe(`${'cd'.repeat(32)}0003090807`);
    expect(decodeEntry(bytes)).toEqual(rotated);
    expect(Buffer.from(entryLeafHash(rotated)).equals(Buffer.from(entryLeafHash(entry)))).toBe(false);
  });

  it('refuses a rotation with a wrong-length previous id or an empty signature, both ways', () => {
    const bad = (rotation: { previous: Uint8Array; signature: Uint8Array }) =>
      encodeEntry({ ...entry, rotation });
    expect(() => bad({ previous: new Uint8Array(31), signature: Uint8Array.of(1) })).toThrow(
      InvalidFieldError,
    );
    expect(() => bad({ previous: new Uint8Array(32), signature: new Uint8Array(0) })).toThrow(
      InvalidFieldError,
    );
    const encoded = Buffer.from(
      encodeEntry({ ...entry, rotation: { previous: new Uint8Array(32), signature: Uint8Array.of(1) } }),
    );
    const emptySignature = Buffer.concat([encoded.subarray(0, encoded.length - 3), Buffer.from([0, 0])]);
    expect(() => decodeEntry(emptySignature)).toThrow(EncodingError);
    // A version 1 entry with rotation bytes appended is trailing garbage, not a rotation.
    expect(() => decodeEntry(Buffer.concat([encodeEntry(entry), encoded.subarray(-35)]))).toThrow(
      EncodingError,
    );
  });

  it('decodes from a Buffer into fields that do not alias it', () => {
    const buffer = Buffer.from(encodeEntry(entry));
    const decoded = decodeEntry(buffer);
    buffer.fill(0);
    expect(decoded).toEqual(entry);
  });

  it('gives different leaves for entries that differ in any field', () => {
    const leaves = new Set(
      [
        entry,
        { ...entry, index: 6 },
        { ...entry, clientId: new Uint8Array(32).fill(0xac) },
        { ...entry, name: 'Jurgen' },
        { ...entry, publicKey: Uint8Array.of(0x30, 0x82, 0x01, 0x23) },
        { ...entry, time: entry.time + 1 },
        // Moving a byte between adjacent variable-length fields must not collide (length prefixes).
        { ...entry, name: 'Jürgen0', publicKey: Uint8Array.of(0x82, 0x01, 0x22) },
      ].map((e) => Buffer.from(entryLeafHash(e)).toString('hex')),
    );
    expect(leaves.size).toBe(7);
  });

  it('leaf hash is RFC 9162 H(0x00 ‖ encoding), SHA3-256 by default', () => {
    const bytes = encodeEntry(entry);
    const expected = createHash('sha3-256')
      .update(Buffer.concat([Buffer.from([0]), bytes]))
      .digest('hex');
    expect(Buffer.from(entryLeafHash(entry)).toString('hex')).toBe(expected);
    expect(entryLeafHash(entry)).toEqual(hashLeaf(SHA3_256, bytes));
  });

  it('refuses a non-NFC name with MERKLE_ERR_NAME_NOT_NFC, never rewriting it', () => {
    const decomposed = 'Ju\u0308rgen';
    expect(() => encodeEntry({ ...entry, name: decomposed })).toThrow(NameNotNfcError);
    const bytes = Buffer.from(encodeEntry(entry));
    const tampered = Buffer.concat([
      bytes.subarray(0, 69),
      Buffer.from([0, 8]),
      Buffer.from(decomposed, 'utf8'),
      bytes.subarray(78),
    ]);
    expect(() => decodeEntry(tampered)).toThrow(NameNotNfcError);
  });

  it.each([
    ['empty name', { name: '' }, InvalidFieldError],
    ['lone surrogate', { name: 'a\uD800b' }, InvalidFieldError],
    ['short clientId', { clientId: new Uint8Array(31) }, InvalidFieldError],
    ['empty publicKey', { publicKey: new Uint8Array(0) }, InvalidFieldError],
    ['huge publicKey', { publicKey: new Uint8Array(70_000) }, InvalidFieldError],
    ['negative index', { index: -1 }, InvalidNumberError],
    ['fractional time', { time: 1.5 }, InvalidNumberError],
    ['unsafe index', { index: 2 ** 53 }, InvalidNumberError],
  ])('refuses to encode: %s', (_name, change, type) => {
    expect(() => encodeEntry({ ...entry, ...change } as DirectoryEntry)).toThrow(type);
  });

  const good = Buffer.from(encodeEntry(entry));
  it.each([
    ['truncated', good.subarray(0, good.length - 1)],
    ['trailing byte', Buffer.concat([good, Buffer.from([0])])],
    ['wrong label', Buffer.concat([Buffer.from('leitung/key-directory/entrx'), good.subarray(27)])],
    ['missing terminator', Buffer.concat([good.subarray(0, 27), Buffer.from([1]), good.subarray(28)])],
    ['unknown version', Buffer.concat([good.subarray(0, 28), Buffer.from([2]), good.subarray(29)])],
    [
      'u64 above 2^53 − 1',
      Buffer.concat([good.subarray(0, 29), Buffer.from('0020000000000000', 'hex'), good.subarray(37)]),
    ],
    [
      'invalid UTF-8 name',
      Buffer.concat([good.subarray(0, 69), Buffer.from([0, 1, 0xff]), good.subarray(78)]),
    ],
    ['empty', Buffer.alloc(0)],
  ])('refuses to decode: %s', (_name, bytes) => {
    expect(() => decodeEntry(bytes)).toThrow(MerkleError);
    expect(() => decodeEntry(bytes)).toThrow(EncodingError);
  });
});
