/**
 * Channel key schedule (docs/session-protocol.md §1): HKDF-SHA256 over both handshake secrets, salted
 * with both nonces, bound to a hash of the whole handshake transcript, so a relay impostor or a
 * man in the middle who altered any handshake byte ends up with different keys.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import { concat, lengthPrefixed } from './bytes.js';
import { LABEL_CONFIRM_KEY, LABEL_REGISTER_CONFIRM } from './handshake-labels.js';
import { LABEL_CHANNEL, LABEL_HANDSHAKE } from './labels.js';
import type { DirectionKeys } from './sealed-channel.js';

/**
 * The exact REGISTER (inner payload also for REGISTER_SEALED), CHALLENGE and PROVE frame payloads, hashed
 * into the channel keys so any altered handshake byte gives other keys (docs/session-protocol.md §1).
 */
export interface HandshakeTranscript {
  readonly register: Uint8Array;
  readonly challenge: Uint8Array;
  readonly prove: Uint8Array;
}

/**
 * The handshake's four 32-byte random values: the challenge and client secret (HKDF input keying material)
 * and both nonces (the salt) (docs/session-protocol.md §1).
 */
export interface ChannelSecrets {
  readonly challenge: Uint8Array;
  readonly clientSecret: Uint8Array;
  readonly clientNonce: Uint8Array;
  readonly relayNonce: Uint8Array;
}

/**
 * The sealed channel's keys: a 32-byte encryption key and a 32-byte MAC key per direction
 * (docs/session-protocol.md §1–2).
 */
export interface ChannelKeys {
  readonly clientToRelay: DirectionKeys;
  readonly relayToClient: DirectionKeys;
}

/** th = SHA3-256("leitung/v1 handshake" ‖ lp(REGISTER) ‖ lp(CHALLENGE) ‖ lp(PROVE)). */
export function transcriptHash(crypto: LeitungCrypto, t: HandshakeTranscript): Uint8Array {
  return crypto.sha3_256(
    concat(LABEL_HANDSHAKE, lengthPrefixed(t.register), lengthPrefixed(t.challenge), lengthPrefixed(t.prove)),
  );
}

/**
 * ch = SHA3-256("leitung/v1 handshake" ‖ lp(REGISTER) ‖ lp(CHALLENGE)): what PROVE's key confirmation
 * covers (docs/session-protocol.md §1).
 */
export function challengeTranscriptHash(
  crypto: LeitungCrypto,
  register: Uint8Array,
  challenge: Uint8Array,
): Uint8Array {
  return crypto.sha3_256(concat(LABEL_HANDSHAKE, lengthPrefixed(register), lengthPrefixed(challenge)));
}

/**
 * PROVE's key confirmation (docs/session-protocol.md §1):
 * `ck = HKDF-SHA256(challenge ‖ clientSecret, clientNonce ‖ relayNonce, "leitung/v1 register-confirm-key" ‖ ch, 32)`,
 * `confirm = HMAC-SHA256(ck, "leitung/v1 register-confirm" ‖ ch ‖ H(sealed))`. Only the holder of the
 * client key (who read `challenge`) can compute it, and only over the REGISTER and CHALLENGE bytes the
 * relay itself received and sent: a rewritten name or a relayed CHALLENGE gives another tag.
 */
export function registrationConfirm(
  crypto: LeitungCrypto,
  secrets: ChannelSecrets,
  challengeHash: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  const key = handshakeHkdf(crypto, secrets, concat(LABEL_CONFIRM_KEY, challengeHash), 32);
  const tag = crypto.hmac(
    'sha256',
    key,
    concat(LABEL_REGISTER_CONFIRM, challengeHash, crypto.sha3_256(sealed)),
  );
  key.fill(0);
  return tag;
}

/**
 * `HKDF-SHA256(challenge ‖ clientSecret, salt = clientNonce ‖ relayNonce, info = "leitung/v1 channel" ‖ th)`,
 * 128 bytes split into an encryption and a MAC key per direction (docs/session-protocol.md §1).
 */
export function deriveChannelKeys(
  crypto: LeitungCrypto,
  secrets: ChannelSecrets,
  transcript: HandshakeTranscript,
): ChannelKeys {
  const okm = handshakeHkdf(crypto, secrets, concat(LABEL_CHANNEL, transcriptHash(crypto, transcript)), 128);
  const keys: ChannelKeys = {
    clientToRelay: { enc: okm.slice(0, 32), mac: okm.slice(32, 64) },
    relayToClient: { enc: okm.slice(64, 96), mac: okm.slice(96, 128) },
  };
  okm.fill(0);
  return keys;
}

/**
 * HKDF-SHA256 over both handshake secrets, salted with both nonces (docs/session-protocol.md §1); `info`
 * names what the output is for. The concatenated input keying material is wiped after use.
 */
function handshakeHkdf(crypto: LeitungCrypto, secrets: ChannelSecrets, info: Uint8Array, length: number) {
  const ikm = concat(secrets.challenge, secrets.clientSecret);
  const okm = crypto.hkdf('sha256', ikm, concat(secrets.clientNonce, secrets.relayNonce), info, length);
  ikm.fill(0);
  return okm;
}

/** Overwrites every key in `keys` (the ciphers made from them keep their own copies). */
export function wipeChannelKeys(keys: ChannelKeys): void {
  for (const k of [keys.clientToRelay, keys.relayToClient]) {
    k.enc.fill(0);
    k.mac.fill(0);
  }
}
