/**
 * Domain separation for the canonical encodings: every encoding starts with an ASCII context label,
 * a 0x00 terminator and a version byte. The labels contain no 0x00, so no encoding of one kind is a
 * prefix of, or equal to, an encoding of another kind — a signature over a tree head can never be
 * replayed as a signature over anything else that follows this convention (docs/key-transparency.md).
 */
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { EncodingError } from './errors.js';

export interface DomainTag {
  readonly label: string;
  readonly version: number;
}

export function writeDomainTag(writer: ByteWriter, tag: DomainTag): void {
  writer.bytes(asciiBytes(tag.label));
  writer.u8(0);
  writer.u8(tag.version);
}

export function readDomainTag(reader: ByteReader, tag: DomainTag, what: string): void {
  const expected = asciiBytes(tag.label);
  const label = reader.bytes(expected.length + 1, 'domain tag');
  for (let i = 0; i < expected.length; i++) {
    if (label[i] !== expected[i]) throw new EncodingError(`${what}: wrong domain tag`);
  }
  if (label[expected.length] !== 0) throw new EncodingError(`${what}: wrong domain tag`);
  const version = reader.u8('version');
  if (version !== tag.version) throw new EncodingError(`${what}: unsupported version ${version}`);
}

function asciiBytes(label: string): Uint8Array {
  return Uint8Array.from(label, (c) => c.charCodeAt(0));
}
