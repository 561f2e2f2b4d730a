/**
 * The page's crypto warm-up (docs/client.md "Identity held elsewhere"): its embedded signature verifies on
 * both backends — so the warm-up really runs the verification path to its end — and it keeps nothing: the
 * call keys it makes (ML-KEM-768, X25519) are destroyed at once.
 */
import { createCrypto, nativeBackend, portableBackend } from '@leitung/crypto';
import { describe, expect, it } from 'vitest';
import { WARM_UP_MESSAGE, warmUpCrypto } from '../src/shell/crypto-warm-up.js';
import { trackedCrypto } from './support/tracked-crypto.js';

describe('warmUpCrypto', () => {
  it.each([
    ['native', createCrypto()],
    ['portable', createCrypto({ backend: portableBackend() })],
  ])('verifies its embedded signature (%s)', (_, crypto) => {
    expect(warmUpCrypto(crypto, 1)).toBe(true);
  });

  it('a changed message does not verify: the check is real', () => {
    const crypto = createCrypto();
    WARM_UP_MESSAGE[0]! ^= 1;
    try {
      expect(warmUpCrypto(crypto, 1)).toBe(false);
    } finally {
      WARM_UP_MESSAGE[0]! ^= 1;
    }
  });

  it('runs the call keys each round and destroys them', () => {
    const t = trackedCrypto();
    expect(warmUpCrypto(t.crypto, 2)).toBe(true);
    expect(t.pairs).toHaveLength(2);
    expect(t.pairs.every((p) => p.privateKey.destroyed)).toBe(true);
    expect(t.secrets.every((s) => s.every((b) => b === 0))).toBe(true);
    expect(t.ephemerals).toHaveLength(4);
    expect(t.ephemerals.every((p) => p.privateKey.destroyed)).toBe(true);
  });

  it("imports its key afresh every round, past the crypto object's key cache", () => {
    const backend = nativeBackend();
    let imports = 0;
    const counting = {
      ...backend,
      rsa: {
        ...backend.rsa,
        importSpki: (der: Uint8Array) => {
          imports++;
          return backend.rsa.importSpki(der);
        },
      },
    };
    expect(warmUpCrypto(createCrypto({ backend: counting }), 3)).toBe(true);
    expect(imports).toBe(3);
  });
});
