/**
 * What the client core hands its shell (docs/client.md "Layers"): the outputs every input returns, in order
 * (docs/architecture.md "Cores and shells"), and the values commands settle with.
 */
import type { IdentityOperation, MediaKeys } from '@leitung/session';
import type { MediaGrant } from '@leitung/wire';
import type { ContactInfo, CoreEvent, Peer } from './events.js';

/** A verified directory lookup. */
export interface VerifiedContact extends ContactInfo {
  /** SPKI DER of the verified key. */
  readonly publicKey: Uint8Array;
  /** True when this key differs from the pinned one (see `contact:key-changed`). */
  readonly keyChanged: boolean;
}

/** The result of a successful `placeCall`: the callee accepted and the keys are confirmed. */
export interface EstablishedCall {
  readonly callId: string;
  readonly peer: Peer;
}

/**
 * How a command that settles later (`ClientCore.lookup`, `placeCall`, `rotateKey`) ended: the verified
 * entry or the established call, or the error it failed with. Carried by the `result` output under the
 * shell's handle.
 */
export type CommandResult =
  | { readonly ok: true; readonly value: VerifiedContact | EstablishedCall }
  | { readonly ok: false; readonly error: Error };

/**
 * What a ClientCore input asks its shell to do, in the order returned (docs/client.md "Layers";
 * docs/architecture.md "Cores and shells"): send a frame payload, close the connection, emit an event,
 * persist the store, settle a command, or open, move or close a call's media lane. A shell carries them
 * out with one exhaustive switch on `kind`.
 */
export type CoreOutput =
  /** Send this frame payload on the control connection (frame it with wire's encodeFrame). */
  | { readonly kind: 'send'; readonly payload: Uint8Array }
  /** Close the control connection; `code` says why. */
  | { readonly kind: 'close'; readonly code: string }
  /** Emit `event` to the application (under `event.type`). */
  | { readonly kind: 'event'; readonly event: CoreEvent }
  /** The store changed: persist it (e.g. `vault.save()`). */
  | { readonly kind: 'persist' }
  /** The command started with `handle` finished. */
  | { readonly kind: 'result'; readonly handle: number; readonly result: CommandResult }
  /**
   * Only for a core built with `heldIdentity` (docs/client.md "Identity held elsewhere"): run `operation`
   * with the identity's private key and hand the answer to `ClientCore.keyOperationDone(id, …)`, also when
   * it failed. The protocol waits for it; the handshake and request deadlines keep running.
   */
  | { readonly kind: 'key-operation'; readonly id: number; readonly operation: IdentityOperation }
  /**
   * Only for a core built with `deferredOutputs`: hand `id` back with `ClientCore.runDeferred(id, now)`
   * once the outputs before this one are carried out. It is work the core holds back so that what it
   * decided first is on its way (an offer signed with the in-core key while the callee's key lookup is on
   * the wire; docs/client.md "Offers drafted ahead").
   */
  | { readonly kind: 'deferred'; readonly id: number }
  | MediaLaneOutput;

/**
 * The control decisions about a call's media lane (docs/architecture.md "Media lane"). The control core
 * never sees a media packet: it says when the lane opens, moves and closes, and the shell's MediaChannel
 * carries the frames.
 */
export type MediaLaneOutput =
  /**
   * The call's first MEDIA_GRANT: open its lane with the call's media keys (the lane binds at once and
   * erases the keys and the grant token when it closes).
   */
  | {
      readonly kind: 'media:open';
      readonly callId: string;
      readonly keys: MediaKeys;
      readonly grant: MediaGrant;
    }
  /**
   * A new grant for the live call (CALL_RESUME, docs/design.md §6): move the lane to the grant's relay and
   * bind there with the same keys; its DATA sequence numbers continue above the last one sent.
   */
  | { readonly kind: 'media:retarget'; readonly callId: string; readonly grant: MediaGrant }
  /** The call ended: close its lane. */
  | { readonly kind: 'media:close'; readonly callId: string };
