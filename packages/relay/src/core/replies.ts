/**
 * What the relay sends one connection: sealed messages once the channel exists, plain ones before it, and
 * refusals. Every refusal is a typed ERROR to that peer (sealed once the channel exists), an event and a
 * counter, and a fatal one closes that connection only (docs/relay.md "Architecture").
 */
import { SessionError } from '@leitung/session';
import { type ControlMessage, encodeMessage } from '@leitung/wire';
import type { Connection } from './connection.js';
import { clientIdOf } from './connection.js';
import type { Outbox } from './outbox.js';
import type { CloseReason, ConnectionId } from './outputs.js';
import { countRefusal, type RelayCoreStats } from './relay-stats.js';

export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
  readonly requestId?: number | undefined;
}

/** A refusal that closes the connection. */
export function fatal(code: string, message: string): Refusal {
  return { code, message, fatal: true };
}

export interface RepliesOptions {
  readonly outbox: Outbox;
  readonly stats: RelayCoreStats;
  /** Forgets a connection after a fatal refusal (the core removes every trace of it, then closes it). */
  readonly close: (connection: Connection, reason: CloseReason) => void;
}

export class Replies {
  readonly #outbox: Outbox;
  readonly #stats: RelayCoreStats;
  readonly #close: (connection: Connection, reason: CloseReason) => void;

  constructor(options: RepliesOptions) {
    this.#outbox = options.outbox;
    this.#stats = options.stats;
    this.#close = options.close;
  }

  /** Seals `message` onto an established connection; nothing for a connection in any other phase. */
  sendSealed(connection: Connection, message: ControlMessage): void {
    if (connection.phase.kind !== 'established') return;
    let payload: Uint8Array;
    try {
      payload = connection.phase.channel.seal(message);
    } catch (error) {
      // A channel that failed authentication refuses to seal: the connection is being closed anyway.
      if (error instanceof SessionError) return;
      throw error;
    }
    this.#outbox.push({ kind: 'send', connId: connection.id, payload });
  }

  /** Sends `message` unsealed (before WELCOME: PONG, CHALLENGE, ERROR). */
  sendPlain(connId: ConnectionId, message: ControlMessage): void {
    this.#outbox.push({ kind: 'send', connId, payload: encodeMessage(message) });
  }

  /** Rejects something a peer did; a fatal refusal closes that connection only. */
  refuse(connection: Connection, refusal: Refusal): void {
    this.count(refusal.code);
    const clientId = clientIdOf(connection);
    this.#outbox.emit({
      type: 'request:refused',
      connId: connection.id,
      code: refusal.code,
      remoteIp: connection.remoteIp,
      ...(clientId === undefined ? {} : { clientId }),
    });
    const message = errorMessage(refusal);
    if (connection.phase.kind === 'established') this.sendSealed(connection, message);
    else this.sendPlain(connection.id, message);
    if (refusal.fatal) this.#close(connection, refusal.code as CloseReason);
  }

  /** Refuses a connection that was never admitted to any table: plain ERROR, then the socket is closed. */
  refuseAtConnect(connId: ConnectionId, remoteIp: string, refusal: Refusal): void {
    this.count(refusal.code);
    this.#outbox.emit({ type: 'request:refused', connId, code: refusal.code, remoteIp });
    this.sendPlain(connId, {
      type: 'ERROR',
      code: refusal.code,
      message: refusal.message,
      fatal: refusal.fatal,
    });
    this.#outbox.push({ kind: 'close', connId, reason: refusal.code as CloseReason });
  }

  /** Counts a refusal that reaches the client another way (a cluster delivery). */
  count(code: string): void {
    countRefusal(this.#stats, code);
  }
}

function errorMessage(refusal: Refusal): ControlMessage {
  return {
    type: 'ERROR',
    ...(refusal.requestId === undefined ? {} : { requestId: refusal.requestId }),
    code: refusal.code,
    message: refusal.message.slice(0, 200),
    fatal: refusal.fatal,
  };
}
