/**
 * The throw-away ML-KEM round a Client runs after its first registration (shell/call-key-warm-up.ts): it
 * runs once, only while the client is open, and erases its decapsulation key and shared secret at once.
 */
import type { MlKemKeyPair } from '@leitung/crypto';
import { describe, expect, it } from 'vitest';
import { CallKeyWarmUp, warmUpCallKeys } from '../src/shell/call-key-warm-up.js';
import { crypto as baseCrypto } from './support/fixtures.js';

function tracked() {
  const pairs: MlKemKeyPair[] = [];
  const secrets: Uint8Array[] = [];
  const crypto = {
    ...baseCrypto,
    generateMlKemKeyPair: () => {
      const pair = baseCrypto.generateMlKemKeyPair();
      pairs.push(pair);
      return pair;
    },
    mlKemDecapsulate: (key: MlKemKeyPair['privateKey'], cipherText: Uint8Array) => {
      const secret = baseCrypto.mlKemDecapsulate(key, cipherText);
      secrets.push(secret);
      return secret;
    },
  };
  return { crypto, pairs, secrets };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ML-KEM warm-up', () => {
  it('erases its decapsulation key and shared secret', () => {
    const t = tracked();
    warmUpCallKeys(t.crypto);
    expect(t.pairs).toHaveLength(1);
    expect(t.pairs[0]!.privateKey.destroyed).toBe(true);
    expect(t.secrets[0]!.every((b) => b === 0)).toBe(true);
  });

  it('runs once per client, and not after the client closed', async () => {
    const t = tracked();
    const warmUp = new CallKeyWarmUp();
    warmUp.schedule(t.crypto, () => false);
    warmUp.schedule(t.crypto, () => false);
    await tick();
    expect(t.pairs).toHaveLength(1);
    const closed = tracked();
    new CallKeyWarmUp().schedule(closed.crypto, () => true);
    await tick();
    expect(closed.pairs).toHaveLength(0);
  });
});
