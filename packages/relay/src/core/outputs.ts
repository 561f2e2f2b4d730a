/**
 * What the sans-I/O {@link RelayCore} asks its shell to do, and what it reports. Each input returns a
 * list of outputs; the shell performs them in order.
 */
import type { RelayKeyOperation } from '@leitung/session';
import type { RelayErrorCode } from '../errors.js';

/** A connection's id, chosen by the shell. */
export type ConnectionId = number;

/** Why the relay closed a connection: a relay or wire error code, or an orderly reason. */
export type CloseReason = RelayErrorCode | `WIRE_ERR_${string}` | 'peer-closed';

/**
 * What the relay reports, one variant per `type`: connections opened and closed, requests refused, clients
 * registered, online, offline or with a rotated key, directory entries appended, calls started, answered and
 * ended, media sessions allocated and released. The core returns them as `event` outputs; the {@link Relay}
 * shell re-emits each under its `type` and logs it (docs/relay.md "Events and logs"). They carry ids, names,
 * codes and counts, never key material.
 */
export type RelayEvent =
  | { readonly type: 'connection:opened'; readonly connId: ConnectionId; readonly remoteIp: string }
  | {
      readonly type: 'connection:closed';
      readonly connId: ConnectionId;
      readonly reason: CloseReason;
      readonly clientId?: string;
    }
  | {
      readonly type: 'request:refused';
      readonly connId: ConnectionId;
      readonly code: string;
      readonly remoteIp: string;
      readonly clientId?: string;
    }
  | {
      readonly type: 'client:registered';
      readonly clientId: string;
      readonly name: string;
      readonly index: number;
      readonly created: boolean;
    }
  | { readonly type: 'client:online'; readonly clientId: string; readonly name: string }
  | { readonly type: 'client:offline'; readonly clientId: string; readonly name: string }
  | { readonly type: 'directory:appended'; readonly index: number; readonly size: number }
  | {
      readonly type: 'client:key-rotated';
      readonly previousClientId: string;
      readonly clientId: string;
      readonly name: string;
      readonly index: number;
    }
  | {
      readonly type: 'call:started';
      readonly callId: string;
      readonly caller: string;
      readonly callee: string;
    }
  | { readonly type: 'call:answered'; readonly callId: string; readonly decision: string }
  | { readonly type: 'call:ended'; readonly callId: string; readonly reason: string }
  | { readonly type: 'media:allocated'; readonly callId: string; readonly sessionId: number }
  | {
      readonly type: 'media:released';
      readonly callId: string;
      readonly sessionId: number;
      readonly reason: string;
    };

/** The name of a relay event (`client:registered`, `call:ended`, …): the event names `Relay.on` accepts. */
export type RelayEventType = RelayEvent['type'];

/**
 * One thing the {@link RelayCore} asks its shell to do, in order: `send` a frame to a connection, `close` one,
 * `append` a binding to the cluster's shared log (relay cluster only), run a `key-operation` on a crypto worker
 * (relay with crypto workers only), `schedule` the next `tick`, or report an `event`. Every core input returns a list of these (docs/architecture.md "Cores and shells").
 */
export type RelayOutput =
  /** Frame `payload` (encodeFrame) and write it to the connection. */
  | { readonly kind: 'send'; readonly connId: ConnectionId; readonly payload: Uint8Array }
  /** Flush what was sent, then close the connection. The core has already forgotten it. */
  | { readonly kind: 'close'; readonly connId: ConnectionId; readonly reason: CloseReason }
  /**
   * Relay cluster only: append a new binding to the cluster's shared log, then answer with
   * `appendCompleted` (once the local replica holds the entry) or `appendRefused`.
   */
  | {
      readonly kind: 'append';
      readonly connId: ConnectionId;
      readonly name: string;
      readonly publicKey: Uint8Array;
      readonly time: number;
    }
  /**
   * Relay with crypto workers only (docs/relay.md "Crypto workers"): run `operation` (with the relay's key, or the
   * client's key check and the challenge's sealing), then answer with `keyOperationCompleted` (its result, or
   * undefined when it failed) or
   * `keyOperationRefused` (queue full, worker lost). A connection has at most one operation pending.
   */
  | { readonly kind: 'key-operation'; readonly connId: ConnectionId; readonly operation: RelayKeyOperation }
  /** Call `tick` no later than `at` (ms, the core's clock). */
  | { readonly kind: 'schedule'; readonly at: number }
  /** Report an event (logs, metrics, the shell's event emitter). */
  | { readonly kind: 'event'; readonly event: RelayEvent };
