/**
 * An offer drafted for a contact whose key is pinned before its lookup answered: at the dial, while the
 * lookup of that key is on the wire, or before the dial when the application says a call is coming
 * (`prepareCall`: a pointer resting on the call button) — docs/client.md "Offers drafted ahead". The lookup
 * still decides: the offer goes out only if the verified key is the pinned one it was sealed to and the
 * accepted tree head it gossips is still the one accepted now (docs/key-transparency.md "Gossip in
 * calls"). Anything else erases it unsent and the offer is drafted again from the lookup, as without a pin.
 * So the signature and the sealing leave the call's critical path without sending anything the lookup has
 * not confirmed.
 */
import type { RsaPublicKey } from '@leitung/crypto';
import type { CallOffer, CallOfferDraft, IdentityOperationResult } from '@leitung/session';
import { bytesEqual } from '../bytes.js';
import type { VerifiedContact } from './core-outputs.js';

export interface EarlyOffer {
  /** SPKI DER of the pinned key the offer is sealed to. */
  readonly calleePublicKey: Uint8Array;
  readonly calleeKey: RsaPublicKey;
  readonly calleeId: Uint8Array;
  /** The accepted head, encoded, that the offer gossips. */
  readonly gossipHead: Uint8Array;
  /**
   * `signing`: the identity key is signing the draft; `sealed`: the offer is ready to send. A failed
   * signature drops the early offer (the lookup's path asks the key again and reports its failure).
   */
  step:
    | { readonly kind: 'signing'; readonly draft: CallOfferDraft }
    | { readonly kind: 'sealed'; readonly offer: CallOffer };
  /** The lookup confirmed the pin while the signature was still being made. */
  confirmed: VerifiedContact | undefined;
}

/**
 * How long an offer prepared before the dial is kept for it (ms); then it is erased unsent. The callee
 * refuses call data more than 30 s old (docs/session-protocol.md §3), and the secrets of an offer nobody
 * sends should not outlive the user's hesitation by much.
 */
export const PREPARED_OFFER_TTL_MS = 10_000;

/**
 * How long the answer to a key lookup sent before the dial (`prepareCall` with `lookup`: the call button
 * pressed, not yet released) stands for the dial's own lookup (ms). A press is released well within it; an
 * older answer is not used, and the dial looks the key up again.
 */
export const LOOKUP_AHEAD_MS = 1_000;

/**
 * The key lookup of a prepared offer's callee sent before the dial, under the offer's call id: none, on
 * the wire, or answered and verified (the contact, its imported key and the head accepted then, encoded).
 */
export type LookupAhead =
  | { readonly kind: 'none' }
  | { readonly kind: 'pending' }
  | {
      readonly kind: 'verified';
      readonly contact: VerifiedContact;
      readonly key: RsaPublicKey;
      readonly gossipHead: Uint8Array;
      readonly at: number;
    };

/** An offer prepared before the dial (`CallMachine.prepare`): its call id, and when it is erased unsent. */
export interface PreparedOffer {
  readonly callId: Uint8Array;
  readonly expiresAt: number;
  readonly early: EarlyOffer;
  lookup: LookupAhead;
}

/** True when `prepared` is still kept and was drafted for the key `publicKey` with the head `gossipHead`. */
export function preparedFor(
  prepared: PreparedOffer,
  publicKey: Uint8Array,
  gossipHead: Uint8Array,
  now: number,
): boolean {
  return (
    now < prepared.expiresAt &&
    bytesEqual(prepared.early.calleePublicKey, publicKey) &&
    bytesEqual(prepared.early.gossipHead, gossipHead)
  );
}

/**
 * The signed draft sealed, or undefined when the signature failed or the sealing threw (the draft's
 * secrets are then erased): the lookup's path drafts again and reports what fails there, so nothing
 * thrown here escapes a core input.
 */
export function sealEarlyOffer(
  draft: CallOfferDraft,
  signature: IdentityOperationResult,
): CallOffer | undefined {
  if (!signature.ok) {
    draft.destroy();
    return undefined;
  }
  try {
    return draft.finish(signature);
  } catch {
    draft.destroy();
    return undefined;
  }
}

/** True when the lookup verified the key the offer is sealed to and the head it gossips is still accepted. */
export function earlyOfferConfirmed(
  early: EarlyOffer,
  contact: VerifiedContact,
  gossipHead: Uint8Array,
): boolean {
  return (
    !contact.keyChanged &&
    bytesEqual(early.calleePublicKey, contact.publicKey) &&
    bytesEqual(early.gossipHead, gossipHead)
  );
}

/** Erases an early offer that will not be sent: its draft's secrets, or its sealed offer's pending keys. */
export function dropEarlyOffer(early: EarlyOffer): void {
  if (early.step.kind === 'signing') early.step.draft.destroy();
  else early.step.offer.pending.destroy();
}

/**
 * What a call placed with `prepared` does about its lookup: undefined — look the key up now; `pending` —
 * the lookup sent at the press answers into the call; `verified` — that lookup's answer, less than
 * {@link LOOKUP_AHEAD_MS} old and under the head accepted now (`gossipHead`), stands for the call's own.
 */
export function lookupTaken(
  prepared: PreparedOffer,
  gossipHead: Uint8Array,
  now: number,
): Exclude<LookupAhead, { kind: 'none' }> | undefined {
  const lookup = prepared.lookup;
  switch (lookup.kind) {
    case 'none':
      return undefined;
    case 'pending':
      return lookup;
    case 'verified':
      return now - lookup.at < LOOKUP_AHEAD_MS && bytesEqual(lookup.gossipHead, gossipHead)
        ? lookup
        : undefined;
  }
}
