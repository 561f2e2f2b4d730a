/**
 * REGISTER sealed to the pinned relay's key (docs/session-protocol.md §1): a client that already holds the
 * relay's key (from an earlier verified CHALLENGE) hides its name and key from passive observers. The
 * inner REGISTER payload is what both sides hash into the transcript, exactly as for a plain REGISTER.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { decodeMessage, encodeMessage, type Register } from '@leitung/wire';
import { SessionError, SessionErrorCode } from './errors.js';
import { LABEL_REGISTER_SEALED } from './handshake-labels.js';
import { type RelayKeyOperation, runRelayKeyOperation } from './relay-handshake.js';

/** The REGISTER_SEALED payload carrying `register` (a REGISTER payload) sealed to `relayKey`. */
export function sealRegister(
  crypto: LeitungCrypto,
  relayKey: RsaPublicKey,
  register: Uint8Array,
): Uint8Array {
  return encodeMessage({
    type: 'REGISTER_SEALED',
    sealed: crypto.seal(relayKey, register, LABEL_REGISTER_SEALED),
  });
}

/**
 * Opens REGISTER_SEALED's `sealed` field with the relay key; the content must be a REGISTER payload.
 * Every failure (not for this key, tampered, not a REGISTER) is SESSION_ERR_INVALID_ARGUMENT.
 */
export function openSealedRegister(
  crypto: LeitungCrypto,
  privateKey: RsaPrivateKey,
  sealed: Uint8Array,
): { readonly register: Register; readonly bytes: Uint8Array } {
  let opened: Uint8Array | undefined;
  try {
    opened = runRelayKeyOperation(crypto, privateKey, sealedRegisterOperation(sealed));
  } catch {
    opened = undefined;
  }
  return registerFromOpened(opened);
}

/**
 * The private-key work of opening REGISTER_SEALED's `sealed` field, for a relay that runs it elsewhere
 * (docs/relay.md "Crypto workers"); {@link registerFromOpened} continues with its result.
 */
export function sealedRegisterOperation(sealed: Uint8Array): RelayKeyOperation {
  return { op: 'open', sealed, associatedData: LABEL_REGISTER_SEALED };
}

/**
 * The REGISTER inside an opened REGISTER_SEALED; `opened` is undefined when opening failed. Every failure (did
 * not open, not a REGISTER) is SESSION_ERR_INVALID_ARGUMENT, as in {@link openSealedRegister}.
 */
export function registerFromOpened(opened: Uint8Array | undefined): {
  readonly register: Register;
  readonly bytes: Uint8Array;
} {
  if (opened === undefined) {
    throw new SessionError(SessionErrorCode.InvalidArgument, 'sealed REGISTER does not open');
  }
  let message: ReturnType<typeof decodeMessage>;
  try {
    message = decodeMessage(opened);
  } catch (error) {
    throw new SessionError(SessionErrorCode.InvalidArgument, 'sealed REGISTER does not open', {
      cause: error,
    });
  }
  if (message.type !== 'REGISTER') {
    throw new SessionError(SessionErrorCode.InvalidArgument, 'sealed REGISTER does not hold a REGISTER');
  }
  return { register: message, bytes: opened };
}
