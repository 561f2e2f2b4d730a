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
  /** label ‖ 0x00, precomputed. */
  readonly prefix: Uint8Array;
}

export function domainTag(label: string, version: number): DomainTag {
  const prefix = new Uint8Array(label.length + 1);
  for (let i = 0; i < label.length; i++) prefix[i] = label.charCodeAt(i);
  return Object.freeze({ label, version, prefix });
}

/** Bytes {@link writeDomainTag} writes. */
export function domainTagLength(tag: DomainTag): number {
  return tag.prefix.length + 1;
}

export function writeDomainTag(writer: ByteWriter, tag: DomainTag): void {
  writer.bytes(tag.prefix);
  writer.u8(tag.version);
}

export function readDomainTag(reader: ByteReader, tag: DomainTag, what: string): void {
  readDomainTagVersion(reader, tag, [tag.version], what);
}

/** Reads `tag`'s label and returns its version byte, which must be one of `versions`. */
export function readDomainTagVersion(
  reader: ByteReader,
  tag: DomainTag,
  versions: readonly number[],
  what: string,
): number {
  const prefix = reader.bytes(tag.prefix.length, 'domain tag');
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] !== tag.prefix[i]) throw new EncodingError(`${what}: wrong domain tag`);
  }
  const version = reader.u8('version');
  if (!versions.includes(version)) throw new EncodingError(`${what}: unsupported version ${version}`);
  return version;
}
