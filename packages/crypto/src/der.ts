/**
 * The small, strict subset of DER (ITU-T X.690 §10) that key formats need: definite minimal lengths,
 * single-byte tags, no trailing bytes. Backends parse keys too; this reader lets the core check the key
 * type and size itself, identically for both backends, before any backend sees the bytes.
 * Every failure is CRYPTO_ERR_KEY_FORMAT: DER here only ever carries keys.
 */
import { concatBytes } from './bytes.js';
import { CryptoError, CryptoErrorCode } from './errors.js';

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;

export interface DerNode {
  readonly tag: number;
  readonly content: Uint8Array;
}

function malformed(what: string): CryptoError {
  return new CryptoError(CryptoErrorCode.KeyFormat, `malformed DER: ${what}`);
}

/** Reads one TLV at `offset`; returns it and the offset after it. */
function readTlv(bytes: Uint8Array, offset: number): { node: DerNode; end: number } {
  if (offset + 2 > bytes.length) throw malformed('truncated header');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw malformed('multi-byte tag');
  let length = bytes[offset + 1]!;
  let pos = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw malformed('unsupported length form');
    if (pos + count > bytes.length) throw malformed('truncated length');
    if (bytes[pos] === 0) throw malformed('non-minimal length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos + i]!;
    if (length < 0x80) throw malformed('non-minimal length');
    pos += count;
  }
  if (pos + length > bytes.length) throw malformed('truncated content');
  return { node: { tag, content: bytes.subarray(pos, pos + length) }, end: pos + length };
}

/** Parses exactly one DER element spanning all of `bytes` (trailing bytes are an error). */
export function parseDer(bytes: Uint8Array): DerNode {
  const { node, end } = readTlv(bytes, 0);
  if (end !== bytes.length) throw malformed('trailing bytes');
  return node;
}

/** The children of a constructed element. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const { node: child, end } = readTlv(node.content, offset);
    out.push(child);
    offset = end;
  }
  return out;
}

export function expect(node: DerNode | undefined, tag: number): DerNode {
  if (!node || node.tag !== tag) throw malformed(`expected tag 0x${tag.toString(16)}`);
  return node;
}

export function sequence(node: DerNode | undefined): DerNode[] {
  return children(expect(node, TAG_SEQUENCE));
}

/** Magnitude of a non-negative INTEGER, without the sign byte; refuses negative and non-minimal forms. */
export function unsignedInteger(node: DerNode | undefined): Uint8Array {
  const c = expect(node, TAG_INTEGER).content;
  if (c.length === 0) throw malformed('empty integer');
  if (c[0]! & 0x80) throw malformed('negative integer');
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw malformed('non-minimal integer');
  return c[0] === 0 && c.length > 1 ? c.subarray(1) : c;
}

/** A small non-negative INTEGER as a number (parameters: versions, counts). */
export function smallInteger(node: DerNode | undefined): number {
  const magnitude = unsignedInteger(node);
  if (magnitude.length > 6) throw malformed('integer too large');
  let value = 0;
  for (const b of magnitude) value = value * 256 + b;
  return value;
}

export function objectIdentifier(node: DerNode | undefined): string {
  const c = expect(node, TAG_OID).content;
  if (c.length === 0 || c[c.length - 1]! & 0x80) throw malformed('bad object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < c.length; i++) {
    if (value === 0 && c[i] === 0x80) throw malformed('non-minimal object identifier');
    value = value * 128 + (c[i]! & 0x7f);
    if (!(c[i]! & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs.shift()!;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

export function octetString(node: DerNode | undefined): Uint8Array {
  return expect(node, TAG_OCTET_STRING).content;
}

// ---- encoding ----

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), encodeLength(content.length), content);
}

export function encodeSequence(...items: readonly Uint8Array[]): Uint8Array {
  return encodeTlv(TAG_SEQUENCE, concatBytes(...items));
}

export function encodeSmallInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return encodeTlv(TAG_INTEGER, Uint8Array.from(bytes));
}

export function encodeOctetString(content: Uint8Array): Uint8Array {
  return encodeTlv(TAG_OCTET_STRING, content);
}

export function encodeObjectIdentifier(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  const out: number[] = [];
  for (const v of values) {
    const group: number[] = [v % 128];
    for (let n = Math.floor(v / 128); n > 0; n = Math.floor(n / 128)) group.unshift(0x80 | (n % 128));
    out.push(...group);
  }
  return encodeTlv(TAG_OID, Uint8Array.from(out));
}
