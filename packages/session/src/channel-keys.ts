/**
 * Channel key schedule (docs/session-protocol.md §1): HKDF-SHA256 over both handshake secrets, salted
 * with both nonces, bound to a hash of the whole handshake transcript, so a relay impostor or a
 * man in the middle who altered any handshake byte ends up with different keys.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import { concat, lengthPrefixed } from './bytes.js';
import { LABEL_CHANNEL, LABEL_HANDSHAKE } from './labels.js';
import type { DirectionKeys } from './sealed-channel.js';

export interface HandshakeTranscript {
  readonly register: Uint8Array;
  readonly challenge: Uint8Array;
  readonly prove: Uint8Array;
}

export interface ChannelSecrets {
  readonly challenge: Uint8Array;
  readonly clientSecret: Uint8Array;
  readonly clientNonce: Uint8Array;
  readonly relayNonce: Uint8Array;
}

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

export function deriveChannelKeys(
  crypto: LeitungCrypto,
  secrets: ChannelSecrets,
  transcript: HandshakeTranscript,
): ChannelKeys {
  const ikm = concat(secrets.challenge, secrets.clientSecret);
  const okm = crypto.hkdf(
    'sha256',
    ikm,
    concat(secrets.clientNonce, secrets.relayNonce),
    concat(LABEL_CHANNEL, transcriptHash(crypto, transcript)),
    128,
  );
  ikm.fill(0);
  const keys: ChannelKeys = {
    clientToRelay: { enc: okm.slice(0, 32), mac: okm.slice(32, 64) },
    relayToClient: { enc: okm.slice(64, 96), mac: okm.slice(96, 128) },
  };
  okm.fill(0);
  return keys;
}

/** Overwrites every key in `keys` (the ciphers made from them keep their own copies). */
export function wipeChannelKeys(keys: ChannelKeys): void {
  for (const k of [keys.clientToRelay, keys.relayToClient]) {
    k.enc.fill(0);
    k.mac.fill(0);
  }
}
