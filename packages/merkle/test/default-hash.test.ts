import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, MerkleLog, SHA3_256, SHA3_256_PORTABLE } from '../src/index.js';

describe('default SHA3-256 (native where the platform has it, @noble/hashes elsewhere)', () => {
  it('is the native one on Node (≥ 20.16 has process.getBuiltinModule)', () => {
    expect(typeof process.getBuiltinModule).toBe('function');
    expect(SHA3_256).not.toBe(SHA3_256_PORTABLE);
  });

  it('gives the same bytes as the portable one for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const a = SHA3_256.hash(data);
        expect(a).toBeInstanceOf(Uint8Array);
        expect(Buffer.isBuffer(a)).toBe(false);
        expect(a).toEqual(SHA3_256_PORTABLE.hash(data));
      }),
      { numRuns: 500 },
    );
  });

  it('builds the same log with either', () => {
    const fast = new MerkleLog({ storage: new MemoryStorage() });
    const portable = new MerkleLog({ storage: new MemoryStorage(), hash: SHA3_256_PORTABLE });
    for (let i = 0; i < 100; i++) {
      const leaf = new TextEncoder().encode(`entry ${i}`);
      fast.append(leaf);
      portable.append(leaf);
    }
    expect(fast.root()).toEqual(portable.root());
    expect(fast.inclusionProof(17)).toEqual(portable.inclusionProof(17));
  });
});
