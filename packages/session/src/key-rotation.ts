/**
 * Key rotation (docs/key-transparency.md, "Key rotation"): a name's owner replaces its key by appending a
 * rotation entry to the log. The old key signs the statement
 *
 *   statement = "leitung/v1 key-rotation" ‖ logId ‖ lp(UTF-8 name) ‖ previous clientId ‖ lp(new SPKI DER)
 *
 * (RSA-PSS-SHA256), so only the holder of the name's current key can move the name, and only within this
 * log, for this name, away from this exact key, to this exact new key. The new key signs the same statement
 * (`possession`) so the relay appends only keys their sender holds. The signature is part of the log
 * entry: anyone holding the old key (a contact's pin, a small directory) can check the step themselves.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import type { DirectoryEntry } from '@leitung/wire';
import { bytesEqual, concat, lengthPrefixed } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { clientIdOf } from './identity.js';
import {
  type IdentityOperation,
  type IdentityOperationResult,
  runIdentityOperation,
} from './identity-operation.js';
import { LABEL_KEY_ROTATION } from './labels.js';

const utf8 = new TextEncoder();

/** What a rotation statement names. */
export interface RotationStatementInput {
  /** The directory (log) the rotation is for. 32 bytes. */
  readonly logId: Uint8Array;
  /** The bound name, exactly as in the replaced entry. */
  readonly name: string;
  /** clientId of the replaced binding (SHA3-256 of the old SPKI DER). 32 bytes. */
  readonly previous: Uint8Array;
  /** The new key, SPKI DER. */
  readonly publicKey: Uint8Array;
}

/** The bytes both keys sign. */
export function rotationStatement(input: RotationStatementInput): Uint8Array {
  if (input.logId.length !== 32 || input.previous.length !== 32) {
    throw new SessionError(SessionErrorCode.InvalidArgument, 'logId and previous must be 32 bytes');
  }
  return concat(
    LABEL_KEY_ROTATION,
    input.logId,
    lengthPrefixed(utf8.encode(input.name)),
    input.previous,
    lengthPrefixed(input.publicKey),
  );
}

/** The fields of a ROTATE_KEY: the new key and both signatures. */
export interface SignedRotation {
  readonly publicKey: Uint8Array;
  /** By the old key. */
  readonly signature: Uint8Array;
  /** By the new key. */
  readonly possession: Uint8Array;
}

/** Signs a rotation of `name` in `logId` from `previousKey` to `nextKey` with both keys. */
export function signKeyRotation(
  crypto: LeitungCrypto,
  input: {
    readonly logId: Uint8Array;
    readonly name: string;
    readonly previousKey: RsaPrivateKey;
    readonly nextKey: RsaPrivateKey;
  },
): SignedRotation {
  const draft = beginKeyRotation(crypto, { ...input, previousKey: input.previousKey.publicKey });
  return draft.finish(runIdentityOperation(crypto, input.previousKey, draft.operation));
}

/** A rotation waiting for the old key's signature (see {@link beginKeyRotation}). */
export interface KeyRotationDraft {
  /** What the old (current identity) key must sign. */
  readonly operation: IdentityOperation;
  /** ROTATE_KEY's fields with the old key's signature; SESSION_ERR_KEY_OPERATION when it failed. */
  finish(signature: IdentityOperationResult): SignedRotation;
}

/**
 * `signKeyRotation` in two halves, for a current identity key held elsewhere (docs/session-protocol.md
 * "Identity key operations"): the new key signs for possession now, the old key's signature comes back to
 * `finish`.
 */
export function beginKeyRotation(
  crypto: LeitungCrypto,
  input: {
    readonly logId: Uint8Array;
    readonly name: string;
    readonly previousKey: RsaPublicKey;
    readonly nextKey: RsaPrivateKey;
  },
): KeyRotationDraft {
  const publicKey = input.nextKey.publicKey.toDer();
  const statement = rotationStatement({
    logId: input.logId,
    name: input.name,
    previous: clientIdOf(crypto, input.previousKey),
    publicKey,
  });
  const possession = crypto.sign(input.nextKey, statement);
  return {
    operation: { op: 'pss-sign', message: statement },
    finish(signature) {
      if (!signature.ok) {
        throw new SessionError(SessionErrorCode.KeyOperation, 'the identity key did not sign the rotation', {
          cause: signature.error,
        });
      }
      return { publicKey, signature: signature.value, possession };
    },
  };
}

/** The binding a rotation replaces, as far as the check needs it. */
export interface RotatedBinding {
  readonly name: string;
  readonly clientId: Uint8Array;
  /** SPKI DER. */
  readonly publicKey: Uint8Array;
}

/**
 * `entry` is a valid rotation of `previous` in log `logId`: it carries a rotation naming `previous`, keeps
 * its name byte for byte, has a new key, and `previous`'s key signed the statement. SESSION_ERR_KEY_ROTATION
 * otherwise (a relay cannot move a name without the old key).
 */
export function checkKeyRotation(
  crypto: LeitungCrypto,
  logId: Uint8Array,
  entry: DirectoryEntry,
  previous: RotatedBinding,
): void {
  const fail = (why: string): SessionError =>
    new SessionError(SessionErrorCode.KeyRotation, `invalid key rotation: ${why}`, {
      directoryName: entry.name,
    });
  const rotation = entry.rotation;
  if (rotation === undefined) throw fail('the entry is not a rotation');
  if (!bytesEqual(rotation.previous, previous.clientId)) throw fail('it replaces another key');
  if (entry.name !== previous.name) throw fail('it changes the name');
  if (bytesEqual(entry.clientId, previous.clientId)) throw fail('the key does not change');
  let oldKey: ReturnType<LeitungCrypto['importRsaPublicKey']>;
  try {
    oldKey = crypto.importRsaPublicKey(previous.publicKey);
  } catch (error) {
    throw new SessionError(SessionErrorCode.KeyRotation, 'invalid key rotation: unusable old key', {
      cause: error,
      directoryName: entry.name,
    });
  }
  const statement = rotationStatement({
    logId,
    name: entry.name,
    previous: previous.clientId,
    publicKey: entry.publicKey,
  });
  if (!crypto.verify(oldKey, statement, rotation.signature)) throw fail('the old key did not sign it');
}
