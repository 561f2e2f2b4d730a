/**
 * The call state machine of one client (docs/design.md §5): one call at a time.
 *
 *   idle ─placeCall→ outgoing-resolving ─key verified→ outgoing-ringing ─accept→ active ─CALL_END→ ended
 *   idle ─INCOMING_CALL→ incoming-verifying ─offer verified→ incoming-ringing ─answer→ active
 *
 * Every path to `ended` (reject, busy, timeout, hang-up, error, connection loss) erases the call's
 * secrets: the pending offer (caller secret + ephemeral key), the opened offer (secret) or the media keys.
 * While not idle/ended, a further INCOMING_CALL is answered "busy" (call waiting).
 */
import type { MediaKeys, OpenedOffer, PendingCall } from '@leitung/session';
import type { CallEndReason, MediaGrant } from '@leitung/wire';
import type { AudioFlow } from '../media/audio-flow.js';
import type { MediaLaneStatus } from './call-snapshot.js';
import type { Peer } from './events.js';

export type CallState =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'outgoing-resolving';
      readonly callId: Uint8Array;
      readonly handle: number;
      readonly targetLabel: string;
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

export type CallStateName = CallState['kind'];

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
