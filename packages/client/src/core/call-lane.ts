/**
 * The control decisions about a call's media lane (docs/architecture.md "Media lane"; docs/client.md "Call
 * state"): open it on the call's first MEDIA_GRANT, move it on a later one (CALL_RESUME, docs/design.md
 * §6), and take in what only the lane can see — bound, failed, the peer's audio starting or stalling. The
 * lane's fields live on the active call; the CallMachine publishes the snapshot after each change.
 */
import type { MediaGrant } from '@leitung/wire';
import { toHex } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { AudioFlow } from '../media/audio-flow.js';
import type { CallState } from './call-state.js';
import type { MediaLaneOutput } from './core-outputs.js';
import { type EventOutput, emit } from './core-steps.js';

type ActiveCall = Extract<CallState, { kind: 'active' }>;

/** What a call's media lane reports to the core. */
export type MediaLaneReport =
  | { readonly kind: 'bound'; readonly sessionId: number }
  | { readonly kind: 'failed' }
  | { readonly kind: 'audio'; readonly flow: Exclude<AudioFlow, 'waiting'> };

/**
 * A MEDIA_GRANT for the active call: a new lane, or the lane moving to the grant's relay — unbound until
 * its BIND_ACK either way. CLIENT_ERR_PROTOCOL for a grant of the other side.
 */
export function laneForGrant(call: ActiveCall, grant: MediaGrant): MediaLaneOutput {
  if (grant.side !== call.role)
    throw new ClientError(ClientErrorCode.Protocol, 'media grant for the other side');
  call.resumeSent = false;
  call.media = 'opening';
  const callId = toHex(call.callId);
  const lane: MediaLaneOutput = call.laneOpen
    ? { kind: 'media:retarget', callId, grant }
    : { kind: 'media:open', callId, keys: call.keys, grant };
  call.laneOpen = true;
  return lane;
}

/** The lane's report (hex `callId`) applied to the active call: `media:bound` or `media:failed`, if any. */
export function laneReported(call: ActiveCall, callId: string, report: MediaLaneReport): EventOutput[] {
  switch (report.kind) {
    case 'bound':
      call.media = 'bound';
      return [emit({ type: 'media:bound', callId, sessionId: report.sessionId })];
    case 'failed':
      call.media = 'failed';
      return [emit({ type: 'media:failed', callId, code: ClientErrorCode.MediaBindFailed })];
    case 'audio':
      call.audio = report.flow;
      return [];
  }
}
