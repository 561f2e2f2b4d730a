/**
 * An identity whose private key is held outside this process's memory — a page's non-extractable WebCrypto
 * key, a hardware token, a worker (docs/client.md "Identity held elsewhere"). The Client hands it each
 * operation the protocol needs (decrypt the registration challenge or a call offer's wrapped secret, sign
 * call data or a rotation) and waits for the answer; nothing else about the key is ever asked.
 */
import type { RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import type { IdentityOperation } from '@leitung/session';

/**
 * A holder of the client's identity key (docs/client.md "Identity held elsewhere"): its public key, and the
 * one asynchronous call that runs an operation with the private key. `webCryptoIdentity` (browser entry)
 * makes one from a PKCS#8 key in WebCrypto.
 */
export interface IdentityKeyHolder {
  /** The identity's public key: the client id is its fingerprint. */
  readonly publicKey: RsaPublicKey;
  /**
   * Runs `operation` with the private key: RSA-OAEP-SHA-256 decrypt under the label, or RSA-PSS-SHA-256
   * sign with a 32-byte salt (docs/crypto.md §3). Rejects when the key cannot (wrong ciphertext, key gone):
   * the step it was for then fails with its own code.
   */
  run(operation: IdentityOperation): Promise<Uint8Array>;
}

/** The identity a Client is built with: a private key in memory, or a holder of one. */
export type ClientIdentity = RsaPrivateKey | IdentityKeyHolder;

/** True for a holder (the protocol then waits for its answers), false for a key in memory. */
export function isKeyHolder(identity: ClientIdentity): identity is IdentityKeyHolder {
  return typeof (identity as Partial<IdentityKeyHolder>).run === 'function';
}
