/**
 * A relay-list entry (docs/design.md §2 and §6): where a relay listens and the fingerprint of its key. The
 * client refuses a relay whose key does not match the fingerprint — no trust on first use (docs/lessons.md #2).
 */
import type { RelayEntry } from '@leitung/session';
import { ClientError, ClientErrorCode } from '../errors.js';

export type { RelayEntry };

/** The id (hex) of the directory log the relay serves: the cluster's log id or the relay's own. */
export function logIdOfEntry(entry: RelayEntry): string {
  return (entry.logId ?? entry.fingerprint).toLowerCase();
}

/** A stable key for maps: the fingerprint (one relay key, one relay). */
export function relayKey(entry: RelayEntry): string {
  return entry.fingerprint.toLowerCase();
}

/** A `ws://` or `wss://` URL without query or fragment (docs/protocol.md "WebSocket transport"). */
function isWebSocketUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

const isPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;

/** Checks and normalises an entry (e.g. one read from a relay's `--info-out` JSON). */
export function parseRelayEntry(value: unknown): RelayEntry {
  const v = value as Partial<Record<keyof RelayEntry, unknown>> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.host !== 'string' ||
    v.host.length === 0 ||
    !isPort(v.port) ||
    !isPort(v.mediaPort) ||
    typeof v.fingerprint !== 'string' ||
    !/^[0-9a-fA-F]{64}$/.test(v.fingerprint) ||
    (v.logId !== undefined && (typeof v.logId !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v.logId))) ||
    (v.webSocket !== undefined && !isWebSocketUrl(v.webSocket))
  ) {
    throw new ClientError(
      ClientErrorCode.InvalidArgument,
      'relay entry needs host, port, mediaPort and a 64-hex-digit fingerprint (and logId, webSocket URL, if any)',
    );
  }
  return {
    host: v.host,
    port: v.port,
    mediaPort: v.mediaPort,
    fingerprint: v.fingerprint.toLowerCase(),
    ...(typeof v.webSocket === 'string' ? { webSocket: v.webSocket } : {}),
    ...(typeof v.logId === 'string' ? { logId: v.logId.toLowerCase() } : {}),
  };
}
