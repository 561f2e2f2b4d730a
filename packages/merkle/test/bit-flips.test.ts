/**
 * Every single-bit change of a proof, root, index or size is rejected.
 *
 * Two layers, because RFC 9162 proofs bind the roots and the leaf position but not the (larger) tree
 * size on their own: leaf 0 of a 5-leaf tree has the same hash chain as leaf 0 of a 7-leaf tree, so
 * the 5-leaf proof and root also "verify" for a claimed size of 7. The size is bound by the signed tree
 * head, which signs size and root together — and that is what a client checks (docs/key-transparency.md).
 *
 * - Pure verifiers: every flip of a proof hash, root, leaf hash, index and old size is rejected.
 * - Client checks (signed tree head + entry inclusion, and the tree-head tracker): every flip of a proof
 *   hash, root, index and size — including the new size — is rejected.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkTreeHeadUpdate,
  type DirectoryEntry,
  encodeEntry,
  MerkleError,
  MerkleLog,
  RootMismatchError,
  type SignedTreeHead,
  signTreeHead,
  verifyConsistency,
  verifyEntryInclusion,
  verifyInclusion,
  verifyTreeHeadSignature,
} from '../src/index.js';
import { hex, leafData, NODE_SHA256 } from './hashes.js';

/** Copy of `bytes` with bit `bit` (0 = most significant bit of byte 0) inverted. */
function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes); // a copy even when `bytes` is a Buffer (Buffer#slice is a view)
  out[bit >> 3]! ^= 0x80 >> (bit & 7);
  return out;
}

/** `n` with bit `b` (0 … 52) inverted, staying within safe integers. */
function flipNumberBit(n: number, b: number): number {
  return Math.floor(n / 2 ** b) % 2 === 1 ? n - 2 ** b : n + 2 ** b;
}

function expectRejected(run: () => void): void {
  expect(run).toThrow(MerkleError);
}

const HASH_BITS = 256;
const NUMBER_BITS = 53;

describe('pure verifiers', () => {
  const log = new MerkleLog({ hash: NODE_SHA256 });
  beforeAll(() => {
    for (let i = 0; i < 1000; i++) log.append(leafData(i));
  });

  const inclusionCases: [number, number][] = [
    [0, 1],
    [2, 3],
    [0, 5],
    [6, 7],
    [12, 13],
    [63, 64],
    [37, 100],
    [999, 1000],
  ];

  it.each(inclusionCases)(
    'inclusion of leaf %i in %i leaves: every bit of proof, root, leaf, index',
    (i, n) => {
      const check = {
        index: i,
        size: n,
        leafHash: log.leafHash(i),
        proof: log.inclusionProof(i, n),
        root: log.root(n),
      };
      verifyInclusion(check, NODE_SHA256);
      let rejected = 0;
      check.proof.forEach((hash, k) => {
        for (let bit = 0; bit < HASH_BITS; bit++) {
          const proof = check.proof.map((h, j) => (j === k ? flipBit(hash, bit) : h));
          expectRejected(() => verifyInclusion({ ...check, proof }, NODE_SHA256));
          rejected++;
        }
      });
      for (let bit = 0; bit < HASH_BITS; bit++) {
        const root = flipBit(check.root, bit);
        let error: unknown;
        try {
          verifyInclusion({ ...check, root }, NODE_SHA256);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(RootMismatchError);
        expect((error as RootMismatchError).expected).toBe(hex([root])[0]);
        expect((error as RootMismatchError).computed).toBe(hex([check.root])[0]);
        expectRejected(() =>
          verifyInclusion({ ...check, leafHash: flipBit(check.leafHash, bit) }, NODE_SHA256),
        );
        rejected += 2;
      }
      for (let b = 0; b < NUMBER_BITS; b++) {
        expectRejected(() => verifyInclusion({ ...check, index: flipNumberBit(i, b) }, NODE_SHA256));
        rejected++;
      }
      expect(rejected).toBe(check.proof.length * HASH_BITS + 2 * HASH_BITS + NUMBER_BITS);
    },
  );

  const consistencyCases: [number, number][] = [
    [1, 2],
    [3, 7],
    [4, 8],
    [7, 13],
    [100, 1000],
    [511, 999],
  ];

  it.each(consistencyCases)('consistency %i → %i: every bit of proof, both roots, old size', (m, n) => {
    const check = {
      oldSize: m,
      newSize: n,
      oldRoot: log.root(m),
      newRoot: log.root(n),
      proof: log.consistencyProof(m, n),
    };
    verifyConsistency(check, NODE_SHA256);
    check.proof.forEach((hash, k) => {
      for (let bit = 0; bit < HASH_BITS; bit++) {
        const proof = check.proof.map((h, j) => (j === k ? flipBit(hash, bit) : h));
        expectRejected(() => verifyConsistency({ ...check, proof }, NODE_SHA256));
      }
    });
    for (let bit = 0; bit < HASH_BITS; bit++) {
      expectRejected(() =>
        verifyConsistency({ ...check, oldRoot: flipBit(check.oldRoot, bit) }, NODE_SHA256),
      );
      expectRejected(() =>
        verifyConsistency({ ...check, newRoot: flipBit(check.newRoot, bit) }, NODE_SHA256),
      );
    }
    for (let b = 0; b < NUMBER_BITS; b++) {
      expectRejected(() => verifyConsistency({ ...check, oldSize: flipNumberBit(m, b) }, NODE_SHA256));
    }
  });

  it('does not bind the tree size on its own (RFC 9162): that is the signed tree head’s job', () => {
    const check = {
      index: 0,
      size: 5,
      leafHash: log.leafHash(0),
      proof: log.inclusionProof(0, 5),
      root: log.root(5),
    };
    // Same hash chain for leaf 0 in 5 and in 7 leaves: no verifier of this proof format can tell them apart.
    expect(() => verifyInclusion({ ...check, size: 7 }, NODE_SHA256)).not.toThrow();
  });
});

describe('client checks: signed tree head + entry inclusion, tree-head tracker', () => {
  const keys = generateKeyPairSync('ed25519');
  const signFn = (message: Uint8Array) => new Uint8Array(sign(null, message, keys.privateKey));
  const verifyFn = (message: Uint8Array, signature: Uint8Array) =>
    verify(null, message, keys.publicKey, signature);
  const logId = new Uint8Array(32).fill(7);
  const log = new MerkleLog({ hash: NODE_SHA256 });
  const entries: DirectoryEntry[] = [];
  const heads = new Map<number, SignedTreeHead>();

  beforeAll(() => {
    for (let i = 0; i < 300; i++) {
      const entry: DirectoryEntry = {
        index: i,
        clientId: new Uint8Array(32).fill(i % 256),
        name: `user-${i}`,
        publicKey: leafData(i),
        time: 1_700_000_000_000 + i,
      };
      entries.push(entry);
      log.append(encodeEntry(entry));
      heads.set(log.size, signTreeHead(log.treeHead(logId, 1_700_000_000_000 + i), signFn));
    }
  });

  /** What a client does with a PUBLIC_KEY answer (docs/design.md §5.1). */
  function clientAccepts(entry: DirectoryEntry, proof: readonly Uint8Array[], head: SignedTreeHead): void {
    verifyTreeHeadSignature(head, verifyFn);
    verifyEntryInclusion({ entry, proof, treeHead: head }, NODE_SHA256);
  }

  it.each([
    [0, 5],
    [150, 300],
  ])('entry %i in a signed head of size %i: every bit of proof, root, size and index', (i, n) => {
    const entry = entries[i]!;
    const head = heads.get(n)!;
    const proof = log.inclusionProof(i, n);
    clientAccepts(entry, proof, head);
    proof.forEach((hash, k) => {
      for (let bit = 0; bit < HASH_BITS; bit++) {
        const flipped = proof.map((h, j) => (j === k ? flipBit(hash, bit) : h));
        expectRejected(() => clientAccepts(entry, flipped, head));
      }
    });
    for (let bit = 0; bit < HASH_BITS; bit++) {
      expectRejected(() => clientAccepts(entry, proof, { ...head, root: flipBit(head.root, bit) }));
    }
    for (let b = 0; b < NUMBER_BITS; b++) {
      expectRejected(() => clientAccepts(entry, proof, { ...head, size: flipNumberBit(n, b) }));
      expectRejected(() => clientAccepts({ ...entry, index: flipNumberBit(i, b) }, proof, head));
    }
  });

  it.each([
    [5, 7],
    [100, 300],
  ])('tree head %i → %i: every bit of proof, new root and both sizes', (m, n) => {
    const policy = { logId, verifySignature: verifyFn, hash: NODE_SHA256 };
    const previous = heads.get(m)!;
    const next = heads.get(n)!;
    const consistencyProof = log.consistencyProof(m, n);
    expect(checkTreeHeadUpdate(policy, { previous, next, consistencyProof })).toMatchObject({
      kind: 'accepted',
      change: 'grown',
    });
    const rejected = (update: Parameters<typeof checkTreeHeadUpdate>[1]) =>
      expect(checkTreeHeadUpdate(policy, update).kind).toBe('rejected');
    consistencyProof.forEach((hash, k) => {
      for (let bit = 0; bit < HASH_BITS; bit++) {
        const flipped = consistencyProof.map((h, j) => (j === k ? flipBit(hash, bit) : h));
        rejected({ previous, next, consistencyProof: flipped });
      }
    });
    for (let bit = 0; bit < HASH_BITS; bit++) {
      rejected({ previous, next: { ...next, root: flipBit(next.root, bit) }, consistencyProof });
    }
    for (let b = 0; b < NUMBER_BITS; b++) {
      rejected({ previous, next: { ...next, size: flipNumberBit(n, b) }, consistencyProof });
      rejected({ previous: { ...previous, size: flipNumberBit(m, b) }, next, consistencyProof });
    }
  });
});
