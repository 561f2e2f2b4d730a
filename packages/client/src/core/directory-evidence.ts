/**
 * Evidence of relay misbehaviour that the client reports besides the typed error (docs/design.md §4,
 * docs/key-transparency.md "What a client checks" and "Gossip in calls"): a split view — two heads of one
 * log that cannot both be true — and a name conflict — a signed name map that contradicts a binding.
 */

import { SessionError } from '@leitung/session';
import type { SignedTreeHead } from '@leitung/wire';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { DirectoryNameConflictEvent, DirectorySplitViewEvent } from './events.js';

/** `relay` showed `shown`, which contradicts `accepted`, the last head the client accepted for `logId`. */
export function splitViewEvent(
  relay: RelayEntry,
  logId: string,
  accepted: SignedTreeHead,
  shown: SignedTreeHead,
  code: string,
): DirectorySplitViewEvent {
  return {
    type: 'directory:split-view',
    relay: relay.fingerprint.toLowerCase(),
    logId,
    accepted,
    shown,
    code,
  };
}

/** The name-conflict report for `error` when it is one of the name map's contradictions, else undefined. */
export function nameConflictEvent(error: unknown, relay: RelayEntry): DirectoryNameConflictEvent | undefined {
  if (!(error instanceof SessionError)) return undefined;
  const code = error.code;
  if (
    code !== 'SESSION_ERR_NAME_HIJACKED' &&
    code !== 'SESSION_ERR_DUPLICATE_NAME' &&
    code !== 'SESSION_ERR_NAME_BINDING' &&
    code !== 'SESSION_ERR_KEY_ROTATION'
  ) {
    return undefined;
  }
  return {
    type: 'directory:name-conflict',
    relay: relay.fingerprint.toLowerCase(),
    name: error.directoryName ?? '',
    code,
  };
}
