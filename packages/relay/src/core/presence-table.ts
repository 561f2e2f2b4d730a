/**
 * Who may see whom online (docs/protocol.md "Presence"): for each client connected to this relay, the set
 * of contacts it watches (its last PRESENCE_WATCH) and the set of contacts it has been told are online.
 * The relay tells recipient R that subject S is online only if R watches S and S watches R; this table
 * holds R's half of that rule (the half about S lives where S is connected, possibly on another relay of a
 * cluster). Every operation is O(1) or O(size of one watch set) — never O(clients online).
 */

export interface WatchChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

interface Watcher {
  watching: ReadonlySet<string>;
  /** Contacts this client was told are online (and not told offline since). */
  readonly told: Set<string>;
}

export class PresenceTable {
  readonly #clients = new Map<string, Watcher>();
  /** Subject → local clients that were told it is online (for relay-death and logout clean-up). */
  readonly #toldBy = new Map<string, Set<string>>();

  /** A client finished its handshake here: it watches nobody yet. */
  join(clientId: string): void {
    this.leave(clientId);
    this.#clients.set(clientId, { watching: new Set(), told: new Set() });
  }

  /** The client's connection is gone. Returns whom it watched (they may have to be told it is offline). */
  leave(clientId: string): ReadonlySet<string> {
    const watcher = this.#clients.get(clientId);
    if (watcher === undefined) return new Set();
    this.#clients.delete(clientId);
    for (const subject of watcher.told) this.#untell(clientId, subject);
    return watcher.watching;
  }

  /** Replaces the watch set; returns what was added and removed. Own id is never watched. */
  setWatching(clientId: string, ids: Iterable<string>): WatchChange {
    const watcher = this.#clients.get(clientId);
    if (watcher === undefined) return { added: [], removed: [] };
    const next = new Set(ids);
    next.delete(clientId);
    const added = [...next].filter((id) => !watcher.watching.has(id));
    const removed = [...watcher.watching].filter((id) => !next.has(id));
    watcher.watching = next;
    return { added, removed };
  }

  /** Whether a client connected here watches `subject`. */
  watches(clientId: string, subject: string): boolean {
    return this.#clients.get(clientId)?.watching.has(subject) ?? false;
  }

  /** Whether `clientId` currently sees `subject` online (phonebook pages). */
  sees(clientId: string, subject: string): boolean {
    return this.#clients.get(clientId)?.told.has(subject) ?? false;
  }

  /**
   * `subject` is online and watches `clientId`: true when `clientId` watches it back and has not been told
   * yet — the caller sends the `online` change then.
   */
  tellOnline(clientId: string, subject: string): boolean {
    const watcher = this.#clients.get(clientId);
    if (watcher === undefined || !watcher.watching.has(subject) || watcher.told.has(subject)) return false;
    watcher.told.add(subject);
    let recipients = this.#toldBy.get(subject);
    if (recipients === undefined) {
      recipients = new Set();
      this.#toldBy.set(subject, recipients);
    }
    recipients.add(clientId);
    return true;
  }

  /** `subject` went offline for `clientId`: true when it had been told online (send `offline` then). */
  tellOffline(clientId: string, subject: string): boolean {
    const watcher = this.#clients.get(clientId);
    if (watcher === undefined || !watcher.told.delete(subject)) return false;
    this.#untell(clientId, subject);
    return true;
  }

  /** Local clients that were told `subject` is online. */
  toldAbout(subject: string): readonly string[] {
    return [...(this.#toldBy.get(subject) ?? [])];
  }

  #untell(clientId: string, subject: string): void {
    const recipients = this.#toldBy.get(subject);
    if (recipients === undefined) return;
    recipients.delete(clientId);
    if (recipients.size === 0) this.#toldBy.delete(subject);
  }
}
