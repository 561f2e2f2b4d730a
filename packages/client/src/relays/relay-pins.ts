/**
 * Which relays of a relay list may be used and which become new pins (docs/client.md "Relay pins").
 * A relay list from a file is data anyone may have planted (a `relays.json` in a working directory), so it
 * never silently changes the vault's pins:
 *
 * - an entry for a pinned address (host:port) with another fingerprint than the pin is a security alarm,
 *   always refused (CLIENT_ERR_RELAY_PIN_CONFLICT): someone may be redirecting the client to their relay;
 * - an entry whose fingerprint is not pinned is pinned only when the caller says so (a first run, or an
 *   explicit "add relay" by the user), otherwise refused (CLIENT_ERR_RELAY_NOT_PINNED).
 */
import { ClientError, ClientErrorCode } from '../errors.js';
import { type RelayEntry, relayKey } from './relay-entry.js';

/** `host:port` with the host lower-cased: the address a pin is known by. */
function addressOf(entry: RelayEntry): string {
  return `${entry.host.toLowerCase()}:${entry.port}`;
}

/**
 * Every address a pin is known by: `host:port`, and the WebSocket URL (scheme, host, port, path without a
 * trailing slash) for the clients that reach the relay there (docs/client.md "Transports"), so a planted
 * entry that reuses a pinned relay's WebSocket URL with another key is the same alarm.
 */
function addressesOf(entry: RelayEntry): string[] {
  const addresses = [addressOf(entry)];
  if (entry.webSocket !== undefined) {
    let url: URL;
    try {
      url = new URL(entry.webSocket);
    } catch (error) {
      throw new ClientError(ClientErrorCode.InvalidArgument, 'relay entry webSocket is not a URL', {
        cause: error,
      });
    }
    addresses.push(`${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`);
  }
  return addresses;
}

/**
 * Checks `entries` against `pins`; returns the entries that are not pinned yet (to be pinned by the
 * caller, and shown to the user with their fingerprints). Throws the typed errors above.
 */
export function newRelayPins(
  pins: readonly RelayEntry[],
  entries: readonly RelayEntry[],
  mayPin: boolean,
): RelayEntry[] {
  const byAddress = new Map(pins.flatMap((p) => addressesOf(p).map((address) => [address, p] as const)));
  const pinnedKeys = new Set(pins.map(relayKey));
  const fresh: RelayEntry[] = [];
  for (const entry of entries) {
    for (const address of addressesOf(entry)) {
      const pinned = byAddress.get(address);
      if (pinned !== undefined && relayKey(pinned) !== relayKey(entry)) {
        throw new ClientError(
          ClientErrorCode.RelayPinConflict,
          `SECURITY ALARM: relay ${address} is pinned with key fingerprint ${relayKey(pinned)}, ` +
            `but the relay list names ${relayKey(entry)}; refusing (the list may have been planted)`,
        );
      }
    }
    if (pinnedKeys.has(relayKey(entry))) continue;
    if (!mayPin) {
      throw new ClientError(
        ClientErrorCode.RelayNotPinned,
        `relay ${addressOf(entry)} (fingerprint ${relayKey(entry)}) is not pinned in the vault; ` +
          'pin it explicitly to use it',
      );
    }
    fresh.push(entry);
  }
  return fresh;
}
