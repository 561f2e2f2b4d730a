/**
 * The verifiable name map (docs/key-transparency.md, "The name map") against a naive reference that
 * recomputes every subtree from scratch: roots and proofs agree for bulk-built and incrementally grown
 * maps (fast-check), every proof verifies, absent keys get non-membership proofs, every single-bit change
 * of a proof is rejected, and proofs stay near log2 n hashes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type MapPair,
  type MapProof,
  MerkleError,
  mapEmptyHash,
  mapKeyOfFoldedName,
  mapLeafHash,
  mapNodeHash,
  NameMap,
  verifyMapProof,
} from '../src/index.js';
import { hex, NODE_SHA3_256 } from './hashes.js';

const H = NODE_SHA3_256;

function bit(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Reference: the hash of the subtree at `depth` holding `pairs`, by definition. */
function referenceRoot(pairs: readonly MapPair[], depth = 0): Uint8Array {
  if (pairs.length === 0) return mapEmptyHash(H);
  if (pairs.length === 1) return mapLeafHash(H, pairs[0]!.key, pairs[0]!.value);
  const left = pairs.filter((p) => bit(p.key, depth) === 0);
  const right = pairs.filter((p) => bit(p.key, depth) === 1);
  return mapNodeHash(H, referenceRoot(left, depth + 1), referenceRoot(right, depth + 1));
}

/** Reference proof: walk down by the key's bits, recomputing each sibling subtree from scratch. */
function referenceProof(pairs: readonly MapPair[], key: Uint8Array): MapProof {
  const siblings: Uint8Array[] = [];
  let here = pairs;
  for (let depth = 0; ; depth++) {
    if (here.length === 0) return { siblings, terminal: { kind: 'empty' } };
    if (here.length === 1) return { siblings, terminal: { kind: 'leaf', ...here[0]! } };
    const b = bit(key, depth);
    siblings.push(
      referenceRoot(
        here.filter((p) => bit(p.key, depth) !== b),
        depth + 1,
      ),
    );
    here = here.filter((p) => bit(p.key, depth) === b);
  }
}

function flip(bytes: Uint8Array, i: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[i >> 3]! ^= 0x80 >> (i & 7);
  return out;
}

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
/** Keys that often share long prefixes (exercise chains of one-sided nodes) as well as random ones. */
const keyArb = fc.oneof(
  key32,
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
    const k = new Uint8Array(32);
    k[i >> 3] = v;
    k[31] = i;
    return k;
  }),
);
const pairsArb = fc
  .uniqueArray(fc.record({ key: keyArb, value: key32 }), {
    maxLength: 40,
    selector: (p) => Buffer.from(p.key).toString('hex'),
  })
  .map((ps) => ps as MapPair[]);

describe('NameMap against the naive reference', () => {
  it('the empty map has the empty-subtree root and proves every key absent', () => {
    const map = NameMap.empty(H);
    expect(hex([map.root()])).toEqual(hex([mapEmptyHash(H)]));
    const key = H.hash(new Uint8Array([1]));
    const proof = map.prove(key);
    expect(proof).toEqual({ siblings: [], terminal: { kind: 'empty' } });
    expect(verifyMapProof({ root: map.root(), key, proof }, H)).toEqual({ kind: 'absent' });
  });

  it('bulk build and one-at-a-time inserts give the reference root and proofs', () => {
    fc.assert(
      fc.property(pairsArb, fc.array(key32, { maxLength: 5 }), (pairs, absent) => {
        const built = NameMap.build(pairs, H);
        let grown = NameMap.empty(H);
        for (const p of pairs) grown = grown.set(p.key, p.value);
        const root = referenceRoot(pairs);
        expect(hex([built.root(), grown.root()])).toEqual(hex([root, root]));
        expect(built.size).toBe(pairs.length);
        for (const p of pairs) {
          const proof = built.prove(p.key);
          expect(proof).toEqual(referenceProof(pairs, p.key));
          expect(grown.prove(p.key)).toEqual(proof);
          const lookup = verifyMapProof({ root, key: p.key, proof }, H);
          expect(lookup.kind).toBe('present');
          expect(hex([lookup.kind === 'present' ? lookup.value : new Uint8Array()])).toEqual(hex([p.value]));
        }
        for (const key of absent) {
          if (pairs.some((p) => Buffer.compare(p.key, key) === 0)) continue;
          const proof = built.prove(key);
          expect(proof).toEqual(referenceProof(pairs, key));
          expect(verifyMapProof({ root, key, proof }, H)).toEqual({ kind: 'absent' });
          expect(built.get(key)).toBeUndefined();
        }
      }),
      { numRuns: 80 },
    );
  });

  it('set replaces a value and leaves the earlier map unchanged', () => {
    fc.assert(
      fc.property(
        pairsArb.filter((p) => p.length > 0),
        key32,
        (pairs, value) => {
          const before = NameMap.build(pairs, H);
          const rootBefore = before.root();
          const after = before.set(pairs[0]!.key, value);
          expect(hex([before.root()])).toEqual(hex([rootBefore]));
          const replaced = [{ key: pairs[0]!.key, value }, ...pairs.slice(1)];
          expect(hex([after.root()])).toEqual(hex([referenceRoot(replaced)]));
          expect(after.size).toBe(pairs.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses duplicate keys in a bulk build (MERKLE_ERR_DUPLICATE_KEY)', () => {
    const key = H.hash(new Uint8Array([7]));
    expect(() =>
      NameMap.build(
        [
          { key, value: key },
          { key, value: H.hash(key) },
        ],
        H,
      ),
    ).toThrow(expect.objectContaining({ code: 'MERKLE_ERR_DUPLICATE_KEY' }));
  });
});

describe('map proofs resist tampering', () => {
  const pairs: MapPair[] = Array.from({ length: 300 }, (_, i) => ({
    key: mapKeyOfFoldedName(`name ${i}`, H),
    value: H.hash(new TextEncoder().encode(`entry ${i}`)),
  }));
  const map = NameMap.build(pairs, H);
  const root = map.root();

  function rejected(key: Uint8Array, proof: MapProof): boolean {
    try {
      verifyMapProof({ root, key, proof }, H);
      return false;
    } catch (error) {
      return error instanceof MerkleError;
    }
  }

  function allFlips(key: Uint8Array, proof: MapProof): MapProof[] {
    const out: MapProof[] = [];
    proof.siblings.forEach((s, i) => {
      for (let b = 0; b < s.length * 8; b++) {
        const siblings = proof.siblings.slice();
        siblings[i] = flip(s, b);
        out.push({ siblings, terminal: proof.terminal });
      }
    });
    if (proof.terminal.kind === 'leaf') {
      const t = proof.terminal;
      for (let b = 0; b < 256; b++) {
        out.push({
          siblings: proof.siblings,
          terminal: { kind: 'leaf', key: flip(t.key, b), value: t.value },
        });
        out.push({
          siblings: proof.siblings,
          terminal: { kind: 'leaf', key: t.key, value: flip(t.value, b) },
        });
      }
      out.push({ siblings: proof.siblings, terminal: { kind: 'empty' } });
    } else {
      out.push({ siblings: proof.siblings, terminal: { kind: 'leaf', key, value: key } });
    }
    // One sibling fewer or more.
    if (proof.siblings.length > 0) out.push({ siblings: proof.siblings.slice(1), terminal: proof.terminal });
    out.push({ siblings: [...proof.siblings, mapEmptyHash(H)], terminal: proof.terminal });
    return out;
  }

  it('every single-bit change of a membership proof is rejected', () => {
    for (const p of pairs.slice(0, 5)) {
      const proof = map.prove(p.key);
      expect(rejected(p.key, proof)).toBe(false);
      for (const bad of allFlips(p.key, proof)) expect(rejected(p.key, bad)).toBe(true);
    }
  });

  it('every single-bit change of a non-membership proof is rejected', () => {
    for (let i = 0; i < 5; i++) {
      const key = mapKeyOfFoldedName(`absent ${i}`, H);
      const proof = map.prove(key);
      expect(verifyMapProof({ root, key, proof }, H)).toEqual({ kind: 'absent' });
      for (const bad of allFlips(key, proof)) expect(rejected(key, bad)).toBe(true);
    }
  });

  it('a non-membership leaf off the key path is MERKLE_ERR_MAP_PROOF', () => {
    const key = pairs[0]!.key;
    const proof = map.prove(key);
    const stranger = pairs.find((p) => bit(p.key, 0) !== bit(key, 0))!;
    expect(() =>
      verifyMapProof(
        { root, key, proof: { siblings: proof.siblings, terminal: { kind: 'leaf', ...stranger } } },
        H,
      ),
    ).toThrow(expect.objectContaining({ code: 'MERKLE_ERR_MAP_PROOF' }));
  });
});

describe('proof size', () => {
  it('stays near log2 n hashes for 20 000 names', () => {
    const n = 20_000;
    const pairs = Array.from({ length: n }, (_, i) => ({
      key: mapKeyOfFoldedName(`user ${i}`, H),
      value: mapKeyOfFoldedName(`value ${i}`, H),
    }));
    const map = NameMap.build(pairs, H);
    let total = 0;
    let max = 0;
    for (let i = 0; i < 1000; i++) {
      const length = map.prove(pairs[i]!.key).siblings.length;
      total += length;
      max = Math.max(max, length);
    }
    const log2n = Math.log2(n);
    expect(total / 1000).toBeGreaterThan(log2n - 1);
    expect(total / 1000).toBeLessThan(log2n + 2);
    expect(max).toBeLessThan(2 * log2n + 4);
  });
});
