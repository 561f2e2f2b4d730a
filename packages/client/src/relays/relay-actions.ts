/**
 * The vocabulary between the relay policy core (relay-policy.ts) and the Client shell: what a probe
 * yielded (in), what the shell is to do (out), and the two relay events the Client emits
 * (docs/client.md "Relays: choice, failover, resume", "Events").
 */
import type { ClientError } from '../errors.js';
import type { ProbeResult } from './probe-result.js';
import type { RelayEntry } from './relay-entry.js';

/**
 * `relay:switched`: the client is registered on another relay — after losing the previous one
 * (`failover`) or, while no call is up, because another is clearly faster (`better`).
 */
export interface RelaySwitchedEvent {
  readonly type: 'relay:switched';
  /** The relay left or lost; undefined when none was registered before. */
  readonly from: RelayEntry | undefined;
  /** The relay registered on now. */
  readonly to: RelayEntry;
  /** `failover`: the old relay dropped or stopped answering; `better`: a clearly faster relay (hysteresis). */
  readonly reason: 'failover' | 'better';
}

/**
 * `relay:lost`: the connection to the registered relay is gone — dropped, keepalives unanswered, or left
 * for a clearly better relay. The client connects to the next relay at once (`relay:switched` follows once
 * registered); a relay that failed is ranked behind the others for the failure penalty (10 s).
 */
export interface RelayLostEvent {
  readonly type: 'relay:lost';
  /** The relay lost. */
  readonly relay: RelayEntry;
  /** The closing code the shell reported (the Client reports CLIENT_ERR_CONNECTION_CLOSED). */
  readonly code: string;
}

/** One relay's answer to a probe: its figures, or why it gave none (unreachable, timeout, not a PONG). */
export type ProbeOutcome =
  | { readonly relay: RelayEntry; readonly ok: true; readonly result: ProbeResult }
  | { readonly relay: RelayEntry; readonly ok: false; readonly error: Error };

/** What the relay policy asks the shell to do, in the order given. */
export type RelayAction =
  /** Probe these relays (in parallel, each within `timeoutMs`) and hand every outcome to `probed`. */
  | { readonly kind: 'probe'; readonly relays: readonly RelayEntry[]; readonly timeoutMs: number }
  /** Open a control connection to `relay` and register; report `registered`, `registrationFailed`, `closed`. */
  | { readonly kind: 'connect'; readonly relay: RelayEntry }
  /** Close the registered connection to `relay` to move to `to`, a clearly better relay; report `closed`. */
  | { readonly kind: 'leave'; readonly relay: RelayEntry; readonly to: RelayEntry }
  /**
   * The policy's next deadline: call `tick` at `until` (or undefined: no deadline). Replaces the deadline
   * of any earlier `wait`.
   */
  | { readonly kind: 'wait'; readonly until: number | undefined }
  /** Emit this event to the Client's listeners. */
  | { readonly kind: 'event'; readonly event: RelayLostEvent | RelaySwitchedEvent }
  /** `start` failed for good (CLIENT_ERR_NO_RELAY, the last failure as cause): the policy is stopped. */
  | { readonly kind: 'give-up'; readonly error: ClientError };
