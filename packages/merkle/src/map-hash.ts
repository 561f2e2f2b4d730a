/**
 * Hashing of the verifiable name map (docs/key-transparency.md, "The name map"): a sparse binary Merkle
 * prefix tree over 256-bit keys in which
 *
 *   empty subtree                    = H(0x04)                      one constant at every depth
 *   subtree holding exactly one leaf = H(0x02 ‖ key ‖ value)        whatever its depth
 *   subtree holding two or more      = H(0x03 ‖ left ‖ right)       children by the next key bit (0 = left)
 *   map key of a folded name         = H("leitung/key-directory/map-key" 0x00 0x01 ‖ UTF-8(folded name))
 *
 * The prefixes 0x02–0x04 differ from the log's 0x00 (leaf) and 0x01 (node), so no map hash can be read
 * as a log hash or the other way round. The root is a function of the set of (key, value) pairs only.
 * Shared by the verifier and the builder; nothing here builds trees.
 */
import { domainTag } from './domain-tag.js';
import type { HashFunction } from './hash.js';

const MAP_LEAF_PREFIX = 0x02;
const MAP_NODE_PREFIX = 0x03;
const MAP_EMPTY_PREFIX = 0x04;
const MAP_KEY_TAG = domainTag('leitung/key-directory/map-key', 1);
/** Map keys have 256 bits: a path from the root has at most this many steps. */
export const MAP_KEY_BITS = 256;
/**
 * Bytes of a name-map key: the SHA3-256 hash of the map-key label and the folded name
 * (docs/key-transparency.md, "The name map").
 */
export const MAP_KEY_BYTES = 32;

const utf8 = new TextEncoder();

/** The hash of an empty subtree (the root of the empty map). */
export function mapEmptyHash(h: HashFunction): Uint8Array {
  return h.hash(new Uint8Array([MAP_EMPTY_PREFIX]));
}

/** The hash of a subtree that holds exactly the pair (key, value). */
export function mapLeafHash(h: HashFunction, key: Uint8Array, value: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + key.length + value.length);
  input[0] = MAP_LEAF_PREFIX;
  input.set(key, 1);
  input.set(value, 1 + key.length);
  return h.hash(input);
}

/** The hash of a subtree with two or more pairs, from its two halves. */
export function mapNodeHash(h: HashFunction, left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = MAP_NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return h.hash(input);
}

/**
 * The map key of a name's uniqueness key. The caller folds the name first (`nameKey` of @leitung/session:
 * NFKC, lower case, NFC); this package never folds, so it hashes exactly the string it is given.
 */
export function mapKeyOfFoldedName(foldedName: string, h: HashFunction): Uint8Array {
  const name = utf8.encode(foldedName);
  const input = new Uint8Array(MAP_KEY_TAG.prefix.length + 1 + name.length);
  input.set(MAP_KEY_TAG.prefix, 0);
  input[MAP_KEY_TAG.prefix.length] = MAP_KEY_TAG.version;
  input.set(name, MAP_KEY_TAG.prefix.length + 1);
  return h.hash(input);
}

/** Bit `i` of `key`, 0 = most significant bit of byte 0. */
export function keyBit(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}
