/**
 * The relay list the page was served with: a JSON array of relay-list entries, or one entry as
 * `leitung-relay --info-out` writes it (the same format as the terminal phonebook's `--relays`). Entries
 * without a `webSocket` URL cannot be reached from a page and are left out.
 */
import { parseRelayEntry, type RelayEntry } from '@leitung/client/browser';

export async function fetchRelays(url: URL): Promise<readonly RelayEntry[]> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`the relay list ${url.pathname}: HTTP ${response.status}`);
  const value: unknown = await response.json();
  const entries = (Array.isArray(value) ? value : [value]).map(parseRelayEntry);
  const reachable = entries.filter((e) => e.webSocket !== undefined);
  if (reachable.length === 0) throw new Error('the relay list names no relay with a WebSocket listener');
  return reachable;
}
