/**
 * A crypto object that records the call-key material it hands out and the identity operations it runs,
 * so that warm-up and rehearsal tests can check what was made, used and erased.
 */
import type { LeitungCrypto, MlKemKeyPair, RsaPrivateKey, X25519KeyPair } from '@leitung/crypto';
import { crypto as baseCrypto } from './fixtures.js';

export interface TrackedCrypto {
  readonly crypto: LeitungCrypto;
  /** ML-KEM-768 key pairs generated. */
  readonly pairs: MlKemKeyPair[];
  /** Shared secrets from decapsulation. */
  readonly secrets: Uint8Array[];
  /** X25519 key pairs generated. */
  readonly ephemerals: X25519KeyPair[];
  /** RSA-PSS signatures and RSA-OAEP decryptions with a private key. */
  readonly uses: { sign: number; unwrap: number };
}

export function trackedCrypto(): TrackedCrypto {
  const t: TrackedCrypto = {
    crypto: {
      ...baseCrypto,
      generateMlKemKeyPair: (seed?: Uint8Array) => {
        const pair = baseCrypto.generateMlKemKeyPair(seed);
        t.pairs.push(pair);
        return pair;
      },
      mlKemDecapsulate: (key: MlKemKeyPair['privateKey'], cipherText: Uint8Array) => {
        const secret = baseCrypto.mlKemDecapsulate(key, cipherText);
        t.secrets.push(secret);
        return secret;
      },
      generateX25519KeyPair: () => {
        const pair = baseCrypto.generateX25519KeyPair();
        t.ephemerals.push(pair);
        return pair;
      },
      sign: (key: RsaPrivateKey, message: Uint8Array) => {
        t.uses.sign++;
        return baseCrypto.sign(key, message);
      },
      rsaDecrypt: (key: RsaPrivateKey, ciphertext: Uint8Array, label?: Uint8Array) => {
        t.uses.unwrap++;
        return baseCrypto.rsaDecrypt(key, ciphertext, label);
      },
    },
    pairs: [],
    secrets: [],
    ephemerals: [],
    uses: { sign: 0, unwrap: 0 },
  };
  return t;
}
