import type { LeitungCrypto } from '@leitung/crypto';
import { runSoon } from './event-loop.js';

/**
 * Runs one throw-away ML-KEM-768 round (key generation, encapsulation, decapsulation) so the first call
 * of a freshly started process does not pay the pure-JS code's first-use cost on its critical path
 * (measured ≈ 50 ms once, ≈ 2 ms per round after that: docs/benchmarks.md "call setup"). Nothing of it
 * is used: the key pair is destroyed at once and every call still generates its own (docs/session-protocol.md
 * §3 "Hybrid call keys").
 */
export function warmUpCallKeys(crypto: LeitungCrypto): void {
  const pair = crypto.generateMlKemKeyPair();
  try {
    const { cipherText } = crypto.mlKemEncapsulate(pair.publicKey);
    crypto.mlKemDecapsulate(pair.privateKey, cipherText).fill(0);
  } finally {
    pair.privateKey.destroy();
  }
}

/** Runs {@link warmUpCallKeys} once per client, after its first registration, off the event in progress. */
export class CallKeyWarmUp {
  #scheduled = false;

  schedule(crypto: LeitungCrypto, closed: () => boolean): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    runSoon(() => {
      if (!closed()) warmUpCallKeys(crypto);
    });
  }
}
