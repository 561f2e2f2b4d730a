/**
 * The signed, sealed call data of a call (docs/design.md §5; docs/session-protocol.md "Call offers") as
 * the CallMachine uses @leitung/session's offers: ours for a verified callee, carrying our last accepted
 * tree head for the callee to compare (docs/key-transparency.md "Gossip in calls"), and the caller's,
 * opened under the replay guard — whose entries are reported whatever the outcome, because an admitted
 * call id must be refused after a restart too.
 */
import type { LeitungCrypto, MlKemKeyPair, RsaPublicKey } from '@leitung/crypto';
import {
  beginCallOffer,
  type CallIdReplayGuard,
  type CallOfferDraft,
  callOfferOpening,
  finishOpenCallOffer,
  type IdentityOperation,
  type IdentityOperationResult,
  type OpenedOffer,
} from '@leitung/session';
import { toHex } from '../bytes.js';
import type { SeenCallIds } from './call-actions.js';
import type { CallState } from './call-state.js';
import { asError } from './core-errors.js';

/**
 * This client as a party to calls: its id and the codecs it offers (preference order). Its identity key
 * signs and opens offers through key-operation steps (core-steps.ts), so the private key is not here.
 */
export interface CallParty {
  readonly crypto: LeitungCrypto;
  readonly clientId: Uint8Array;
  readonly codecs: readonly number[];
}

/**
 * Our offer to the callee whose verified key is `key` (SPKI DER `publicKey`), waiting for our signature;
 * with its ML-KEM-768 key pair `kem` made ahead, or a fresh one.
 */
export function draftOffer(
  party: CallParty,
  callId: Uint8Array,
  callee: { readonly publicKey: Uint8Array; readonly key: RsaPublicKey },
  gossipHead: Uint8Array | undefined,
  now: number,
  kem?: MlKemKeyPair,
): { readonly calleeId: Uint8Array; readonly draft: CallOfferDraft } {
  const { crypto, clientId, codecs } = party;
  const calleeId = crypto.sha3_256(callee.publicKey);
  const draft = beginCallOffer({
    crypto,
    caller: { id: clientId },
    callee: { id: calleeId, publicKey: callee.key },
    codecs,
    now,
    callId,
    treeHead: gossipHead,
    kem,
  });
  return { calleeId, draft };
}

/** The caller's offer opened (or the check it failed), and the guard's entries if they changed. */
export type OpenedIncoming =
  | { readonly ok: true; readonly offer: OpenedOffer; readonly seen: SeenCallIds | undefined }
  | { readonly ok: false; readonly error: Error; readonly seen: SeenCallIds | undefined };

/** What our identity key must decrypt to open the call's offer; undefined when it is not a sealed box. */
export function offerOpening(
  party: CallParty,
  call: Extract<CallState, { kind: 'incoming-verifying' }>,
): IdentityOperation | undefined {
  return callOfferOpening(party.crypto, call.sealedCallData);
}

/**
 * Opens the offer of the call being verified, from the caller whose verified key is `key`, with what the
 * identity key decrypted its wrapped secret to (`unwrapped`).
 */
export function openOffer(
  party: CallParty,
  guard: CallIdReplayGuard,
  call: Extract<CallState, { kind: 'incoming-verifying' }>,
  key: RsaPublicKey,
  unwrapped: IdentityOperationResult | undefined,
  now: number,
): OpenedIncoming {
  const { crypto, clientId } = party;
  const before = guard.size;
  const seen = (): SeenCallIds | undefined => {
    const entries = guard.entries();
    const last = entries.at(-1);
    const admitted = last !== undefined && last[0] === toHex(call.callId) && last[1] === now;
    return admitted || entries.length !== before ? entries : undefined;
  };
  try {
    const offer = finishOpenCallOffer(
      {
        crypto,
        sealedCallData: call.sealedCallData,
        statedCallId: call.callId,
        callee: { id: clientId },
        statedCallerId: call.callerId,
        callerPublicKey: key,
        now,
        replayGuard: guard,
      },
      unwrapped,
    );
    return { ok: true, offer, seen: seen() };
  } catch (error) {
    return { ok: false, error: asError(error), seen: seen() };
  }
}
