/**
 * Directory entries (docs/design.md §4) and their canonical encoding, which is the leaf data of the log.
 *
 *   "leitung/key-directory/entry" 0x00   context label (domain-tag.ts)
 *   0x01                                  version
 *   index      u64                        position in the log
 *   clientId   32 bytes                   SHA3-256 of the SPKI DER (fixed length, so no prefix)
 *   name       u16 length ‖ UTF-8         NFC, non-empty
 *   publicKey  u16 length ‖ SPKI DER      non-empty
 *   time       u64                        milliseconds since the Unix epoch
 *
 * A key rotation (docs/key-transparency.md, "Key rotation") is an entry with version 0x02 instead, and two
 * more fields after `time`:
 *
 *   previous   32 bytes                   clientId of the binding it replaces
 *   signature  u16 length ‖ bytes         the replaced key's signature over the rotation statement
 *
 * Integers are big-endian. One entry has exactly one encoding (the decoder refuses trailing bytes,
 * non-NFC names and invalid UTF-8), so equal entries give equal leaves and different entries
 * different leaves — no JSON key-order or whitespace games.
 */
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import {
  type DomainTag,
  domainTag,
  domainTagLength,
  readDomainTagVersion,
  writeDomainTag,
} from './domain-tag.js';
import { EncodingError, InvalidFieldError, NameNotNfcError } from './errors.js';
import { type HashFunction, hashLeaf, SHA3_256 } from './hash.js';
import { assertSafeInteger } from './safe-integer.js';

/** One binding of a name to a public key in the key directory. */
export interface DirectoryEntry {
  /** Position in the log, from 0. */
  readonly index: number;
  /** SHA3-256 of `publicKey` (docs/design.md §2); 32 bytes. This package does not recompute it. */
  readonly clientId: Uint8Array;
  /** Display name, NFC-normalised by the caller (this package refuses other forms, it never rewrites). */
  readonly name: string;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Uint8Array;
  /** When the entry was appended, milliseconds since the Unix epoch. */
  readonly time: number;
  /** Present when this entry rotates the name's key: it replaces the binding of `rotation.previous`. */
  readonly rotation?: KeyRotation;
}

/** What makes an entry a key rotation (docs/key-transparency.md, "Key rotation"). */
export interface KeyRotation {
  /** clientId of the binding this entry replaces; 32 bytes. */
  readonly previous: Uint8Array;
  /** Signature by the replaced key over the rotation statement; this package does not verify it. */
  readonly signature: Uint8Array;
}

export const ENTRY_TAG: DomainTag = domainTag('leitung/key-directory/entry', 1);
/** The same label with version 2: an entry that carries a key rotation. */
const ROTATION_ENTRY_TAG: DomainTag = domainTag('leitung/key-directory/entry', 2);
export const CLIENT_ID_BYTES = 32;
const U16_MAX = 0xffff;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8Encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a leading U+FEFF stays part of the name.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The canonical bytes of an entry: the leaf data appended to the log. */
export function encodeEntry(entry: DirectoryEntry): Uint8Array {
  assertSafeInteger('index', entry.index);
  assertSafeInteger('time', entry.time);
  if (!(entry.clientId instanceof Uint8Array) || entry.clientId.length !== CLIENT_ID_BYTES) {
    throw new InvalidFieldError('clientId', `must be ${CLIENT_ID_BYTES} bytes`);
  }
  const name = encodeName(entry.name);
  if (!(entry.publicKey instanceof Uint8Array) || entry.publicKey.length === 0) {
    throw new InvalidFieldError('publicKey', 'must be non-empty bytes');
  }
  if (entry.publicKey.length > U16_MAX)
    throw new InvalidFieldError('publicKey', `longer than ${U16_MAX} bytes`);
  const rotation = entry.rotation;
  if (rotation !== undefined) checkRotation(rotation);

  const tag = rotation === undefined ? ENTRY_TAG : ROTATION_ENTRY_TAG;
  const rotationLength = rotation === undefined ? 0 : CLIENT_ID_BYTES + 2 + rotation.signature.length;
  const length =
    domainTagLength(tag) +
    8 +
    CLIENT_ID_BYTES +
    2 +
    name.length +
    2 +
    entry.publicKey.length +
    8 +
    rotationLength;
  const w = new ByteWriter(length);
  writeDomainTag(w, tag);
  w.u64(entry.index);
  w.bytes(entry.clientId);
  w.u16(name.length);
  w.bytes(name);
  w.u16(entry.publicKey.length);
  w.bytes(entry.publicKey);
  w.u64(entry.time);
  if (rotation !== undefined) {
    w.bytes(rotation.previous);
    w.u16(rotation.signature.length);
    w.bytes(rotation.signature);
  }
  return w.finish();
}

function checkRotation(rotation: KeyRotation): void {
  if (!(rotation.previous instanceof Uint8Array) || rotation.previous.length !== CLIENT_ID_BYTES) {
    throw new InvalidFieldError('rotation.previous', `must be ${CLIENT_ID_BYTES} bytes`);
  }
  const signature = rotation.signature;
  if (!(signature instanceof Uint8Array) || signature.length === 0 || signature.length > U16_MAX) {
    throw new InvalidFieldError('rotation.signature', `must be 1 to ${U16_MAX} bytes`);
  }
}

/** Parses canonical entry bytes; anything else is an EncodingError (or NameNotNfcError). */
export function decodeEntry(bytes: Uint8Array): DirectoryEntry {
  const r = new ByteReader(bytes, 'directory entry');
  const version = readDomainTagVersion(
    r,
    ENTRY_TAG,
    [ENTRY_TAG.version, ROTATION_ENTRY_TAG.version],
    'directory entry',
  );
  const index = r.u64('index');
  const clientId = r.bytes(CLIENT_ID_BYTES, 'clientId');
  const nameBytes = r.bytes(r.u16('name length'), 'name');
  const publicKey = r.bytes(r.u16('publicKey length'), 'publicKey');
  const time = r.u64('time');
  let rotation: KeyRotation | undefined;
  if (version === ROTATION_ENTRY_TAG.version) {
    const previous = r.bytes(CLIENT_ID_BYTES, 'rotation.previous');
    const signature = r.bytes(r.u16('rotation.signature length'), 'rotation.signature');
    if (signature.length === 0) throw new EncodingError('directory entry: empty rotation signature');
    rotation = { previous, signature };
  }
  r.end();
  let name: string;
  try {
    name = utf8Decoder.decode(nameBytes);
  } catch {
    throw new EncodingError('directory entry: name is not valid UTF-8');
  }
  if (name.length === 0) throw new EncodingError('directory entry: empty name');
  if (name.normalize('NFC') !== name) throw new NameNotNfcError();
  if (publicKey.length === 0) throw new EncodingError('directory entry: empty publicKey');
  return rotation === undefined
    ? { index, clientId, name, publicKey, time }
    : { index, clientId, name, publicKey, time, rotation };
}

/** RFC 9162 leaf hash of the entry's canonical encoding. */
export function entryLeafHash(entry: DirectoryEntry, hash: HashFunction = SHA3_256): Uint8Array {
  return hashLeaf(hash, encodeEntry(entry));
}

function encodeName(name: string): Uint8Array {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidFieldError('name', 'must be non-empty');
  // TextEncoder would silently turn a lone surrogate into U+FFFD, so two names could share bytes.
  if (LONE_SURROGATE.test(name)) throw new InvalidFieldError('name', 'contains a lone surrogate');
  if (name.normalize('NFC') !== name) throw new NameNotNfcError();
  const bytes = utf8Encoder.encode(name);
  if (bytes.length > U16_MAX) throw new InvalidFieldError('name', `longer than ${U16_MAX} bytes`);
  return bytes;
}
