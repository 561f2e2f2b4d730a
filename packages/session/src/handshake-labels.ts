/**
 * Labels and sizes of the registration handshake (docs/session-protocol.md §1, docs/crypto.md §11).
 * Distinct OAEP labels mean a CHALLENGE ciphertext can never be passed off as a PROVE ciphertext or
 * anything else sealed to the same key.
 */
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * OAEP label of the sealed challenge `challenge ‖ relayKeyId ‖ H(REGISTER)`. A new label for the bound
 * layout: a ciphertext of the older, unbound 32-byte form cannot be opened as the bound one.
 */
export const OAEP_LABEL_CHALLENGE = utf8('leitung/v1 bound-challenge');
/**
 * OAEP label of PROVE's `challenge ‖ clientSecret` to the relay key, so no other ciphertext sealed to that
 * key opens as a PROVE (docs/crypto.md §11).
 */
export const OAEP_LABEL_PROVE = utf8('leitung/v1 prove');
/** HKDF info prefix of the key-confirmation key (followed by the challenge transcript hash). */
export const LABEL_CONFIRM_KEY = utf8('leitung/v1 register-confirm-key');
/** HMAC prefix of PROVE's `confirm` tag. */
export const LABEL_REGISTER_CONFIRM = utf8('leitung/v1 register-confirm');
/** Associated data of REGISTER_SEALED's sealed box. */
export const LABEL_REGISTER_SEALED = utf8('leitung/v1 register-sealed');
/** Length of nonces, the challenge, the client's channel secret, key ids, hashes and `confirm`. */
export const HANDSHAKE_SECRET_BYTES = 32;
/** Sealed challenge plaintext: challenge(32) ‖ relayKeyId(32) ‖ H(REGISTER)(32). */
export const SEALED_CHALLENGE_BYTES = 3 * HANDSHAKE_SECRET_BYTES;
