/**
 * Tree heads: the directory's statement "my log `logId` has `size` entries with root `root`, as of
 * `time`", and its canonical encoding, which is exactly what the relay signs (docs/design.md §3 step 2, §4):
 *
 *   "leitung/key-directory/tree-head" 0x00   context label (domain-tag.ts)
 *   0x01                                      version
 *   logId  u8 length ‖ bytes                  1 … 255 bytes (Leitung uses 32)
 *   size   u64                                number of entries
 *   root   u8 length ‖ bytes                  1 … 255 bytes (the hash size; 32 for SHA3-256)
 *   mapRoot u8 length ‖ bytes                 version 2 only: root of the name map (name-map.ts)
 *   time   u64                                milliseconds since the Unix epoch
 *
 * Version 2 (docs/key-transparency.md, "Encodings") adds `mapRoot`, so the signature binds the name map
 * to the log it is derived from; a head without `mapRoot` is encoded as version 1. Leitung's protocol
 * only accepts version 2 heads (the wire struct requires `mapRoot`).
 *
 * A signed tree head on the wire is that encoding followed by `u16 length ‖ signature`. Signing and
 * verifying are injected functions: this package never touches keys.
 */
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { equalBytes } from './bytes.js';
import { type DomainTag, domainTag, writeDomainTag } from './domain-tag.js';
import { BadSignatureError, EncodingError, InvalidFieldError } from './errors.js';
import { assertSafeInteger } from './safe-integer.js';

/**
 * A relay's statement about a directory: log id, size, root, name-map root and time. Its canonical encoding
 * (`encodeTreeHead`) is what the relay signs (docs/key-transparency.md, "Encodings").
 */
export interface TreeHead {
  /** Names the directory (log); all relays serving one directory use the same id. */
  readonly logId: Uint8Array;
  /** Number of entries covered. */
  readonly size: number;
  /** RFC 9162 Merkle tree hash of the first `size` entries. */
  readonly root: Uint8Array;
  /**
   * Root of the name map of the first `size` entries (each folded name → leaf hash of its current binding:
   * the first entry, or the latest key rotation). Present: version 2 encoding; absent: version 1 (log only).
   */
  readonly mapRoot?: Uint8Array | undefined;
  /** When the head was made, milliseconds since the Unix epoch. */
  readonly time: number;
}

/**
 * A tree head with the relay's signature over `encodeTreeHead(head)`; checked with `verifyTreeHeadSignature`
 * or by the tracker before a client uses it (docs/key-transparency.md).
 */
export interface SignedTreeHead extends TreeHead {
  /** Signature over `encodeTreeHead(head)`, made by the injected {@link SignFunction}. */
  readonly signature: Uint8Array;
}

/** Signs a message (e.g. RSA-PSS with the relay key, from @leitung/crypto). */
export type SignFunction = (message: Uint8Array) => Uint8Array;
/** Checks a signature over a message; returns false (or throws) when it is not valid. */
export type VerifySignatureFunction = (message: Uint8Array, signature: Uint8Array) => boolean;

export const TREE_HEAD_TAG: DomainTag = domainTag('leitung/key-directory/tree-head', 1);
/** The same label, version 2: with `mapRoot`. */
export const TREE_HEAD_TAG_V2: DomainTag = domainTag('leitung/key-directory/tree-head', 2);
const U8_MAX = 0xff;
const U16_MAX = 0xffff;

/** The canonical bytes of a tree head: the signature input. */
export function encodeTreeHead(head: TreeHead): Uint8Array {
  const w = new ByteWriter();
  writeTreeHead(w, head);
  return w.finish();
}

/** Parses canonical tree-head bytes. */
export function decodeTreeHead(bytes: Uint8Array): TreeHead {
  const r = new ByteReader(bytes, 'tree head');
  const head = readTreeHead(r);
  r.end();
  return head;
}

/** Signs `head` with the injected function. */
export function signTreeHead(head: TreeHead, sign: SignFunction): SignedTreeHead {
  const message = encodeTreeHead(head);
  const signature = sign(message);
  checkSignatureField(signature);
  return {
    logId: head.logId,
    size: head.size,
    root: head.root,
    ...(head.mapRoot === undefined ? {} : { mapRoot: head.mapRoot }),
    time: head.time,
    signature,
  };
}

/**
 * Checks the signature of a signed tree head with the injected verifier. A verifier that returns
 * anything but `true`, or throws, yields {@link BadSignatureError}.
 */
export function verifyTreeHeadSignature(head: SignedTreeHead, verify: VerifySignatureFunction): void {
  const message = encodeTreeHead(head);
  let valid: unknown;
  try {
    valid = verify(message, head.signature);
  } catch (cause) {
    throw new BadSignatureError('tree head signature could not be verified', { cause });
  }
  if (valid !== true) throw new BadSignatureError('tree head signature is not valid');
}

/** Wire form of a signed tree head: the tree-head encoding, then `u16 length ‖ signature`. */
export function encodeSignedTreeHead(head: SignedTreeHead): Uint8Array {
  checkSignatureField(head.signature);
  const w = new ByteWriter();
  writeTreeHead(w, head);
  w.u16(head.signature.length);
  w.bytes(head.signature);
  return w.finish();
}

/** Parses the wire form of a signed tree head (the signature is not checked here). */
export function decodeSignedTreeHead(bytes: Uint8Array): SignedTreeHead {
  const r = new ByteReader(bytes, 'signed tree head');
  const head = readTreeHead(r);
  const length = r.u16('signature length');
  if (length === 0) throw new EncodingError('signed tree head: empty signature');
  const signature = r.bytes(length, 'signature');
  r.end();
  return { ...head, signature };
}

function writeTreeHead(w: ByteWriter, head: TreeHead): void {
  checkShortBytes('logId', head.logId);
  assertSafeInteger('size', head.size);
  checkShortBytes('root', head.root);
  if (head.mapRoot !== undefined) checkShortBytes('mapRoot', head.mapRoot);
  assertSafeInteger('time', head.time);
  writeDomainTag(w, head.mapRoot === undefined ? TREE_HEAD_TAG : TREE_HEAD_TAG_V2);
  w.u8(head.logId.length);
  w.bytes(head.logId);
  w.u64(head.size);
  w.u8(head.root.length);
  w.bytes(head.root);
  if (head.mapRoot !== undefined) {
    w.u8(head.mapRoot.length);
    w.bytes(head.mapRoot);
  }
  w.u64(head.time);
}

function readTreeHead(r: ByteReader): TreeHead {
  const version = readTreeHeadVersion(r);
  const logId = readShortBytes(r, 'logId');
  const size = r.u64('size');
  const root = readShortBytes(r, 'root');
  const mapRoot = version === 2 ? readShortBytes(r, 'mapRoot') : undefined;
  const time = r.u64('time');
  return mapRoot === undefined ? { logId, size, root, time } : { logId, size, root, mapRoot, time };
}

/** Version 1 (log only) or 2 (with the map root); anything else is an EncodingError. */
function readTreeHeadVersion(r: ByteReader): 1 | 2 {
  const prefix = r.bytes(TREE_HEAD_TAG.prefix.length, 'domain tag');
  if (!equalBytes(prefix, TREE_HEAD_TAG.prefix)) throw new EncodingError('tree head: wrong domain tag');
  const version = r.u8('version');
  if (version !== 1 && version !== 2) throw new EncodingError(`tree head: unsupported version ${version}`);
  return version;
}

function readShortBytes(r: ByteReader, field: string): Uint8Array {
  const length = r.u8(`${field} length`);
  if (length === 0) throw new EncodingError(`tree head: empty ${field}`);
  return r.bytes(length, field);
}

function checkShortBytes(field: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array) || value.length === 0 || value.length > U8_MAX) {
    throw new InvalidFieldError(field, `must be 1 … ${U8_MAX} bytes`);
  }
}

function checkSignatureField(signature: Uint8Array): void {
  if (!(signature instanceof Uint8Array) || signature.length === 0 || signature.length > U16_MAX) {
    throw new InvalidFieldError('signature', `must be 1 … ${U16_MAX} bytes`);
  }
}
