/**
 * Sizes and per-field maxima of the control-message catalogue (docs/protocol.md "Message catalogue").
 * Maxima are generous for the algorithms in use (RSA-4096: 550-byte SPKI DER, 512-byte signatures and
 * OAEP ciphertexts) so a key or ciphertext format change does not need a protocol version; the frame
 * limit (64 KiB by default) still bounds every message as a whole.
 */
export const FIELD_LIMITS = {
  /** SHA3-256 output: Merkle roots, proof hashes, log ids. */
  hashBytes: 32,
  /** `clientId` = SHA3-256 of the client's SPKI DER (docs/design.md §2). */
  clientIdBytes: 32,
  /** Handshake nonces (`clientNonce`, `relayNonce`). */
  nonceBytes: 32,
  /** A relay's fingerprint (SHA3-256 of its key's SPKI DER), e.g. MEDIA_GRANT `mediaRelay`. */
  relayFingerprintBytes: 32,
  /** Call identifier chosen by the caller. */
  callIdBytes: 16,
  /** Media session token in MEDIA_GRANT. */
  mediaTokenBytes: 32,
  /** X25519 public key. */
  x25519PublicKeyBytes: 32,
  /** ML-KEM-768 ciphertext (FIPS 203): CALL_RESPONSE `kem`. */
  kemCipherTextBytes: 1088,
  /** PING/PONG nonce. */
  pingNonceBytes: 8,
  /** Display name, UTF-8 bytes (the directory's own name policy may be stricter). */
  nameMaxBytes: 64,
  /** SPKI DER public key. */
  publicKeyMaxBytes: 2048,
  /** Signature (tree heads). */
  signatureMaxBytes: 1024,
  /** Sealed handshake values (`sealedChallenge`, PROVE `sealed`). */
  sealedHandshakeMaxBytes: 2048,
  /** Sealed, signed call data (CALL_REQUEST, INCOMING_CALL). */
  sealedCallDataMaxBytes: 4096,
  /** REGISTER_SEALED `sealed`: a sealed box around a REGISTER payload. */
  sealedRegisterMaxBytes: 4096,
  /** Callee's confirmation in CALL_RESPONSE. */
  confirmMaxBytes: 1024,
  /** Hashes in an inclusion proof (a tree of 2^64 leaves needs 64). */
  inclusionProofMaxHashes: 64,
  /** Sibling hashes in a name-map proof (one per bit of a 256-bit map key at most). */
  mapProofMaxHashes: 256,
  /** Hashes in a consistency proof (at most about 2 × log2 of the tree size). */
  consistencyProofMaxHashes: 128,
  /**
   * Entries in CHALLENGE's optional full directory (small directories only). 64 entries of RSA-4096 keys
   * are about 42 KiB, so a CHALLENGE carrying them stays inside the default 64 KiB frame.
   */
  directoryMaxEntries: 64,
  /** Contacts in one phonebook page. */
  phonebookPageMaxContacts: 256,
  /** Changes in one PHONEBOOK_DELTA. */
  phonebookDeltaMaxChanges: 256,
  /** Contacts whose presence one client may watch (PRESENCE_WATCH). */
  presenceWatchMaxIds: 256,
  /** ERROR `code`, UTF-8 bytes. */
  errorCodeMaxBytes: 64,
  /** ERROR `message`, UTF-8 bytes. */
  errorMessageMaxBytes: 256,
} as const;
