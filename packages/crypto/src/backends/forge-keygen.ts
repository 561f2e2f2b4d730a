/**
 * Pure-JavaScript RSA key generation with node-forge, stepped so the event loop (and a UI) stays live.
 * Used only where neither node:crypto nor WebCrypto exists; it takes ~20 s for 4096 bits on the reference machine.
 */
import forge from 'node-forge';
import { toBinaryString } from './forge-bytes.js';

interface SteppedState {
  keys: { privateKey: forge.pki.rsa.PrivateKey } | null;
}

interface SteppedRsa {
  createKeyPairGenerationState(
    bits: number,
    e: number,
    options: { prng: { getBytesSync(count: number): string } },
  ): SteppedState;
  stepKeyPairGenerationState(state: SteppedState, budgetMs: number): boolean;
}

const STEP_BUDGET_MS = 40;

/** A fresh private key of `bits` bits, e = 65537, primes from `randomBytes`. */
export async function generateWithForge(
  bits: number,
  randomBytes: (length: number) => Uint8Array,
): Promise<forge.pki.rsa.PrivateKey> {
  const rsa = forge.pki.rsa as unknown as SteppedRsa;
  const state = rsa.createKeyPairGenerationState(bits, 0x10001, {
    prng: { getBytesSync: (count) => toBinaryString(randomBytes(count)) },
  });
  while (!rsa.stepKeyPairGenerationState(state, STEP_BUDGET_MS)) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return state.keys!.privateKey;
}
