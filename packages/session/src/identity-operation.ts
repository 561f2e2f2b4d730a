/**
 * Operations with a client's identity key, for a key held where it cannot be called synchronously — a
 * page's non-extractable WebCrypto key, a hardware token, a worker (docs/session-protocol.md "Identity key
 * operations"). The client-side steps that need the private key come in two halves: `begin…` returns the
 * one {@link IdentityOperation} the step needs, the key's holder runs it, and `finish…` takes its
 * {@link IdentityOperationResult}. The one-call forms (`onChallenge`, `createCallOffer`, `openCallOffer`,
 * `signKeyRotation`) are the two halves run back to back with {@link runIdentityOperation}, so both paths
 * make the same checks and give the same codes.
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';

/**
 * What the identity key must do: RSA-OAEP-SHA-256 decrypt `ciphertext` under `label` (the registration
 * challenge, a sealed box's wrapped secret), or RSA-PSS-SHA-256 sign `message` with a 32-byte salt (call
 * data, a key rotation) — exactly WebCrypto's `RSA-OAEP` and `RSA-PSS` (docs/crypto.md §3).
 */
export type IdentityOperation =
  | { readonly op: 'oaep-decrypt'; readonly ciphertext: Uint8Array; readonly label: Uint8Array }
  | { readonly op: 'pss-sign'; readonly message: Uint8Array };

/** How an identity operation ended: the plaintext or signature, or the holder's error. */
export type IdentityOperationResult =
  | { readonly ok: true; readonly value: Uint8Array }
  | { readonly ok: false; readonly error: Error };

/** Runs `operation` with a key held in this process (the synchronous path). Never throws: errors are results. */
export function runIdentityOperation(
  crypto: LeitungCrypto,
  privateKey: RsaPrivateKey,
  operation: IdentityOperation,
): IdentityOperationResult {
  try {
    switch (operation.op) {
      case 'oaep-decrypt':
        return { ok: true, value: crypto.rsaDecrypt(privateKey, operation.ciphertext, operation.label) };
      case 'pss-sign':
        return { ok: true, value: crypto.sign(privateKey, operation.message) };
    }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
