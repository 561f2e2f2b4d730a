/**
 * Tree-head gossip in calls (docs/key-transparency.md "Gossip in calls"): the other party's last accepted
 * head for a log, from its signed offer, is held against this client's. Same log: same size ⇒ same root and
 * name map; otherwise the relay must prove consistency (GET_CONSISTENCY). A contradiction or a missing
 * proof is a split view — the relay shows the two parties different logs — reported as
 * `directory:split-view` (docs/design.md §4). Heads of other logs, or not signed by this relay's key
 * (another relay of a cluster), are not comparable here and are ignored.
 */
import { decodeSignedTreeHead } from '@leitung/merkle';
import { SessionErrorCode } from '@leitung/session';
import type { ControlMessageOf, SignedTreeHead } from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { errorCodeOf } from '../errors.js';
import type { ReadyConnection } from './connection-state.js';
import type { CoreLink } from './core-link.js';
import { splitViewEvent } from './directory-evidence.js';
import type { PendingOf } from './relay-requests.js';

export class HeadGossip {
  readonly #link: CoreLink;

  constructor(link: CoreLink) {
    this.#link = link;
  }

  /** The other party's gossiped head, `encoded` as in its offer. */
  check(c: ReadyConnection, encoded: Uint8Array, now: number): void {
    const head = comparableHead(c, encoded);
    if (head === undefined) return;
    const relation = c.directory.relation(head);
    if (relation === 'same') {
      // One size, one tree and one name map (docs/key-transparency.md "The name map").
      const mine = c.directory.head;
      if (!bytesEqual(head.root, mine.root) || !bytesEqual(head.mapRoot, mine.mapRoot)) {
        this.#splitView(c, head, SessionErrorCode.TreeInconsistent);
      }
      return;
    }
    this.#link.request({ kind: 'gossip', head, direction: relation }, now, {
      type: 'GET_CONSISTENCY',
      ...c.directory.consistencyRange(head, relation),
    });
  }

  /** The relay's consistency proof for a gossiped head: accepted if newer, else ours must extend it. */
  onConsistency(
    c: ReadyConnection,
    pending: PendingOf<'gossip'>,
    message: ControlMessageOf<'CONSISTENCY'>,
  ): void {
    try {
      const change = c.directory.reconcile(pending.head, pending.direction, message);
      if (change !== undefined) this.#link.headAccepted(c.directory, change);
    } catch (error) {
      this.#splitView(c, pending.head, errorCodeOf(error) ?? SessionErrorCode.TreeInconsistent);
    }
  }

  /** A relay that does not answer for its own log's consistency cannot prove it: a split view. */
  failed(c: ReadyConnection, pending: PendingOf<'gossip'>, error: Error): void {
    this.#splitView(c, pending.head, errorCodeOf(error) ?? 'CLIENT_ERR_PROTOCOL');
  }

  #splitView(c: ReadyConnection, shown: SignedTreeHead, code: string): void {
    this.#link.emit(splitViewEvent(c.relay, c.directory.logId, c.directory.head, shown, code));
  }
}

/** The gossiped head when it is a signed head of this connection's log with a name map, else undefined. */
function comparableHead(c: ReadyConnection, encoded: Uint8Array): SignedTreeHead | undefined {
  try {
    const decoded = decodeSignedTreeHead(encoded);
    // A head without a name map (encoding version 1) is refused everywhere in this protocol.
    if (decoded.mapRoot === undefined) return undefined;
    const head = { ...decoded, mapRoot: decoded.mapRoot };
    if (toHex(head.logId) !== c.directory.logId) return undefined;
    c.directory.checkSignature(head);
    return head;
  } catch {
    return undefined;
  }
}
