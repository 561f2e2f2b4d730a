/**
 * Structured logging of core events (pino). Events carry ids, names, codes and counts only — no key,
 * token, nonce, ciphertext or frame content ever reaches a log line (docs/lessons.md #19), which a test checks by
 * capturing the log of a full run.
 *
 * By default the log holds no communication metadata (docs/relay.md "Events and logs"): no call event (who
 * called whom, when, for how long — the metrics count calls), no presence event, and no client id or name
 * on any line. `logMetadata` (`leitung-relay --log-metadata`) is an explicit opt-in for debugging that logs
 * every event with its client ids, names and call parties.
 */
import type { Logger } from 'pino';
import type { RelayEvent } from '../core/outputs.js';

export interface EventLogOptions {
  /** Log who called whom and who was online when (ids and names). Off by default. */
  readonly metadata?: boolean;
}

export function logEvent(logger: Logger, event: RelayEvent, options: EventLogOptions = {}): void {
  if (options.metadata === true) {
    logFull(logger, event);
    return;
  }
  switch (event.type) {
    case 'connection:opened':
      logger.debug(event, event.type);
      return;
    case 'connection:closed':
      logger.debug({ type: event.type, connId: event.connId, reason: event.reason }, event.type);
      return;
    case 'media:allocated':
      logger.debug({ type: event.type, sessionId: event.sessionId }, event.type);
      return;
    case 'media:released':
      logger.debug({ type: event.type, sessionId: event.sessionId, reason: event.reason }, event.type);
      return;
    case 'request:refused':
      // The address stays (abuse handling, blocklists); the identity behind it does not.
      logger.info(
        { type: event.type, connId: event.connId, code: event.code, remoteIp: event.remoteIp },
        event.type,
      );
      return;
    case 'client:registered':
      logger.info({ type: event.type, index: event.index, created: event.created }, event.type);
      return;
    case 'directory:appended':
      logger.info(event, event.type);
      return;
    case 'client:key-rotated':
      // The directory is public, and a rotation is an entry like any other.
      logger.info({ type: event.type, index: event.index }, event.type);
      return;
    case 'client:online':
    case 'client:offline':
    case 'call:started':
    case 'call:answered':
    case 'call:ended':
      // Presence and the call graph: counted in the metrics, never logged by default.
      return;
  }
}

function logFull(logger: Logger, event: RelayEvent): void {
  switch (event.type) {
    case 'connection:opened':
    case 'connection:closed':
    case 'media:allocated':
    case 'media:released':
      logger.debug(event, event.type);
      return;
    case 'request:refused':
    case 'client:registered':
    case 'client:online':
    case 'client:offline':
    case 'directory:appended':
    case 'client:key-rotated':
    case 'call:started':
    case 'call:answered':
    case 'call:ended':
      logger.info(event, event.type);
      return;
  }
}
