/**
 * Decomposition of a subtree range into the perfect subtrees the log stores (storage.ts), for reading
 * roots and proof hashes back. Only the log needs it; the verifiers never see stored nodes.
 */
import { bitLength } from './safe-integer.js';

/**
 * The perfect subtrees that make up the range `[start, end)` of a valid subtree, left to right, as
 * (level, index) node coordinates: node (l, i) covers leaves `[i·2^l, (i+1)·2^l)`. The range's hash is
 * these nodes folded right to left (RFC 9162 §2.1.1: the left part is always the largest power of two).
 */
export function perfectNodes(start: number, end: number): { level: number; index: number }[] {
  const nodes: { level: number; index: number }[] = [];
  let position = start;
  let remaining = end - start;
  while (remaining > 0) {
    const level = bitLength(remaining) - 1;
    const width = 2 ** level;
    nodes.push({ level, index: position / width });
    position += width;
    remaining -= width;
  }
  return nodes;
}
