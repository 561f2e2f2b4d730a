/**
 * The injected hash and RFC 9162 §2.1.1 tree hashing built on it: leaf `H(0x00 ‖ d)`, interior node
 * `H(0x01 ‖ left ‖ right)`, empty tree `H("")`. The distinct prefixes keep a leaf from ever being
 * taken for an interior node (second-preimage resistance of the tree, RFC 9162 §2.1.1).
 *
 * Shared by the log (main entry) and the verifiers (`@leitung/merkle/verify`); holds no tree state.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { sha3_256 as nobleSha3_256 } from '@noble/hashes/sha3.js';
import { HashFunctionError } from './errors.js';

/**
 * A synchronous hash function. `size` is its output length in bytes; `hash` must return exactly that
 * many bytes and must not keep or modify its input. Inject a faster one where available, e.g.
 * `{ size: 32, hash: (d) => hash('sha3-256', d, 'buffer') }` with node:crypto's one-shot `hash`.
 */
export interface HashFunction {
  readonly size: number;
  hash(data: Uint8Array): Uint8Array;
}

/** SHA3-256 from @noble/hashes (pure JS, runs anywhere). */
export const SHA3_256_PORTABLE: HashFunction = Object.freeze({
  size: 32,
  hash: (data: Uint8Array) => nobleSha3_256(data),
});

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;

/**
 * The platform's native SHA3-256 when the runtime offers one without a static `node:*` import (Node ≥ 20.16
 * has `process.getBuiltinModule` and one-shot `crypto.hash`), checked once against @noble/hashes on a
 * known input; undefined elsewhere (browsers have no SHA3 in WebCrypto). About 4× faster than noble,
 * which is what brings appends and proof checks inside docs/design.md §9's targets (docs/benchmarks.md).
 */
function platformSha3(): HashFunction | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as { hash?: OneShotHash } | undefined;
    const oneShot = mod?.hash;
    if (typeof oneShot !== 'function') return undefined;
    const probe = new Uint8Array([0x6c, 0x65, 0x69, 0x74, 0x75, 0x6e, 0x67]);
    const native = oneShot('sha3-256', probe, 'buffer');
    const portable = nobleSha3_256(probe);
    if (native.length !== 32 || native.some((b, i) => b !== portable[i])) return undefined;
    return Object.freeze({
      size: 32,
      hash: (data: Uint8Array) => {
        const out = oneShot('sha3-256', data, 'buffer');
        // A plain Uint8Array, not a Buffer: callers compare and store these as bytes.
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      },
    });
  } catch {
    return undefined;
  }
}

/**
 * The directory's default hash (docs/design.md §4): SHA3-256, native where the platform has it, else
 * @noble/hashes. Both give identical bytes (tested); only speed differs.
 */
export const SHA3_256: HashFunction = platformSha3() ?? SHA3_256_PORTABLE;

/** SHA-256 from @noble/hashes: RFC 6962/9162 test vectors (transparency-dev/merkle) use it. */
export const SHA_256: HashFunction = Object.freeze({
  size: 32,
  hash: (data: Uint8Array) => nobleSha256(data),
});

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** RFC 9162 §2.1.1: MTH({d}) = HASH(0x00 ‖ d). */
export function hashLeaf(h: HashFunction, data: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + data.length);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return h.hash(input);
}

/** RFC 9162 §2.1.1: HASH(0x01 ‖ left ‖ right). */
export function hashChildren(h: HashFunction, left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return h.hash(input);
}

/** RFC 9162 §2.1.1: MTH({}) = HASH(), the root of the empty tree. */
export function emptyRoot(h: HashFunction): Uint8Array {
  return h.hash(new Uint8Array(0));
}

/**
 * Checks once that an injected hash function keeps its promise (a positive integer `size` and outputs
 * of that length), so a misconfigured hash fails loudly at construction instead of producing roots
 * nobody else can reproduce.
 */
export function checkHashFunction(h: HashFunction): void {
  if (typeof h !== 'object' || h === null || typeof h.hash !== 'function') {
    throw new HashFunctionError('hash function must be an object with a hash(data) method');
  }
  if (!Number.isInteger(h.size) || h.size < 1 || h.size > 255) {
    throw new HashFunctionError(`hash size must be an integer in 1 … 255, got ${String(h.size)}`);
  }
  const out = h.hash(new Uint8Array([LEAF_PREFIX]));
  if (!(out instanceof Uint8Array) || out.length !== h.size) {
    throw new HashFunctionError(`hash function returned ${describeOutput(out)}, expected ${h.size} bytes`);
  }
}

function describeOutput(out: unknown): string {
  return out instanceof Uint8Array ? `${out.length} bytes` : typeof out;
}
