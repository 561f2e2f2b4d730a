/**
 * What the client core's protocol modules (key-lookups.ts, head-gossip.ts, phonebook-sync.ts) send and
 * report through the core: the core owns the request table and the outputs, the ConnectionMachine the
 * sealed channel (docs/client.md "Layers"), so a module never numbers a request, seals a frame or holds
 * the output queue itself.
 */
import type { ControlMessage } from '@leitung/wire';
import type { CommandResult } from './core-outputs.js';
import type { DirectoryView, HeadChange } from './directory-view.js';
import type { CoreEvent } from './events.js';
import type { Pending, RequestMessage } from './relay-requests.js';

export interface CoreLink {
  /** True while registered: requests and messages can be sent. */
  connected(): boolean;
  /**
   * Registers `pending` with a deadline and sends `message` under its request id (a lookup without one:
   * GET_PUBLIC_KEY for its target).
   */
  request(pending: Pending, now: number, message?: RequestMessage): void;
  /** Seals and sends a message that expects no answer; dropped while not registered. */
  sendSealed(message: ControlMessage, now: number): void;
  emit(event: CoreEvent): void;
  /** Settles the command started with `handle`. */
  result(handle: number, result: CommandResult): void;
  /** The store changed: the shell persists it. */
  persist(): void;
  /** `directory` accepted a new head (`tree-head:accepted`; the store changed). */
  headAccepted(directory: DirectoryView, change: HeadChange): void;
}
