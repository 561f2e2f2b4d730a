/**
 * The page's crypto warm-up (docs/client.md "Identity held elsewhere"): its embedded signature verifies on
 * both backends — so the warm-up really runs the verification path to its end — and it keeps nothing.
 */
import { createCrypto, portableBackend } from '@leitung/crypto';
import { describe, expect, it } from 'vitest';
import { WARM_UP_MESSAGE, warmUpCrypto } from '../src/shell/crypto-warm-up.js';

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
});
