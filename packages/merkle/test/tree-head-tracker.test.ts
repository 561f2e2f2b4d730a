/** Every outcome of checkTreeHeadUpdate, and TreeHeadTracker remembering the last accepted head. */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkTreeHeadUpdate,
  MerkleLog,
  type SignedTreeHead,
  signTreeHead,
  type TreeHeadPolicy,
  TreeHeadTracker,
} from '../src/index.js';
import { leafData } from './hashes.js';

const keys = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const logId = new Uint8Array(32).fill(3);
const signBy = (key: typeof keys.privateKey) => (m: Uint8Array) => new Uint8Array(sign(null, m, key));
const policy: TreeHeadPolicy = {
  logId,
  verifySignature: (m, s) => verify(null, m, keys.publicKey, s),
};

/** Relay A's honest log, and a forked copy that rewrote entry 2 (what a split view looks like). */
const honest = new MerkleLog();
const forked = new MerkleLog();
const heads: SignedTreeHead[] = [];
for (let i = 0; i < 20; i++) {
  honest.append(leafData(i));
  forked.append(i === 2 ? leafData(1000) : leafData(i));
  heads[honest.size] = signTreeHead(honest.treeHead(logId, 1000 + i), signBy(keys.privateKey));
}
const forkedHead = () => signTreeHead(forked.treeHead(logId, 5000), signBy(keys.privateKey));

describe('checkTreeHeadUpdate', () => {
  it('accepts the first head on its signature, with an empty proof', () => {
    expect(
      checkTreeHeadUpdate(policy, { previous: undefined, next: heads[5]!, consistencyProof: [] }),
    ).toEqual({
      kind: 'accepted',
      change: 'first',
      head: heads[5],
    });
  });

  it('accepts a grown head with a valid consistency proof and an unchanged one with none', () => {
    const grown = checkTreeHeadUpdate(policy, {
      previous: heads[5],
      next: heads[20]!,
      consistencyProof: honest.consistencyProof(5, 20),
    });
    expect(grown).toMatchObject({ kind: 'accepted', change: 'grown' });
    const same = checkTreeHeadUpdate(policy, { previous: heads[20], next: heads[20]!, consistencyProof: [] });
    expect(same).toMatchObject({ kind: 'accepted', change: 'unchanged' });
  });

  const rejectedWith = (code: string, update: Parameters<typeof checkTreeHeadUpdate>[1], p = policy) => {
    const decision = checkTreeHeadUpdate(p, update);
    expect(decision.kind).toBe('rejected');
    if (decision.kind === 'rejected') expect(decision.error.code).toBe(code);
  };

  it('rejects a shrinking log', () => {
    rejectedWith('MERKLE_ERR_SIZE_DECREASED', { previous: heads[10], next: heads[9]!, consistencyProof: [] });
  });

  it('rejects a split view: same size, different root, both validly signed', () => {
    const fork = forkedHead();
    rejectedWith('MERKLE_ERR_SPLIT_VIEW', { previous: heads[20], next: fork, consistencyProof: [] });
    const decision = checkTreeHeadUpdate(policy, { previous: heads[20], next: fork, consistencyProof: [] });
    if (decision.kind === 'rejected') {
      expect(decision.error).toMatchObject({
        size: 20,
        previousRoot: Buffer.from(heads[20]!.root).toString('hex'),
      });
    }
  });

  it('rejects a grown head that rewrote history, whatever proof the relay sends', () => {
    const fork = forkedHead();
    rejectedWith('MERKLE_ERR_ROOT_MISMATCH', {
      previous: heads[5],
      next: fork,
      consistencyProof: forked.consistencyProof(5, 20),
    });
    rejectedWith('MERKLE_ERR_ROOT_MISMATCH', {
      previous: heads[5],
      next: fork,
      consistencyProof: honest.consistencyProof(5, 20),
    });
    rejectedWith('MERKLE_ERR_PROOF_LENGTH', { previous: heads[5], next: fork, consistencyProof: [] });
  });

  it('rejects another log, a bad signature, a wrong-size root and a stale head', () => {
    const foreign = signTreeHead(
      { ...honest.treeHead(new Uint8Array(32), 1), size: 20 },
      signBy(keys.privateKey),
    );
    rejectedWith('MERKLE_ERR_LOG_ID_MISMATCH', { previous: undefined, next: foreign, consistencyProof: [] });
    const forged = signTreeHead(honest.treeHead(logId, 1), signBy(other.privateKey));
    rejectedWith('MERKLE_ERR_BAD_SIGNATURE', { previous: undefined, next: forged, consistencyProof: [] });
    const shortRoot = signTreeHead(
      { ...honest.treeHead(logId, 1), root: new Uint8Array(20) },
      signBy(keys.privateKey),
    );
    rejectedWith('MERKLE_ERR_HASH_LENGTH', { previous: undefined, next: shortRoot, consistencyProof: [] });
    const fresh = { ...policy, maxAgeMs: 60_000 };
    rejectedWith(
      'MERKLE_ERR_STALE_TREE_HEAD',
      { previous: undefined, next: heads[3]!, consistencyProof: [], now: 70_000 },
      fresh,
    );
    rejectedWith(
      'MERKLE_ERR_INVALID_NUMBER',
      { previous: undefined, next: heads[3]!, consistencyProof: [] },
      fresh,
    );
    expect(
      checkTreeHeadUpdate(fresh, { previous: undefined, next: heads[3]!, consistencyProof: [], now: 2000 })
        .kind,
    ).toBe('accepted');
  });

  it('rejects proofs where none is due', () => {
    const stray = [new Uint8Array(32)];
    rejectedWith('MERKLE_ERR_PROOF_LENGTH', {
      previous: undefined,
      next: heads[3]!,
      consistencyProof: stray,
    });
    rejectedWith('MERKLE_ERR_PROOF_LENGTH', { previous: heads[3], next: heads[3]!, consistencyProof: stray });
  });

  it('accepts any head after an empty tree without a proof', () => {
    const empty = signTreeHead(new MerkleLog().treeHead(logId, 1), signBy(keys.privateKey));
    expect(
      checkTreeHeadUpdate(policy, { previous: empty, next: heads[4]!, consistencyProof: [] }),
    ).toMatchObject({
      kind: 'accepted',
      change: 'grown',
    });
  });
});

describe('TreeHeadTracker', () => {
  it('moves forward only on accepted heads (moving between relays of one directory)', () => {
    const tracker = new TreeHeadTracker(policy);
    expect(tracker.head).toBeUndefined();
    expect(tracker.offer(heads[4]!, []).kind).toBe('accepted');
    // Relay B shows a forked view: rejected, and the tracker keeps relay A's head.
    expect(tracker.offer(forkedHead(), forked.consistencyProof(4, 20)).kind).toBe('rejected');
    expect(tracker.head).toBe(heads[4]);
    expect(tracker.offer(heads[20]!, honest.consistencyProof(4, 20))).toMatchObject({ change: 'grown' });
    expect(tracker.head).toBe(heads[20]);
    const resumed = new TreeHeadTracker(policy, heads[20]);
    expect(resumed.offer(heads[19]!, []).kind).toBe('rejected');
  });
});

describe('heads with name map roots', () => {
  it('rejects two heads of one size and root that disagree on the map root (split view)', () => {
    const base = honest.treeHead(logId, 9000);
    const a = signTreeHead({ ...base, mapRoot: new Uint8Array(32).fill(1) }, signBy(keys.privateKey));
    const b = signTreeHead({ ...base, mapRoot: new Uint8Array(32).fill(2) }, signBy(keys.privateKey));
    const decision = checkTreeHeadUpdate(policy, { previous: a, next: b, consistencyProof: [] });
    expect(decision.kind === 'rejected' && decision.error.code).toBe('MERKLE_ERR_SPLIT_VIEW');
    expect(checkTreeHeadUpdate(policy, { previous: a, next: a, consistencyProof: [] }).kind).toBe('accepted');
  });
});
