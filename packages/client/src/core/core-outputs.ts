/**
 * What the client core hands its shell (docs/client.md "Layers"): outputs drained with `takeOutputs()`
 * and the values commands settle with.
 */
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

export type CommandResult =
  | { readonly ok: true; readonly value: VerifiedContact | EstablishedCall }
  | { readonly ok: false; readonly error: Error };

export type CoreOutput =
  /** Send this frame payload on the control connection (frame it with wire's encodeFrame). */
  | { readonly kind: 'send'; readonly payload: Uint8Array }
  /** Close the control connection; `code` says why. */
  | { readonly kind: 'close'; readonly code: string }
  /** Send this datagram to the relay's media port, from the call's media socket. */
  | { readonly kind: 'datagram'; readonly callId: string; readonly data: Uint8Array }
  | { readonly kind: 'event'; readonly event: CoreEvent }
  /** The store changed: persist it (e.g. `vault.save()`). */
  | { readonly kind: 'persist' }
  /** The command started with `handle` finished. */
  | { readonly kind: 'result'; readonly handle: number; readonly result: CommandResult };
