/**
 * What the client core's modules hand back to it (docs/client.md "Layers"; docs/architecture.md "Cores and
 * shells": input in, outputs returned). Every module input returns the steps it produced, in order, and
 * the ClientCore applies them with one exhaustive switch: a shell output (core-outputs.ts) goes out as it
 * is, anything else is the core's own work — seal a message on the ConnectionMachine's channel, number a
 * request in the core's RequestTable, route a relay message. So a module never numbers a request, seals a
 * frame or holds an output queue, and the core never hands a module a callback.
 */
import type { IdentityOperation, IdentityOperationResult } from '@leitung/session';
import type { ControlMessage } from '@leitung/wire';
import type { CallAction } from './call-actions.js';
import type { ConnectionStep } from './connection-machine.js';
import type { CommandResult, CoreOutput } from './core-outputs.js';
import type { DirectoryView, HeadChange } from './directory-view.js';
import type { CoreEvent } from './events.js';
import type { Pending, RequestMessage } from './relay-requests.js';

/** Seal `message` on the ready connection and send it; dropped while not registered. */
export interface SealStep {
  readonly kind: 'seal';
  readonly message: ControlMessage;
}

/**
 * Register `pending` with a deadline and send `message` under its request id (a lookup without one:
 * GET_PUBLIC_KEY for its target).
 */
export interface RequestStep {
  readonly kind: 'request';
  readonly pending: Pending;
  readonly message?: RequestMessage;
}

/**
 * Run `operation` with this client's identity key, then carry on with `resume` (docs/client.md "Identity
 * held elsewhere"). The core runs it at once when it holds the key, so `resume` follows depth-first as any
 * step; when the key is held elsewhere it hands the operation to the shell as a `key-operation` output and
 * calls `resume` with the answer (`ClientCore.keyOperationDone`), whatever happened meanwhile — so `resume`
 * first checks that what it continues is still current. A key-operation step is the last of its list.
 */
export interface KeyOperationStep {
  readonly kind: 'key-operation';
  readonly operation: IdentityOperation;
  /**
   * Run after the outputs before it are carried out rather than depth-first: with the key in the core it
   * goes to the shell as a `deferred` output (an offer signed ahead while the lookup it waits for is on
   * the wire). A held key's operation is asynchronous anyway.
   */
  readonly background?: boolean;
  readonly resume: (result: IdentityOperationResult, now: number) => readonly CoreStep[];
}

/**
 * Work the core puts behind the outputs decided so far (the next offer's key pair, made while nothing
 * waits): it goes to the shell as a `deferred` output, and `run` follows when the shell hands it back.
 */
export interface BackgroundStep {
  readonly kind: 'background';
  readonly run: (now: number) => readonly CoreStep[];
}

export type EventOutput = Extract<CoreOutput, { kind: 'event' }>;
export type ResultOutput = Extract<CoreOutput, { kind: 'result' }>;

/** What the protocol modules (key-lookups.ts, head-gossip.ts, phonebook-sync.ts) return. */
export type ProtocolStep =
  | EventOutput
  | ResultOutput
  | { readonly kind: 'persist' }
  | SealStep
  | RequestStep
  | KeyOperationStep;

/** A fatal error on the connection (relay-messages.ts): report it and close (ConnectionMachine.fail). */
export interface FailStep {
  readonly kind: 'fail';
  readonly error: unknown;
}

/** Everything a module of the core may return; relay-messages.ts routes to all of them. */
export type CoreStep =
  | Exclude<CoreOutput, { kind: 'key-operation' }>
  | ProtocolStep
  | ConnectionStep
  | CallAction
  | FailStep;

export function emit(event: CoreEvent): EventOutput {
  return { kind: 'event', event };
}

export function seal(message: ControlMessage): SealStep {
  return { kind: 'seal', message };
}

/** Settles the command the shell started with `handle`. */
export function settle(handle: number, result: CommandResult): ResultOutput {
  return { kind: 'result', handle, result };
}

/** `directory` accepted a new head: `tree-head:accepted`, and the store changed. */
export function headAccepted(directory: DirectoryView, change: HeadChange): ProtocolStep[] {
  return [
    emit({ type: 'tree-head:accepted', logId: directory.logId, size: directory.head.size, change }),
    { kind: 'persist' },
  ];
}
