/**
 * What the relay's optional WebSocket listener is configured with (docs/relay.md "WebSocket listener",
 * docs/operations.md "Flags"): its port, the page origins it serves, how long an accepted connection may
 * take to upgrade, and the URL the relay-list entry publishes. Checked once at start.
 */
import { RelayError, RelayErrorCode } from '../errors.js';

/**
 * The relay's WebSocket listener for browsers (`startRelay({ webSocket })`, `leitung-relay --ws-port`). It
 * carries the same protocol as TCP and UDP (docs/protocol.md "WebSocket transport"): `/control` for
 * control frames, `/media` for one call's media lane.
 */
export interface RelayWebSocketOptions {
  /** TCP port of the listener, on the relay's host; 0 picks a free one. */
  readonly port: number;
  /**
   * Page origins (`scheme://host[:port]`, as browsers send them in `Origin`) allowed to connect. When set,
   * an upgrade without an `Origin` in the list is refused with HTTP 403; when undefined, any origin is
   * served (the protocol authenticates both ends itself; the list only decides whose web pages may use this
   * relay's capacity).
   */
  readonly allowedOrigins?: readonly string[];
  /** An accepted TCP connection must finish its WebSocket upgrade within this (ms; default 10 000). */
  readonly upgradeTimeoutMs?: number;
  /**
   * The base URL published in the relay-list entry (`webSocket`), e.g. `wss://relay.example/leitung` behind
   * a TLS-terminating proxy. Default `ws://HOST:PORT`.
   */
  readonly publicUrl?: string;
}

/** The checked options, with defaults filled in. */
export interface ResolvedWebSocketOptions {
  readonly port: number;
  readonly allowedOrigins: ReadonlySet<string> | undefined;
  readonly upgradeTimeoutMs: number;
  readonly publicUrl: string | undefined;
}

/** Default of {@link RelayWebSocketOptions.upgradeTimeoutMs} (the partial-frame timeout's order). */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 10_000;

/** Checks `options`; RELAY_ERR_INVALID_OPTION for a bad port, origin, timeout or URL. */
export function resolveWebSocketOptions(options: RelayWebSocketOptions): ResolvedWebSocketOptions {
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'webSocket.port must be a port number (0-65535)');
  }
  const timeout = options.upgradeTimeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'webSocket.upgradeTimeoutMs must be positive');
  }
  let origins: Set<string> | undefined;
  if (options.allowedOrigins !== undefined) {
    origins = new Set(options.allowedOrigins.map(checkOrigin));
  }
  const url = options.publicUrl;
  if (url !== undefined && !isWebSocketUrl(url)) {
    throw new RelayError(RelayErrorCode.InvalidOption, 'webSocket.publicUrl must be a ws:// or wss:// URL');
  }
  return { port, allowedOrigins: origins, upgradeTimeoutMs: timeout, publicUrl: url };
}

/** An origin exactly as a browser serialises it: scheme, host and a non-default port, nothing else. */
function checkOrigin(origin: string): string {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch (error) {
    throw new RelayError(RelayErrorCode.InvalidOption, `not an origin: ${origin}`, { cause: error });
  }
  if (parsed.origin === 'null' || parsed.origin !== origin) {
    throw new RelayError(
      RelayErrorCode.InvalidOption,
      `not an origin (scheme://host[:port], no path or trailing slash): ${origin}`,
    );
  }
  return origin;
}

/** True for an absolute ws:// or wss:// URL without query or fragment. */
export function isWebSocketUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') && parsed.search === '' && parsed.hash === ''
    );
  } catch {
    return false;
  }
}

/** The listener's own URL: `ws://HOST:PORT` (IPv6 hosts in brackets). */
export function listenerUrl(host: string, port: number): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
