/**
 * The signed, sealed call data of a call (docs/design.md §5; docs/session-protocol.md "Call offers") as
 * the CallMachine uses @leitung/session's offers: ours for a verified callee, carrying our last accepted
 * tree head for the callee to compare (docs/key-transparency.md "Gossip in calls"), and the caller's,
 * opened under the replay guard — whose entries are reported whatever the outcome, because an admitted
 * call id must be refused after a restart too.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { type CallIdReplayGuard, createCallOffer, type OpenedOffer, openCallOffer } from '@leitung/session';
import { toHex } from '../bytes.js';
import type { SeenCallIds } from './call-actions.js';
import type { CallState } from './call-state.js';
import { asError } from './core-errors.js';

/** This client as a party to calls: its keys and id, and the codecs it offers (preference order). */
export interface CallParty {
  readonly crypto: LeitungCrypto;
  readonly identity: RsaPrivateKey;
  readonly clientId: Uint8Array;
  readonly codecs: readonly number[];
}

/** Our offer to the callee whose verified key is `key` (SPKI DER `publicKey`). */
export function sealOffer(
  party: CallParty,
  callId: Uint8Array,
  callee: { readonly publicKey: Uint8Array; readonly key: RsaPublicKey },
  gossipHead: Uint8Array | undefined,
  now: number,
): { readonly calleeId: Uint8Array; readonly offer: ReturnType<typeof createCallOffer> } {
  const { crypto, clientId, identity, codecs } = party;
  const calleeId = crypto.sha3_256(callee.publicKey);
  const offer = createCallOffer({
    crypto,
    caller: { id: clientId, privateKey: identity },
    callee: { id: calleeId, publicKey: callee.key },
    codecs,
    now,
    callId,
    treeHead: gossipHead,
  });
  return { calleeId, offer };
}

/** The caller's offer opened (or the check it failed), and the guard's entries if they changed. */
export type OpenedIncoming =
  | { readonly ok: true; readonly offer: OpenedOffer; readonly seen: SeenCallIds | undefined }
  | { readonly ok: false; readonly error: Error; readonly seen: SeenCallIds | undefined };

/** Opens the offer of the call being verified, from the caller whose verified key is `key`. */
export function openOffer(
  party: CallParty,
  guard: CallIdReplayGuard,
  call: Extract<CallState, { kind: 'incoming-verifying' }>,
  key: RsaPublicKey,
  now: number,
): OpenedIncoming {
  const { crypto, clientId, identity } = party;
  const before = guard.size;
  const seen = (): SeenCallIds | undefined => {
    const entries = guard.entries();
    const last = entries.at(-1);
    const admitted = last !== undefined && last[0] === toHex(call.callId) && last[1] === now;
    return admitted || entries.length !== before ? entries : undefined;
  };
  try {
    const offer = openCallOffer({
      crypto,
      sealedCallData: call.sealedCallData,
      statedCallId: call.callId,
      callee: { id: clientId, privateKey: identity },
      statedCallerId: call.callerId,
      callerPublicKey: key,
      now,
      replayGuard: guard,
    });
    return { ok: true, offer, seen: seen() };
  } catch (error) {
    return { ok: false, error: asError(error), seen: seen() };
  }
}
