/**
 * Identities and directory logs (docs/design.md §2, §4): a client id is SHA3-256 of the SPKI DER of its key;
 * a log id is SHA3-256 of the SPKI DER of the key that signs the log's tree heads.
 */
import type { LeitungCrypto, RsaPublicKey } from '@leitung/crypto';

/** SHA3-256 of the key's SPKI DER, 32 bytes (the hex form is the key's fingerprint). */
export function clientIdOf(crypto: LeitungCrypto, publicKey: RsaPublicKey | Uint8Array): Uint8Array {
  const spki = publicKey instanceof Uint8Array ? publicKey : publicKey.toDer();
  return crypto.sha3_256(spki);
}

/** The id of the log whose heads `signingKey` signs. */
export function logIdOf(crypto: LeitungCrypto, signingKey: RsaPublicKey): Uint8Array {
  return crypto.sha3_256(signingKey.toDer());
}
