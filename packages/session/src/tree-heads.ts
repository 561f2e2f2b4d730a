/**
 * Signed tree heads with the relay's key (docs/design.md §3 step 2, §4): RSA-PSS over merkle's canonical
 * tree-head encoding, and the client-side decision whether a new head may replace the last accepted one.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import {
  checkTreeHeadUpdate,
  type MerkleError,
  type SignedTreeHead,
  signTreeHead as signHead,
  type TreeHead,
  type TreeHeadChange,
} from '@leitung/merkle';
import type { SignedTreeHead as WireSignedTreeHead } from '@leitung/wire';
import { SessionError, SessionErrorCode } from './errors.js';
import { logIdOf } from './identity.js';

/** A tree head as Leitung signs it: always with the name-map root (encoding version 2). */
export type MappedTreeHead = TreeHead & { readonly mapRoot: Uint8Array };

/** Signs `head` (RSA-PSS-SHA256) with the relay's key, over the version 2 encoding (with `mapRoot`). */
export function signTreeHead(
  crypto: LeitungCrypto,
  privateKey: RsaPrivateKey,
  head: MappedTreeHead,
): WireSignedTreeHead {
  const signed = signHead(head, (message) => crypto.sign(privateKey, message));
  return {
    logId: signed.logId,
    size: signed.size,
    root: signed.root,
    mapRoot: head.mapRoot,
    time: signed.time,
    signature: signed.signature,
  };
}

/** What a client holds about one directory: who signs it and the last head it accepted. */
export interface TreeHeadCheck {
  readonly crypto: LeitungCrypto;
  /** The key that signs this directory's heads (v1: the relay's pinned key). */
  readonly signingKey: RsaPublicKey;
  /**
   * The log id the heads must name. Default `logIdOf(signingKey)` (a single relay). A relay cluster shares
   * one log id while every relay signs with its own key (docs/operations.md "Relay cluster").
   */
  readonly logId?: Uint8Array | undefined;
  /** The last head accepted for this log, if any (from the vault). */
  readonly previous: SignedTreeHead | undefined;
  readonly next: SignedTreeHead;
  /** Consistency proof from `previous.size` to `next.size`. */
  readonly consistencyProof: readonly Uint8Array[];
}

/**
 * Accepts `next` only if it is signed by `signingKey`, names the expected log (`logId`, default that
 * key's log), and extends `previous`
 * (consistency proof; same size needs the same root, a smaller size is refused). Throws SessionError
 * SESSION_ERR_TREE_HEAD_SIGNATURE or SESSION_ERR_TREE_INCONSISTENT (with the merkle error as cause).
 */
export function acceptTreeHead(check: TreeHeadCheck): TreeHeadChange {
  const { crypto, signingKey } = check;
  // A version 1 head (no name-map root) binds no name map: Leitung refuses it (docs/key-transparency.md).
  if (!(check.next.mapRoot instanceof Uint8Array) || check.next.mapRoot.length !== 32) {
    throw new SessionError(SessionErrorCode.TreeHeadSignature, 'tree head does not sign a name-map root');
  }
  const decision = checkTreeHeadUpdate(
    {
      logId: check.logId ?? logIdOf(crypto, signingKey),
      verifySignature: (message, signature) => crypto.verify(signingKey, message, signature),
    },
    { previous: check.previous, next: check.next, consistencyProof: check.consistencyProof },
  );
  switch (decision.kind) {
    case 'accepted':
      return decision.change;
    case 'rejected':
      throw treeHeadError(decision.error);
  }
}

function treeHeadError(error: MerkleError): SessionError {
  if (error.code === 'MERKLE_ERR_BAD_SIGNATURE') {
    return new SessionError(SessionErrorCode.TreeHeadSignature, 'tree head signature does not verify', {
      cause: error,
    });
  }
  return new SessionError(
    SessionErrorCode.TreeInconsistent,
    `tree head is not consistent with the last accepted one (${error.code})`,
    { cause: error },
  );
}
