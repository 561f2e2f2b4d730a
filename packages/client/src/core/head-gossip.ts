/**
 * Tree-head gossip in calls (docs/key-transparency.md "Gossip in calls"): the other party's last accepted
 * head for a log, from its signed offer, is held against this client's. Same log: same size ⇒ same root and
 * name map; otherwise the relay must prove consistency (GET_CONSISTENCY). A contradiction or a missing
 * proof is a split view — the relay shows the two parties different logs — reported as
 * `directory:split-view` (docs/design.md §4). Heads of other logs, or not signed by this relay's key
 * (another relay of a cluster), are not comparable here and are ignored. Plain functions of the connection
 * that return the steps for the core (core-steps.ts): a request for a proof, a report, an accepted head.
 */
import { decodeSignedTreeHead } from '@leitung/merkle';
import { SessionErrorCode } from '@leitung/session';
import type { ControlMessageOf, SignedTreeHead } from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { errorCodeOf } from '../errors.js';
import type { ReadyConnection } from './connection-state.js';
import { emit, headAccepted, type ProtocolStep } from './core-steps.js';
import { splitViewEvent } from './directory-evidence.js';
import type { PendingOf } from './relay-requests.js';

/** The other party's gossiped head, `encoded` as in its offer, held against the head `c` accepted. */
export function checkGossipedHead(c: ReadyConnection, encoded: Uint8Array): ProtocolStep[] {
  const head = comparableHead(c, encoded);
  if (head === undefined) return [];
  const relation = c.directory.relation(head);
  if (relation === 'same') {
    // One size, one tree and one name map (docs/key-transparency.md "The name map").
    const mine = c.directory.head;
    const agree = bytesEqual(head.root, mine.root) && bytesEqual(head.mapRoot, mine.mapRoot);
    return agree ? [] : [splitView(c, head, SessionErrorCode.TreeInconsistent)];
  }
  return [
    {
      kind: 'request',
      pending: { kind: 'gossip', head, direction: relation },
      message: { type: 'GET_CONSISTENCY', ...c.directory.consistencyRange(head, relation) },
    },
  ];
}

/** The relay's consistency proof for a gossiped head: accepted if newer, else ours must extend it. */
export function gossipConsistency(
  c: ReadyConnection,
  pending: PendingOf<'gossip'>,
  message: ControlMessageOf<'CONSISTENCY'>,
): ProtocolStep[] {
  try {
    const change = c.directory.reconcile(pending.head, pending.direction, message);
    return change === undefined ? [] : headAccepted(c.directory, change);
  } catch (error) {
    return [splitView(c, pending.head, errorCodeOf(error) ?? SessionErrorCode.TreeInconsistent)];
  }
}

/** A relay that does not answer for its own log's consistency cannot prove it: a split view. */
export function gossipFailed(c: ReadyConnection, pending: PendingOf<'gossip'>, error: Error): ProtocolStep[] {
  return [splitView(c, pending.head, errorCodeOf(error) ?? 'CLIENT_ERR_PROTOCOL')];
}

function splitView(c: ReadyConnection, shown: SignedTreeHead, code: string): ProtocolStep {
  return emit(splitViewEvent(c.relay, c.directory.logId, c.directory.head, shown, code));
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
