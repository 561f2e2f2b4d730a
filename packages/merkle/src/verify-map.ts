/**
 * Verification of name-map proofs (docs/key-transparency.md, "The name map"). A proof is the list of
 * sibling hashes from the root down to the terminal subtree on the key's path, and that terminal: an
 * empty subtree, or a subtree holding exactly one pair. If the pair's key is the key asked for, the map
 * holds it (membership, with its value); otherwise the key is absent — the pair's key must then share
 * the path walked so far, as it does in every honestly built map. A root commits to one tree, so one key
 * has one terminal under one root: a relay cannot prove "present" and "absent", or two values, for the
 * same key under the same signed head.
 */
import { equalBytes, toHex } from './bytes.js';
import { MapProofError, ProofLengthError, RootMismatchError } from './errors.js';
import { type HashFunction, SHA3_256 } from './hash.js';
import { keyBit, MAP_KEY_BITS, mapEmptyHash, mapLeafHash, mapNodeHash } from './map-hash.js';
import { checkHashLength } from './verify-inclusion.js';

/** Where the key's path ends. */
export type MapTerminal =
  | { readonly kind: 'empty' }
  | { readonly kind: 'leaf'; readonly key: Uint8Array; readonly value: Uint8Array };

/**
 * A name-map proof (docs/key-transparency.md, "The name map"): sibling hashes from the root down and where
 * the key's path ends (an empty subtree or a single pair); about log2 n siblings, at most 256.
 */
export interface MapProof {
  /** Sibling hashes from the root's children down to the terminal's sibling; at most 256. */
  readonly siblings: readonly Uint8Array[];
  readonly terminal: MapTerminal;
}

/** Input of `verifyMapProof`: an accepted map root, the 32-byte key looked up and the proof. */
export interface MapProofCheck {
  /** The map root from a tree head the caller has accepted. */
  readonly root: Uint8Array;
  /** The 32-byte map key looked up. */
  readonly key: Uint8Array;
  readonly proof: MapProof;
}

/** What a verified proof says about the key. */
export type MapLookup =
  | { readonly kind: 'present'; readonly value: Uint8Array }
  | { readonly kind: 'absent' };

/** The root a proof leads to for `key` (no comparison). Throws on malformed proofs. */
export function rootFromMapProof(
  key: Uint8Array,
  proof: MapProof,
  hash: HashFunction = SHA3_256,
): { readonly root: Uint8Array; readonly lookup: MapLookup } {
  checkHashLength('map key', key, hash.size);
  const { siblings, terminal } = proof;
  if (!Array.isArray(siblings) || siblings.length > MAP_KEY_BITS) {
    throw new ProofLengthError('map proof', MAP_KEY_BITS, Array.isArray(siblings) ? siblings.length : -1);
  }
  for (const sibling of siblings) checkHashLength('map proof hash', sibling, hash.size);
  const depth = siblings.length;
  let node: Uint8Array;
  let lookup: MapLookup;
  switch (terminal.kind) {
    case 'empty':
      node = mapEmptyHash(hash);
      lookup = { kind: 'absent' };
      break;
    case 'leaf': {
      checkHashLength('map leaf key', terminal.key, hash.size);
      checkHashLength('map leaf value', terminal.value, hash.size);
      if (equalBytes(terminal.key, key)) {
        lookup = { kind: 'present', value: terminal.value };
      } else {
        for (let i = 0; i < depth; i++) {
          if (keyBit(terminal.key, i) !== keyBit(key, i)) {
            throw new MapProofError('map proof: the terminal pair is not on the key path');
          }
        }
        lookup = { kind: 'absent' };
      }
      node = mapLeafHash(hash, terminal.key, terminal.value);
      break;
    }
    default:
      throw new MapProofError('map proof: unknown terminal');
  }
  for (let i = depth - 1; i >= 0; i--) {
    const sibling = siblings[i]!;
    node = keyBit(key, i) === 0 ? mapNodeHash(hash, node, sibling) : mapNodeHash(hash, sibling, node);
  }
  return { root: node, lookup };
}

/**
 * Checks a map proof against a root and says whether the key is present (and with which value) or
 * absent. Throws RootMismatchError, HashLengthError, ProofLengthError or MapProofError.
 */
export function verifyMapProof(check: MapProofCheck, hash: HashFunction = SHA3_256): MapLookup {
  checkHashLength('map root', check.root, hash.size);
  const { root, lookup } = rootFromMapProof(check.key, check.proof, hash);
  if (!equalBytes(root, check.root)) throw new RootMismatchError('map proof', toHex(check.root), toHex(root));
  return lookup;
}
