/** Byte-string encodings used by the layouts in docs/crypto.md: concatenation, big-endian integers, hex, UTF-8. */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { invalidArgument } from './errors.js';

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Throws CRYPTO_ERR_INVALID_ARGUMENT unless `value` is a Uint8Array (of `length` bytes when given). */
export function requireBytes(name: string, value: unknown, length?: number): Uint8Array {
  if (!isBytes(value)) throw invalidArgument(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length)
    throw invalidArgument(`${name} must be ${length} bytes, got ${value.length}`);
  return value;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** 8-byte big-endian encoding of a non-negative safe integer (lengths and sequence numbers). */
export function u64be(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalidArgument('value must be a non-negative safe integer');
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(value / 0x1_0000_0000));
  view.setUint32(4, value >>> 0);
  return out;
}

/** Plain Uint8Array view of any Uint8Array subclass (e.g. a Node Buffer) without copying. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Lowercase hex of `bytes`: the display and map-key form of client ids, fingerprints and log ids
 * (docs/crypto.md). The one hex encoder of the workspace: every package that may import @leitung/crypto
 * uses this one; @leitung/merkle, a leaf, uses the same @noble/hashes function directly.
 */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(requireBytes('bytes', bytes));
}

/**
 * Bytes of an even-length hex string (either case). Throws CRYPTO_ERR_INVALID_ARGUMENT for anything
 * else — odd length, a non-hex character — instead of guessing, so a corrupt id never names other bytes.
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw invalidArgument('not a hex string of even length');
  return hexToBytes(hex);
}

/**
 * Byte equality for public data (keys, signatures, messages already sent in clear): stops at the first
 * difference. Secrets are compared with `constantTimeEqual` (constant-time.ts).
 */
export function publicBytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The last `count` bytes of `bytes` as a string of char codes: a Map index for public byte strings. */
export function tailIndex(bytes: Uint8Array, count: number): string {
  return String.fromCharCode(...bytes.subarray(Math.max(0, bytes.length - count)));
}
