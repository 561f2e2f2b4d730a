/**
 * The name map as the client checks it (docs/key-transparency.md, "The name map", "What a client checks").
 * The map of a log prefix binds each folded name (`nameKey`) to the leaf hash of its CURRENT binding: the
 * first entry that binds it, or the last key rotation of that binding (docs/key-transparency.md, "Key
 * rotation"); every signed head carries its root. These checks make a second binding of a name impossible
 * to use quietly:
 *
 * - every looked-up entry must be the one its name maps to (`verifyNameBinding`): a relay that keeps a
 *   second binding in its log cannot hand it out without a map proof that contradicts the first;
 * - at every login the owner checks that its own name maps to its own entry (`checkOwnNameBinding`), so
 *   a map that points the name elsewhere is seen by the person it hurts;
 * - a small directory sent whole must hold each folded name once — later entries of a name only as valid,
 *   signed rotations of its current binding — and hash to the signed map root (`checkDirectoryNameMap`),
 *   so a head whose map disagrees with its log is caught by anyone holding it.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import {
  entryLeafHash,
  type DirectoryEntry as LogEntry,
  type MapLookup,
  MerkleError,
  mapKeyOfFoldedName,
  NameMap,
  SHA3_256,
  verifyMapProof,
} from '@leitung/merkle';
import type { DirectoryEntry, MapProof, SignedTreeHead } from '@leitung/wire';
import { bytesEqual } from './bytes.js';
import { SessionError, SessionErrorCode } from './errors.js';
import { checkKeyRotation } from './key-rotation.js';
import { nameKey } from './names.js';

/** The name-map key of a name: SHA3-256 over the map-key label and the name's folded form. */
export function nameMapKey(name: string): Uint8Array {
  return mapKeyOfFoldedName(nameKey(name), SHA3_256);
}

/**
 * The current binding of every folded name of a log prefix (entries in log order): the first entry of the
 * name, replaced by each later entry that is a rotation naming the current binding's clientId. Any other
 * later entry of a bound name changes nothing (an honest relay never appends one). Signatures are not
 * checked here: the relay checked them before appending, and a client checks them with `checkKeyRotation`.
 */
export function currentBindings(entries: readonly LogEntry[]): Map<string, LogEntry> {
  const current = new Map<string, LogEntry>();
  for (const entry of entries) {
    const key = nameKey(entry.name);
    const bound = current.get(key);
    if (bound === undefined) {
      if (entry.rotation === undefined) current.set(key, entry);
    } else if (entry.rotation !== undefined && bytesEqual(entry.rotation.previous, bound.clientId)) {
      current.set(key, entry);
    }
  }
  return current;
}

/** The name map of a log prefix (entries in log order): each folded name → leaf hash of its current binding. */
export function nameMapOf(entries: readonly LogEntry[]): NameMap {
  return NameMap.build(
    [...currentBindings(entries).values()].map((entry) => ({
      key: nameMapKey(entry.name),
      value: entryLeafHash(entry),
    })),
  );
}

/** What the map of `head` says about `name`; SESSION_ERR_MAP_PROOF when the proof does not verify. */
function lookup(name: string, proof: MapProof, head: SignedTreeHead): MapLookup {
  try {
    return verifyMapProof({ root: head.mapRoot, key: nameMapKey(name), proof });
  } catch (error) {
    if (!(error instanceof MerkleError)) throw error;
    throw new SessionError(
      SessionErrorCode.MapProof,
      'name-map proof does not verify against the signed head',
      {
        cause: error,
        directoryName: name,
      },
    );
  }
}

function bindsEntry(result: MapLookup, entry: DirectoryEntry): boolean {
  return result.kind === 'present' && bytesEqual(result.value, entryLeafHash(entry));
}

/**
 * A looked-up entry is the binding of its name under `head` (already accepted, and the entry's inclusion
 * proof checked against it): the map proof of `entry.name` must lead to `entry`'s leaf hash.
 * SESSION_ERR_MAP_PROOF for a bad proof; SESSION_ERR_NAME_BINDING when the map binds the name to another
 * entry (this one is a second binding) or to none (the binding is being hidden).
 */
export function verifyNameBinding(entry: DirectoryEntry, proof: MapProof, head: SignedTreeHead): void {
  const result = lookup(entry.name, proof, head);
  if (!bindsEntry(result, entry)) {
    throw new SessionError(
      SessionErrorCode.NameBinding,
      result.kind === 'absent'
        ? 'the signed name map has no binding for this name: the entry is refused'
        : 'the signed name map binds this name to another entry: the entry is a second binding and is refused',
      { directoryName: entry.name },
    );
  }
}

/**
 * Owner monitoring on every login (docs/key-transparency.md): the map of the WELCOME head must bind the
 * client's own name to the client's own entry. Anything else means the relay's signed map gives the name
 * to someone else (or hides it): SESSION_ERR_NAME_HIJACKED, loudly, never a silent failure.
 */
export function checkOwnNameBinding(entry: DirectoryEntry, proof: MapProof, head: SignedTreeHead): void {
  const result = lookup(entry.name, proof, head);
  if (!bindsEntry(result, entry)) {
    throw new SessionError(
      SessionErrorCode.NameHijacked,
      result.kind === 'absent'
        ? 'the signed name map does not bind your name to you: it has no binding for it'
        : 'the signed name map binds your name to another key: your name has been given to someone else',
      { directoryName: entry.name },
    );
  }
}

/**
 * A small directory sent whole (CHALLENGE `directory`, already checked to hash to the signed log root):
 * every folded name is bound once — a later entry of a name only as a rotation of its current binding,
 * signed by that binding's key (SESSION_ERR_DUPLICATE_NAME, naming the name, for anything else;
 * SESSION_ERR_KEY_ROTATION for a rotation whose signature fails) — and the name map rebuilt from the
 * entries equals the signed `mapRoot` (SESSION_ERR_DIRECTORY_MISMATCH otherwise).
 */
export function checkDirectoryNameMap(
  crypto: LeitungCrypto,
  entries: readonly DirectoryEntry[],
  head: SignedTreeHead,
): void {
  const current = new Map<string, DirectoryEntry>();
  for (const entry of entries) {
    const key = nameKey(entry.name);
    const bound = current.get(key);
    if (bound === undefined && entry.rotation === undefined) {
      current.set(key, entry);
      continue;
    }
    if (bound === undefined || entry.rotation === undefined) {
      throw new SessionError(
        SessionErrorCode.DuplicateName,
        bound === undefined
          ? `the directory holds a rotation of an unbound name (entry ${entry.index})`
          : `the directory binds one name twice (entries ${bound.index} and ${entry.index})`,
        { directoryName: entry.name },
      );
    }
    checkKeyRotation(crypto, head.logId, entry, bound);
    current.set(key, entry);
  }
  let map: NameMap;
  try {
    map = nameMapOf(entries);
  } catch (error) {
    throw new SessionError(SessionErrorCode.DirectoryMismatch, 'directory name map cannot be built', {
      cause: error,
    });
  }
  if (!bytesEqual(map.root(), head.mapRoot)) {
    throw new SessionError(
      SessionErrorCode.DirectoryMismatch,
      'directory does not hash to the signed name-map root',
    );
  }
}
