/**
 * flatRoot: the seed's "Merkle root" (SHA3-256 over normalised, de-duplicated, sorted keys joined with
 * "|||"). Known answers were computed with the seed client's own normalize_key / verify_merkle_integrity
 * logic (Python, hashlib.sha3_256), so the compatibility claim is checked against the seed itself.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flatRoot, InvalidKeyError, normaliseKey } from '../src/index.js';
import { NODE_SHA3_256 } from './hashes.js';

/** The PEM the Python generator made: 295 bytes (seed·31 + 7i) mod 256, base64 in 64-character lines. */
function der(seed: number): Uint8Array {
  return Uint8Array.from({ length: 295 }, (_, i) => (seed * 31 + i * 7) % 256);
}
function pem(seed: number, newline = '\n'): string {
  const body = Buffer.from(der(seed)).toString('base64');
  const lines = body.match(/.{1,64}/g)!;
  return `-----BEGIN PUBLIC KEY-----${newline}${lines.join(newline)}${newline}-----END PUBLIC KEY-----${newline}`;
}

const SEED_ABC = 'c49fdc06a3725492c5130d23244dbf22f54dc1864c804a3c0a0e50b3fb7a6ece';
const SEED_B = 'f01dfea0b6308ade9be8e48a1962b6684593265b0cc8e822384a029e8d86f64c';

describe('flatRoot', () => {
  it('matches the seed for PEM keys', () => {
    expect(flatRoot([pem(1), pem(2), pem(3)])).toBe(SEED_ABC);
    expect(flatRoot([pem(2)])).toBe(SEED_B);
  });

  it('ignores order, duplicates, line endings and armour, like the seed', () => {
    expect(flatRoot([pem(3), pem(2, '\r\n'), pem(1), pem(1)])).toBe(SEED_ABC);
    expect(flatRoot([`  \n${pem(2)}\n\n`])).toBe(SEED_B);
  });

  it('treats bare base64 and DER bytes as the same key as its PEM', () => {
    const bare = Buffer.from(der(2)).toString('base64');
    expect(flatRoot([bare])).toBe(SEED_B);
    expect(flatRoot([der(2)])).toBe(SEED_B);
    expect(flatRoot([der(1), pem(2), Buffer.from(der(3)).toString('base64')])).toBe(SEED_ABC);
  });

  it('is SHA3-256 of the sorted bodies joined with "|||", and accepts an injected hash', () => {
    const bodies = [3, 1, 2].map((s) => Buffer.from(der(s)).toString('base64'));
    const expected = createHash('sha3-256')
      .update([...bodies].sort().join('|||'))
      .digest('hex');
    expect(flatRoot(bodies)).toBe(expected);
    expect(flatRoot(bodies, NODE_SHA3_256)).toBe(expected);
  });

  it('of no keys is SHA3-256 of the empty string', () => {
    expect(flatRoot([])).toBe(createHash('sha3-256').update('').digest('hex'));
  });

  it('changes when any key changes', () => {
    const body = Buffer.from(der(2)).toString('base64');
    const tampered = pem(2).replace(body.slice(0, 8), `${body[0] === 'A' ? 'B' : 'A'}${body.slice(1, 8)}`);
    expect(tampered).not.toBe(pem(2));
    expect(flatRoot([pem(1), tampered, pem(3)])).not.toBe(SEED_ABC);
  });
});

describe('normaliseKey', () => {
  it('keeps only the base64 body of a PEM', () => {
    expect(normaliseKey(pem(1))).toBe(Buffer.from(der(1)).toString('base64'));
    expect(
      normaliseKey('text before\n-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----\nafter'),
    ).toBe('QUJD');
    expect(normaliseKey(' QU JD\tRA== ')).toBe('QUJDRA==');
  });

  it.each([
    ['empty string', ''],
    ['only whitespace', ' \n\t '],
    ['BEGIN without END', '-----BEGIN PUBLIC KEY-----\nQUJD\n'],
    ['another PEM label', '-----BEGIN RSA PUBLIC KEY-----\nQUJD\n-----END RSA PUBLIC KEY-----'],
    ['not base64', 'QUJD!'],
    ['bad padding', 'QUJDR==='],
    ['wrong length', 'QUJDR'],
    ['empty DER', new Uint8Array(0)],
  ])('refuses %s with MERKLE_ERR_INVALID_KEY', (_name, key) => {
    expect(() => normaliseKey(key)).toThrow(InvalidKeyError);
    try {
      flatRoot([pem(1), key]);
      expect.unreachable();
    } catch (error) {
      expect((error as InvalidKeyError).code).toBe('MERKLE_ERR_INVALID_KEY');
      expect((error as InvalidKeyError).position).toBe(1);
    }
  });
});
