/**
 * Tree-head encoding (the signature input), signed tree heads on the wire, and signature checks with an
 * injected verifier — here RSA-PSS-SHA256 with a 4096-bit test key, as the relay will use (docs/design.md §3).
 */
import { constants, sign, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import {
  BadSignatureError,
  decodeSignedTreeHead,
  decodeTreeHead,
  EncodingError,
  encodeEntry,
  encodeSignedTreeHead,
  encodeTreeHead,
  InvalidFieldError,
  MerkleLog,
  type SignFunction,
  signTreeHead,
  type TreeHead,
  type VerifySignatureFunction,
  verifyTreeHeadSignature,
} from '../src/index.js';

const head: TreeHead = {
  logId: new Uint8Array(32).fill(1),
  size: 1_000_000,
  root: new Uint8Array(32).fill(2),
  time: 1_700_000_000_000,
};

let signPss: SignFunction;
let verifyPss: VerifySignatureFunction;

beforeAll(async () => {
  const relay = await testKeyPair('relay');
  const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  signPss = (m) => new Uint8Array(sign('sha256', m, { key: relay.privateKeyPem, ...pss }));
  verifyPss = (m, s) => verify('sha256', m, { key: relay.publicKeyPem, ...pss }, s);
});

describe('encodeTreeHead', () => {
  it('writes the documented layout', () => {
    const expected = Buffer.concat([
      Buffer.from('leitung/key-directory/tree-head\0', 'latin1'),
      Buffer.from([1, 32]),
      Buffer.alloc(32, 1),
      Buffer.from('00000000000f4240', 'hex'),
      Buffer.from([32]),
      Buffer.alloc(32, 2),
      Buffer.from('0000018bcfe56800', 'hex'),
    ]);
    expect(Buffer.from(encodeTreeHead(head)).toString('hex')).toBe(expected.toString('hex'));
  });

  it('round-trips and is domain-separated from entries', () => {
    expect(decodeTreeHead(encodeTreeHead(head))).toEqual(head);
    const entryBytes = encodeEntry({
      index: 0,
      clientId: new Uint8Array(32),
      name: 'a',
      publicKey: new Uint8Array(1),
      time: 0,
    });
    expect(() => decodeTreeHead(entryBytes)).toThrow(EncodingError);
  });

  it.each([
    ['empty logId', { logId: new Uint8Array(0) }],
    ['long root', { root: new Uint8Array(256) }],
  ])('refuses %s', (_name, change) => {
    expect(() => encodeTreeHead({ ...head, ...change })).toThrow(InvalidFieldError);
  });

  it('refuses non-canonical bytes', () => {
    const bytes = Buffer.from(encodeTreeHead(head));
    expect(() => decodeTreeHead(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(EncodingError);
    expect(() => decodeTreeHead(bytes.subarray(0, bytes.length - 1))).toThrow(EncodingError);
    const noLogId = Buffer.concat([bytes.subarray(0, 33), Buffer.from([0]), bytes.subarray(66)]);
    expect(() => decodeTreeHead(noLogId)).toThrow(EncodingError);
  });
});

describe('signed tree heads', () => {
  it('sign, encode, decode and verify with RSA-PSS (injected)', () => {
    const log = new MerkleLog();
    log.append(new Uint8Array([1, 2, 3]));
    const signed = signTreeHead(log.treeHead(head.logId, head.time), signPss);
    expect(signed.signature.length).toBe(512);
    const wire = encodeSignedTreeHead(signed);
    const decoded = decodeSignedTreeHead(wire);
    expect(decoded).toEqual(signed);
    verifyTreeHeadSignature(decoded, verifyPss);
  });

  it('rejects a changed field, a changed signature, and a verifier that throws', () => {
    const signed = signTreeHead(head, signPss);
    expect(() => verifyTreeHeadSignature({ ...signed, time: head.time + 1 }, verifyPss)).toThrow(
      BadSignatureError,
    );
    expect(() =>
      verifyTreeHeadSignature({ ...signed, logId: new Uint8Array(32).fill(9) }, verifyPss),
    ).toThrow(BadSignatureError);
    const signature = signed.signature.slice();
    signature[100]! ^= 1;
    expect(() => verifyTreeHeadSignature({ ...signed, signature }, verifyPss)).toThrow(BadSignatureError);
    const throwing: VerifySignatureFunction = () => {
      throw new Error('backend failure');
    };
    try {
      verifyTreeHeadSignature(signed, throwing);
      expect.unreachable();
    } catch (error) {
      expect((error as BadSignatureError).code).toBe('MERKLE_ERR_BAD_SIGNATURE');
      expect((error as BadSignatureError).cause).toBeInstanceOf(Error);
    }
    // Only `true` counts: a truthy non-boolean from a sloppy verifier is not a valid signature.
    const truthy = (() => 1) as unknown as VerifySignatureFunction;
    expect(() => verifyTreeHeadSignature(signed, truthy)).toThrow(BadSignatureError);
  });

  it('refuses a signed head with an empty signature or trailing bytes', () => {
    const signed = signTreeHead(head, () => new Uint8Array([7]));
    const wire = Buffer.from(encodeSignedTreeHead(signed));
    expect(() => decodeSignedTreeHead(Buffer.concat([wire, Buffer.from([0])]))).toThrow(EncodingError);
    const unsigned = Buffer.concat([wire.subarray(0, wire.length - 3), Buffer.from([0, 0])]);
    expect(() => decodeSignedTreeHead(unsigned)).toThrow(EncodingError);
    expect(() => signTreeHead(head, () => new Uint8Array(0))).toThrow(InvalidFieldError);
  });
});

describe('version 2: tree heads with the name map root', () => {
  const mapped: TreeHead = { ...head, mapRoot: new Uint8Array(32).fill(5) };

  it('writes the documented layout (version 2, mapRoot after root) and round-trips', () => {
    const expected = Buffer.concat([
      Buffer.from('leitung/key-directory/tree-head\0', 'latin1'),
      Buffer.from([2, 32]),
      Buffer.alloc(32, 1),
      Buffer.from('00000000000f4240', 'hex'),
      Buffer.from([32]),
      Buffer.alloc(32, 2),
      Buffer.from([32]),
      Buffer.alloc(32, 5),
      Buffer.from('0000018bcfe56800', 'hex'),
    ]);
    expect(Buffer.from(encodeTreeHead(mapped)).toString('hex')).toBe(expected.toString('hex'));
    expect(decodeTreeHead(encodeTreeHead(mapped))).toEqual(mapped);
    const signed = signTreeHead(mapped, signPss);
    expect(decodeSignedTreeHead(encodeSignedTreeHead(signed))).toEqual(signed);
  });

  it('the signature covers mapRoot: every single-bit change of it is rejected', () => {
    const signed = signTreeHead(mapped, signPss);
    verifyTreeHeadSignature(signed, verifyPss);
    for (let bit = 0; bit < 256; bit += 7) {
      const mapRoot = signed.mapRoot!.slice();
      mapRoot[bit >> 3]! ^= 0x80 >> (bit & 7);
      expect(() => verifyTreeHeadSignature({ ...signed, mapRoot }, verifyPss)).toThrow(BadSignatureError);
    }
    // Dropping mapRoot turns the head into a version 1 encoding: another message, another signature.
    const { mapRoot: _dropped, ...withoutMap } = signed;
    expect(() => verifyTreeHeadSignature(withoutMap, verifyPss)).toThrow(BadSignatureError);
  });

  it('refuses an unknown version and an empty mapRoot', () => {
    const bytes = Buffer.from(encodeTreeHead(mapped));
    bytes[32] = 3;
    expect(() => decodeTreeHead(bytes)).toThrow(EncodingError);
    expect(() => encodeTreeHead({ ...head, mapRoot: new Uint8Array(0) })).toThrow(InvalidFieldError);
  });
});
