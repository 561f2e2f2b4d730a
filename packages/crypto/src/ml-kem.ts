/**
 * ML-KEM-768 (FIPS 203) for the post-quantum share of call keys (docs/crypto.md §ML-KEM, docs/session-protocol.md
 * §3). One implementation on every platform: @noble/post-quantum (Node 20 has no ML-KEM in node:crypto), checked
 * against the Wycheproof ML-KEM-768 vectors. Randomness comes from the injected source, so tests can fix it.
 *
 * The decapsulation key is held in this object (2 400 bytes) so `destroy()` can overwrite it when the call is set up;
 * decapsulation never fails on a well-sized ciphertext — a wrong one yields an unrelated secret (implicit rejection,
 * FIPS 203 §6.3), which the protocol's key confirmation then refuses.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { requireBytes } from './bytes.js';
import { CryptoError, CryptoErrorCode, invalidArgument } from './errors.js';

/** Sizes of ML-KEM-768 (FIPS 203 Table 3). */
export const ML_KEM_768 = Object.freeze({
  publicKeyBytes: 1184,
  privateKeyBytes: 2400,
  cipherTextBytes: 1088,
  sharedSecretBytes: 32,
  seedBytes: 64,
});

const states = new WeakMap<MlKemPrivateKey, { key: Uint8Array; destroyed: boolean }>();
const INTERNAL: unique symbol = Symbol('ml-kem-key');

/**
 * An ML-KEM-768 decapsulation key (2 400 bytes), held inside the object so `destroy()` can overwrite it as
 * soon as the call's media keys exist; later use is CRYPTO_ERR_KEY_DESTROYED (docs/crypto.md §8a).
 */
export class MlKemPrivateKey {
  /** @internal Use `generateMlKemKeyPair`. */
  constructor(token: symbol, key: Uint8Array) {
    if (token !== INTERNAL) throw invalidArgument('use generateMlKemKeyPair to create keys');
    states.set(this, { key, destroyed: false });
  }

  get destroyed(): boolean {
    return states.get(this)?.destroyed ?? true;
  }

  /** Overwrites the decapsulation key. Idempotent. */
  destroy(): void {
    const state = states.get(this);
    if (!state || state.destroyed) return;
    state.key.fill(0);
    state.destroyed = true;
  }
}

/** An ML-KEM-768 key pair: the 1 184-byte encapsulation key to send and the private key to keep. */
export interface MlKemKeyPair {
  /** The 1 184-byte encapsulation key, to send to the peer. */
  readonly publicKey: Uint8Array;
  readonly privateKey: MlKemPrivateKey;
}

/** A key pair from 64 random bytes (d ‖ z of FIPS 203 ML-KEM.KeyGen_internal), or from `seed` when given. */
export function generateMlKemKeyPair(
  random: (length: number) => Uint8Array,
  seed?: Uint8Array,
): MlKemKeyPair {
  const material =
    seed === undefined
      ? random(ML_KEM_768.seedBytes)
      : Uint8Array.from(requireBytes('seed', seed, ML_KEM_768.seedBytes));
  try {
    const { publicKey, secretKey } = ml_kem768.keygen(material);
    return { publicKey, privateKey: new MlKemPrivateKey(INTERNAL, secretKey) };
  } finally {
    material.fill(0);
  }
}

/** Encapsulates to `publicKey`: the ciphertext for the peer and the 32-byte shared secret. */
export function mlKemEncapsulate(
  random: (length: number) => Uint8Array,
  publicKey: Uint8Array,
): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
  requireBytes('publicKey', publicKey, ML_KEM_768.publicKeyBytes);
  const message = random(32);
  try {
    return ml_kem768.encapsulate(publicKey, message);
  } catch {
    // FIPS 203 §7.2 input check: the key's coefficients must be reduced modulo q.
    throw new CryptoError(CryptoErrorCode.KeyFormat, 'not a valid ML-KEM-768 encapsulation key');
  } finally {
    message.fill(0);
  }
}

/** The shared secret of `cipherText` (1 088 bytes); an altered ciphertext gives an unrelated secret. */
export function mlKemDecapsulate(privateKey: MlKemPrivateKey, cipherText: Uint8Array): Uint8Array {
  requireBytes('cipherText', cipherText, ML_KEM_768.cipherTextBytes);
  const state = states.get(privateKey);
  if (!state || state.destroyed)
    throw new CryptoError(CryptoErrorCode.KeyDestroyed, 'ML-KEM key was destroyed');
  // noble wipes the secret key it is given; decapsulate with a copy so this object stays usable until destroy().
  return ml_kem768.decapsulate(cipherText, Uint8Array.from(state.key));
}
