/**
 * What the CallMachine (call-machine.ts) returns from each input, in order, for the ClientCore to carry
 * out (docs/architecture.md "Cores and shells": input in, outputs returned). The machine owns the call
 * state and its secrets; the core owns the connection, the request table and the store, so the machine
 * says what it needs of them here — seal a message, start or cancel a key lookup for the call, keep the
 * seen call ids, check a gossiped head — next to what goes to the shell as it is: events, a command's
 * result, and the media-lane decisions (docs/architecture.md "Media lane").
 */
import type { KeyLookupTarget } from '@leitung/wire';
import type { MediaLaneOutput } from './core-outputs.js';
import type { BackgroundStep, EventOutput, KeyOperationStep, ResultOutput, SealStep } from './core-steps.js';

/** Why the call machine looks a key up: the callee of an outgoing call, or the caller of an incoming one. */
export type CallLookupPurpose = 'call' | 'incoming';

/** Call ids seen in offers with the time each was admitted, as the store keeps them. */
export type SeenCallIds = readonly (readonly [string, number])[];

export type CallAction =
  | SealStep
  | EventOutput
  | ResultOutput
  | MediaLaneOutput
  /** Sign our offer or open the caller's with the identity key, then go on (core-steps.ts). */
  | KeyOperationStep
  /** Make the next offer's key pair once the outputs before it are carried out (core-steps.ts). */
  | BackgroundStep
  /** Look `target` up with proof; the answer comes back as calleeVerified/callerVerified or lookupFailed. */
  | {
      readonly kind: 'lookup';
      readonly target: KeyLookupTarget;
      readonly purpose: CallLookupPurpose;
      readonly callId: Uint8Array;
    }
  /** Drop the pending lookups made for a call that ended meanwhile. */
  | { readonly kind: 'cancel-lookups'; readonly purpose: CallLookupPurpose }
  /** The replay guard admitted or forgot call ids: store them (and persist) before the phone rings. */
  | { readonly kind: 'seen-call-ids'; readonly entries: SeenCallIds }
  /** The caller's gossiped head from a verified offer, encoded: compare it with ours (head-gossip.ts). */
  | { readonly kind: 'gossip'; readonly head: Uint8Array };
