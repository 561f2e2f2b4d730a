/**
 * The call state machine of one client (docs/design.md §5): one call at a time.
 *
 *   idle ─placeCall→ outgoing-resolving ─key verified→ outgoing-ringing ─accept→ active ─CALL_END→ ended
 *   idle ─INCOMING_CALL→ incoming-verifying ─offer verified→ incoming-ringing ─answer→ active
 *
 * Every path to `ended` (reject, busy, timeout, hang-up, error, connection loss) erases the call's
 * secrets: an offer drafted ahead, the pending offer (caller secret + ephemeral key), the opened offer
 * (secret) or the media keys.
 * While not idle/ended, a further INCOMING_CALL is answered "busy" (call waiting). The helpers below build
 * the active and ended states and release what an ending call holds, for the CallMachine (call-machine.ts).
 */
import type { RsaPublicKey } from '@leitung/crypto';
import type { IdentityOperationResult, MediaKeys, OpenedOffer, PendingCall } from '@leitung/session';
import type { CallEndReason, MediaGrant } from '@leitung/wire';
import { toHex } from '../bytes.js';
import type { AudioFlow } from '../media/audio-flow.js';
import type { CallAction } from './call-actions.js';
import type { MediaLaneStatus } from './call-snapshot.js';
import type { VerifiedContact } from './core-outputs.js';
import { dropEarlyOffer, type EarlyOffer } from './early-offer.js';
import type { Peer } from './events.js';

export type CallState =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'outgoing-resolving';
      readonly callId: Uint8Array;
      readonly handle: number;
      readonly targetLabel: string;
      /** The offer drafted for the callee's pinned key while the lookup is out (early-offer.ts). */
      early?: EarlyOffer | undefined;
    }
  | {
      readonly kind: 'outgoing-ringing';
      readonly callId: Uint8Array;
      readonly handle: number;
      readonly peer: Peer;
      readonly peerId: Uint8Array;
      readonly safetyNumber: string;
      readonly pending: PendingCall;
      readonly deadline: number;
      grant: MediaGrant | undefined;
    }
  | {
      readonly kind: 'incoming-verifying';
      readonly callId: Uint8Array;
      readonly callerId: Uint8Array;
      readonly callerName: string;
      readonly sealedCallData: Uint8Array;
      /**
       * The identity key's decryption of the offer's wrapped secret, once it came (undefined inside: the
       * offer is no sealed box). It runs while the caller's key is looked up (docs/client.md "Identity held
       * elsewhere"); the secret waits here for the verified key and is erased if the call ends first.
       */
      readonly opened?: { readonly unwrapped: IdentityOperationResult | undefined };
      /** The caller's verified key, when the lookup answered before the decryption did. */
      readonly verified?: { readonly caller: VerifiedContact; readonly key: RsaPublicKey };
    }
  | {
      readonly kind: 'incoming-ringing';
      readonly callId: Uint8Array;
      readonly peer: Peer;
      readonly peerId: Uint8Array;
      readonly safetyNumber: string;
      readonly offer: OpenedOffer;
      readonly deadline: number;
    }
  | {
      readonly kind: 'active';
      readonly callId: Uint8Array;
      readonly peer: Peer;
      readonly peerId: Uint8Array;
      readonly role: 'caller' | 'callee';
      readonly safetyNumber: string;
      readonly answeredAt: number;
      readonly keys: MediaKeys;
      /** The lane's binding at the relay, as the shell reports it (`mediaLane`). */
      media: MediaLaneStatus;
      /** Whether the peer's audio arrives, as the lane reports it. */
      audio: AudioFlow;
      /** The shell was told to open the call's media lane (`media:open`); later grants retarget it. */
      laneOpen: boolean;
      /** Set while the control connection is down: the call waits for CALL_RESUME on a relay until then. */
      resumeDeadline: number | undefined;
      /** CALL_RESUME sent on the current connection, MEDIA_GRANT not yet received. */
      resumeSent: boolean;
    }
  | {
      readonly kind: 'ended';
      readonly callId: Uint8Array;
      readonly reason: CallEndReason;
      readonly by: 'local' | 'remote';
      readonly code: string | undefined;
      readonly direction: 'outgoing' | 'incoming';
      readonly peer: Peer | undefined;
      /** The peer's name, or the name dialled when the call ended before the callee was verified. */
      readonly peerName: string | undefined;
      /** False for an incoming call refused before it rang (the user never saw it). */
      readonly shown: boolean;
    };

/**
 * The internal call state's name (`Client.callState`, `ClientCore.callState`; docs/client.md "State
 * machines"): `idle`, `outgoing-resolving`, `outgoing-ringing`, `incoming-verifying`, `incoming-ringing`,
 * `active`, `ended`. Applications show the call snapshot (`Client.currentCall`) instead: these names
 * include states the user is never shown (an incoming call before its offer is verified).
 */
export type CallStateName =
  | 'idle'
  | 'outgoing-resolving'
  | 'outgoing-ringing'
  | 'incoming-verifying'
  | 'incoming-ringing'
  | 'active'
  | 'ended';

/** A call that occupies the client: anything but idle and ended. */
export type LiveCall = Exclude<CallState, { kind: 'idle' | 'ended' }>;

/** The call id of a state that has one. */
export function callIdOf(state: CallState): Uint8Array | undefined {
  switch (state.kind) {
    case 'idle':
      return undefined;
    case 'outgoing-resolving':
    case 'outgoing-ringing':
    case 'incoming-verifying':
    case 'incoming-ringing':
    case 'active':
    case 'ended':
      return state.callId;
  }
}

/** True while a call occupies the client (a new one would be refused as busy). */
export function isBusy(state: CallState): boolean {
  return state.kind !== 'idle' && state.kind !== 'ended';
}

/** The call once answered (`answer`) or accepted (CALL_RESPONSE): keys agreed, the media lane not open yet. */
export function activeCall(
  call: Extract<CallState, { kind: 'outgoing-ringing' | 'incoming-ringing' }>,
  role: 'caller' | 'callee',
  keys: Extract<CallState, { kind: 'active' }>['keys'],
  now: number,
): Extract<CallState, { kind: 'active' }> {
  return {
    kind: 'active',
    callId: call.callId,
    peer: call.peer,
    peerId: call.peerId,
    role,
    safetyNumber: call.safetyNumber,
    answeredAt: now,
    keys,
    media: 'opening',
    audio: 'waiting',
    laneOpen: false,
    resumeDeadline: undefined,
    resumeSent: false,
  };
}

/** An ended call, ended locally and shown to the user unless the caller overrides those. */
export function endedCall(
  callId: Uint8Array,
  direction: 'outgoing' | 'incoming',
  peer: Peer | undefined,
  reason: CallEndReason,
  code: string | undefined,
): Extract<CallState, { kind: 'ended' }> {
  return {
    kind: 'ended',
    callId,
    reason,
    by: 'local',
    code,
    direction,
    peer,
    peerName: peer?.name,
    shown: true,
  };
}

/** Which way an ending call went: outgoing from placeCall until it was answered, then by role. */
function directionOf(call: LiveCall): 'outgoing' | 'incoming' {
  switch (call.kind) {
    case 'outgoing-resolving':
    case 'outgoing-ringing':
      return 'outgoing';
    case 'incoming-verifying':
    case 'incoming-ringing':
      return 'incoming';
    case 'active':
      return call.role === 'caller' ? 'outgoing' : 'incoming';
  }
}

/** The ended state of `call`: its direction, its peer (or the name dialled), shown unless it never rang. */
export function endedFrom(
  call: LiveCall,
  reason: CallEndReason,
  by: 'local' | 'remote',
  code: string | undefined,
): Extract<CallState, { kind: 'ended' }> {
  const peer = 'peer' in call ? call.peer : undefined;
  return {
    ...endedCall(call.callId, directionOf(call), peer, reason, code),
    ...(call.kind === 'outgoing-resolving' ? { peerName: call.targetLabel } : {}),
    by,
    shown: call.kind !== 'incoming-verifying',
  };
}

/** Erases the decrypted secret an incoming call holds while its caller's key is being verified. */
export function eraseUnwrapped(call: Extract<CallState, { kind: 'incoming-verifying' }>): void {
  const unwrapped = call.opened?.unwrapped;
  if (unwrapped?.ok === true) unwrapped.value.fill(0);
}

/**
 * Erases what an ending call holds — its pending offer (secret + ephemeral key), its opened offer (secret),
 * its media keys — and says what else must go: its lookups, its media lane.
 */
export function releaseCall(call: LiveCall): CallAction[] {
  switch (call.kind) {
    case 'outgoing-resolving':
      if (call.early !== undefined) dropEarlyOffer(call.early);
      call.early = undefined;
      return [{ kind: 'cancel-lookups', purpose: 'call' }];
    case 'incoming-verifying':
      eraseUnwrapped(call);
      return [{ kind: 'cancel-lookups', purpose: 'incoming' }];
    case 'outgoing-ringing':
      call.pending.destroy();
      return [];
    case 'incoming-ringing':
      call.offer.destroy();
      return [];
    case 'active': {
      const actions: CallAction[] = call.laneOpen
        ? [{ kind: 'media:close', callId: toHex(call.callId) }]
        : [];
      call.keys.destroy();
      return actions;
    }
  }
}
