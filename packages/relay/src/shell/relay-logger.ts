/**
 * The relay's pino logger: JSON lines, with redaction of any field named like key material as a second
 * line of defence — the events the relay logs carry ids, names, codes and counts only (docs/lessons.md #19).
 */
import { type DestinationStream, type Level, type Logger, pino } from 'pino';

/** Options of {@link createRelayLogger}: the level and where the JSON lines go. */
export interface RelayLoggerOptions {
  /** Default 'info'. */
  readonly level?: Level | 'silent';
  /** Where the JSON lines go; stdout by default (the program passes stderr). */
  readonly destination?: DestinationStream;
}

const REDACTED_PATHS = [
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
  'publicKey',
  '*.publicKey',
  'secret',
  '*.secret',
  'pem',
  '*.pem',
];

/**
 * Creates the relay's pino logger: JSON lines tagged `service: leitung-relay`, with any field named like key
 * material redacted (a second line of defence; the relay's events carry no keys). Pass it as `startRelay({
 * logger })`.
 */
export function createRelayLogger(options: RelayLoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? 'info',
    base: { service: 'leitung-relay' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
