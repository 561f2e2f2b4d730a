import type { RsaPrivateKey } from '@leitung/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptTreeHead, logIdOf, nameMapOf, SessionError, signTreeHead } from '../src/index.js';
import { crypto, key, TestDirectory } from './fixtures.js';

/** A relay cluster (docs/operations.md): every relay signs with its own key, all heads name one log id. */
describe('tree heads with a shared cluster log id', () => {
  let relayA: RsaPrivateKey;
  let relayB: RsaPrivateKey;
  let client: RsaPrivateKey;
  const clusterLogId = crypto.sha3_256(new TextEncoder().encode('leitung-cluster:test'));

  beforeAll(async () => {
    [relayA, relayB, client] = await Promise.all([key('relay'), key('relay-2'), key('alice')]);
  });

  function headFrom(signer: RsaPrivateKey, directory: TestDirectory, size: number, logId = clusterLogId) {
    const mapRoot = nameMapOf(directory.entries.slice(0, size)).root();
    return signTreeHead(crypto, signer, { logId, size, root: directory.log.root(size), mapRoot, time: 1 });
  }

  it('accepts a head of relay B that extends the head accepted from relay A (same log id)', () => {
    const directory = new TestDirectory(relayA);
    directory.add('alice', client.publicKey.toDer());
    directory.add('bob', relayB.publicKey.toDer());
    const fromA = headFrom(relayA, directory, 1);
    const fromB = headFrom(relayB, directory, 2);
    const change = acceptTreeHead({
      crypto,
      signingKey: relayB.publicKey,
      logId: clusterLogId,
      previous: fromA,
      next: fromB,
      consistencyProof: directory.log.consistencyProof(1, 2),
    });
    expect(change).toBe('grown');
  });

  it('refuses a head of the cluster log without the logId parameter (default: the signing key log)', () => {
    const directory = new TestDirectory(relayA);
    directory.add('alice', client.publicKey.toDer());
    const fromB = headFrom(relayB, directory, 1);
    expect(() =>
      acceptTreeHead({
        crypto,
        signingKey: relayB.publicKey,
        previous: undefined,
        next: fromB,
        consistencyProof: [],
      }),
    ).toThrow(SessionError);
    // And the default still accepts a single relay's own log.
    const own = headFrom(relayB, directory, 1, logIdOf(crypto, relayB.publicKey));
    expect(
      acceptTreeHead({
        crypto,
        signingKey: relayB.publicKey,
        previous: undefined,
        next: own,
        consistencyProof: [],
      }),
    ).toBe('first');
  });

  it('reports a relay that shows a different tree of the same size as inconsistent (split view)', () => {
    const honest = new TestDirectory(relayA);
    honest.add('alice', client.publicKey.toDer());
    const forked = new TestDirectory(relayB);
    forked.add('mallory', relayB.publicKey.toDer());
    const fromA = headFrom(relayA, honest, 1);
    const fromB = headFrom(relayB, forked, 1);
    try {
      acceptTreeHead({
        crypto,
        signingKey: relayB.publicKey,
        logId: clusterLogId,
        previous: fromA,
        next: fromB,
        consistencyProof: [],
      });
      expect.unreachable();
    } catch (error) {
      expect((error as SessionError).code).toBe('SESSION_ERR_TREE_INCONSISTENT');
    }
  });
});
