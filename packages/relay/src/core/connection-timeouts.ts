/**
 * The timeouts a control connection is under (docs/relay.md "Limits and their defaults"): the handshake
 * timeout from connect until WELCOME, the idle timeout once established, and the partial-frame timeout while
 * a frame is incomplete, in every phase.
 */
import { RelayErrorCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { Connection } from './connection.js';

export interface ConnectionDeadline {
  readonly at: number;
  readonly code: RelayErrorCode;
}

type TimeoutLimits = Pick<RelayLimits, 'handshakeTimeoutMs' | 'idleTimeoutMs' | 'partialFrameTimeoutMs'>;

export function connectionDeadlines(connection: Connection, limits: TimeoutLimits): ConnectionDeadline[] {
  const deadlines: ConnectionDeadline[] = [];
  const phase = connection.phase;
  switch (phase.kind) {
    case 'awaiting-register':
    case 'opening':
    case 'sealing':
    case 'challenged':
    case 'proving':
    case 'appending':
      deadlines.push({
        at: connection.openedAt + limits.handshakeTimeoutMs,
        code: RelayErrorCode.HandshakeTimeout,
      });
      break;
    case 'established':
      deadlines.push({ at: connection.lastFrameAt + limits.idleTimeoutMs, code: RelayErrorCode.IdleTimeout });
      break;
    case 'closed':
      break;
  }
  if (connection.partialSince !== undefined) {
    deadlines.push({
      at: connection.partialSince + limits.partialFrameTimeoutMs,
      code: RelayErrorCode.PartialFrameTimeout,
    });
  }
  return deadlines;
}
