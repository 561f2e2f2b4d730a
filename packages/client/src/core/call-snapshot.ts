/**
 * The public state of the current call (docs/client.md "Call state"): one typed snapshot, derived from the
 * call machine's state alone, so the SDK and every app show the same thing. It changes only on a
 * `call:state` event; apps render it instead of rebuilding call state from single events.
 *
 *   dialing ─→ ringing ─→ connecting-media ─→ active ⇄ reconnecting
 *                 └──────────────┴─────────────┴──────────┴─→ ended (reason, by, code)
 *
 * `reconnecting` means no audio is arriving now: the control connection is down (`cause: 'connection'`,
 * the call waits for CALL_RESUME on a relay) or the peer's audio stopped (`cause: 'media'`). No secret is
 * reachable from a snapshot.
 */
import { CALL_KEY_EXCHANGE } from '@leitung/session';
import type { CallEndReason } from '@leitung/wire';
import { toHex } from '../bytes.js';
import type { AudioFlow } from '../media/audio-flow.js';
import type { CallState } from './call-state.js';
import type { CallRoleName, Peer } from './events.js';

/**
 * The phase of a call as apps show it — `dialing`, `ringing`, `connecting-media`, `active`, `reconnecting`,
 * `ended` (docs/client.md "Call state" lists what each means and which fields it carries).
 */
export type CallPhase = CallSnapshot['phase'];

/**
 * Whether the call's media lane is bound at the relay: `opening` until the first BIND_ACK, `bound`, or
 * `failed` when every BIND retry went unanswered (docs/client.md "State machines", media binding).
 */
export type MediaLaneStatus = 'opening' | 'bound' | 'failed';

/** The fields every {@link CallSnapshot} carries, whatever its phase. */
export interface CallSnapshotBase {
  /** Hex call id. */
  readonly callId: string;
  /** `outgoing` for a call this client placed, `incoming` for one it received. */
  readonly direction: 'outgoing' | 'incoming';
  /** When this phase began (the client's clock, ms). */
  readonly since: number;
}

/**
 * A call whose keys are agreed: the fields every phase after the answer shares (`connecting-media`,
 * `active`, `reconnecting`).
 */
export interface EstablishedCallSnapshotBase extends CallSnapshotBase {
  /** The other party, with the key verified and pinned. */
  readonly peer: Peer;
  /** This client's role in the call. */
  readonly role: CallRoleName;
  /** To compare out of band (docs/security.md). */
  readonly safetyNumber: string;
  /** How the call's keys were agreed (`CALL_KEY_EXCHANGE`). */
  readonly keyExchange: string;
  /** When the call was answered. */
  readonly answeredAt: number;
  /** Whether the media lane is bound at the relay. */
  readonly media: MediaLaneStatus;
  /** Whether the peer's audio arrives: `waiting` before its first frame. */
  readonly audio: AudioFlow;
}

/**
 * The current (or last) call as one typed value, `Client.currentCall`, and the payload of every
 * `call:state` event (docs/client.md "Call state"). Discriminated by `phase`; it holds ids, names, codes
 * and times, never a key or secret. Render it as it is instead of rebuilding call state from single events.
 */
export type CallSnapshot =
  /** Looking the callee's key up (inclusion proof) before the offer goes out. */
  | (CallSnapshotBase & { readonly phase: 'dialing'; readonly target: string })
  /** The offer is out (outgoing) or verified and waiting for `answer()` (incoming). */
  | (CallSnapshotBase & { readonly phase: 'ringing'; readonly peer: Peer; readonly safetyNumber: string })
  /** Answered and keys confirmed; the media lane binds, no audio has arrived yet. */
  | (EstablishedCallSnapshotBase & { readonly phase: 'connecting-media' })
  /** Audio arrives. */
  | (EstablishedCallSnapshotBase & { readonly phase: 'active' })
  /** No audio now: the relay connection is down, or audio stopped arriving. */
  | (EstablishedCallSnapshotBase & { readonly phase: 'reconnecting'; readonly cause: 'connection' | 'media' })
  /** Over: `reason` says why, `by` who ended it, `code` which check or loss, when one did. */
  | (CallSnapshotBase & {
      readonly phase: 'ended';
      readonly peer: Peer | undefined;
      /** The peer's name, or the name dialled when the call ended before the callee was verified. */
      readonly peerName: string | undefined;
      /** `hangup`, `rejected`, `busy`, `timeout`, `offline`, `error` or `relay-shutdown`. */
      readonly reason: CallEndReason;
      /** `local`: this client ended it; `remote`: the other party or the relay did. */
      readonly by: 'local' | 'remote';
      /**
       * The error code behind `reason: 'error'` (e.g. CLIENT_ERR_CALL_LOST; the relay's own code such as
       * RELAY_ERR_NOT_FOUND when the callee's look-up was refused), when there is one.
       */
      readonly code: string | undefined;
    });

/** The snapshot of `state`, or undefined for states the user is not shown (see below). */
export function callSnapshotOf(
  state: CallState,
  now: number,
  previous: CallSnapshot | undefined,
): CallSnapshot | undefined {
  const shown = snapshotWithout(state, now);
  if (shown === undefined) return undefined;
  // A phase keeps the time it began while only its details change.
  const kept = previous !== undefined && previous.callId === shown.callId && previous.phase === shown.phase;
  return kept ? { ...shown, since: previous.since } : shown;
}

function snapshotWithout(state: CallState, now: number): CallSnapshot | undefined {
  switch (state.kind) {
    case 'idle':
    // An incoming call is shown once its offer is verified: before that it may be a forgery.
    case 'incoming-verifying':
      return undefined;
    case 'outgoing-resolving':
      return {
        phase: 'dialing',
        callId: toHex(state.callId),
        direction: 'outgoing',
        since: now,
        target: state.targetLabel,
      };
    case 'outgoing-ringing':
    case 'incoming-ringing':
      return {
        phase: 'ringing',
        callId: toHex(state.callId),
        direction: state.kind === 'outgoing-ringing' ? 'outgoing' : 'incoming',
        since: now,
        peer: state.peer,
        safetyNumber: state.safetyNumber,
      };
    case 'active': {
      const established = {
        callId: toHex(state.callId),
        direction: state.role === 'caller' ? 'outgoing' : 'incoming',
        since: now,
        peer: state.peer,
        role: state.role,
        safetyNumber: state.safetyNumber,
        keyExchange: CALL_KEY_EXCHANGE,
        answeredAt: state.answeredAt,
        media: state.media,
        audio: state.audio,
      } as const;
      if (state.resumeDeadline !== undefined || state.resumeSent)
        return { ...established, phase: 'reconnecting', cause: 'connection' };
      if (state.audio === 'stalled') return { ...established, phase: 'reconnecting', cause: 'media' };
      return { ...established, phase: state.audio === 'flowing' ? 'active' : 'connecting-media' };
    }
    case 'ended':
      if (!state.shown) return undefined;
      return {
        phase: 'ended',
        callId: toHex(state.callId),
        direction: state.direction,
        since: now,
        peer: state.peer,
        peerName: state.peerName,
        reason: state.reason,
        by: state.by,
        code: state.code,
      };
  }
}

/** What a snapshot shows, apart from `since`: a `call:state` event is emitted only when this changes. */
export function shownAs(snapshot: CallSnapshot): string {
  switch (snapshot.phase) {
    case 'dialing':
    case 'ringing':
    case 'ended':
      return `${snapshot.callId} ${snapshot.phase}`;
    case 'connecting-media':
    case 'active':
      return `${snapshot.callId} ${snapshot.phase} ${snapshot.media} ${snapshot.audio}`;
    case 'reconnecting':
      return `${snapshot.callId} ${snapshot.phase} ${snapshot.cause} ${snapshot.media} ${snapshot.audio}`;
  }
}
