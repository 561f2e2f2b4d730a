/**
 * OAEP labels of the two handshake ciphertexts (docs/session-protocol.md §1). Distinct labels mean a
 * CHALLENGE ciphertext can never be passed off as a PROVE ciphertext or anything else sealed to the same key.
 */
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export const OAEP_LABEL_CHALLENGE = utf8('leitung/v1 challenge');
export const OAEP_LABEL_PROVE = utf8('leitung/v1 prove');
/** Length of nonces, the challenge and the client's channel secret. */
export const HANDSHAKE_SECRET_BYTES = 32;
