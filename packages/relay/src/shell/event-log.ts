/**
 * Structured logging of core events (pino). Events carry ids, names, codes and counts only — no key,
 * token, nonce, ciphertext or frame content ever reaches a log line (LESSONS #19), which a test checks by
 * capturing the log of a full run.
 */
import type { Logger } from 'pino';
import type { RelayEvent } from '../core/outputs.js';

export function logEvent(logger: Logger, event: RelayEvent): void {
  switch (event.type) {
    case 'connection:opened':
    case 'connection:closed':
    case 'media:allocated':
    case 'media:released':
      logger.debug(event, event.type);
      return;
    case 'request:refused':
      // The relay shell logs refusals through its RefusalLog (rate-limited per kind); this is the plain form.
      logger.info(event, event.type);
      return;
    case 'client:registered':
    case 'client:online':
    case 'client:offline':
    case 'directory:appended':
    case 'call:started':
    case 'call:answered':
    case 'call:ended':
      logger.info(event, event.type);
      return;
  }
}
