/**
 * Typed errors of @leitung/merkle. Every error carries a stable `code` (docs/errors.md, section
 * "@leitung/merkle"); callers and tests branch on `code`, never on the message. Messages and
 * properties carry sizes, indices and hashes only — never key material.
 */

/**
 * Every code this package raises, by name (docs/errors.md "@leitung/merkle"); each has its own subclass of
 * {@link MerkleError} carrying the figures that explain it.
 */
export const MerkleErrorCode = {
  /** A proof (or a claimed equality of roots) produced a different root than the one expected. */
  RootMismatch: 'MERKLE_ERR_ROOT_MISMATCH',
  /** A proof has more or fewer hashes than its index and sizes require. */
  ProofLength: 'MERKLE_ERR_PROOF_LENGTH',
  /** A leaf hash or proof hash has the wrong number of bytes for the hash function. */
  HashLength: 'MERKLE_ERR_HASH_LENGTH',
  /** A leaf index (or subtree bound) lies outside the tree it is claimed to be in. */
  IndexOutOfRange: 'MERKLE_ERR_INDEX_OUT_OF_RANGE',
  /** A newer tree is claimed to be smaller than an older one: the log would have shrunk. */
  SizeDecreased: 'MERKLE_ERR_SIZE_DECREASED',
  /** A consistency proof from the empty tree was asked for or offered: it proves nothing (RFC 9162 §2.1.4). */
  EmptyTree: 'MERKLE_ERR_EMPTY_TREE',
  /** A size, index or time is not a non-negative safe integer (0 … 2^53 − 1). */
  InvalidNumber: 'MERKLE_ERR_INVALID_NUMBER',
  /** `[start, end)` is not a subtree: start > end, or start is not a multiple of bit_ceil(end − start). */
  InvalidSubtree: 'MERKLE_ERR_INVALID_SUBTREE',
  /** The injected signature verifier rejected (or failed on) a tree-head signature. */
  BadSignature: 'MERKLE_ERR_BAD_SIGNATURE',
  /** Two validly signed tree heads of the same log and size disagree on the root: a split view. */
  SplitView: 'MERKLE_ERR_SPLIT_VIEW',
  /** A tree head names a different log (directory) than the one the caller follows. */
  LogIdMismatch: 'MERKLE_ERR_LOG_ID_MISMATCH',
  /** A tree head is older than the caller's freshness limit (a relay may be hiding newer entries). */
  StaleTreeHead: 'MERKLE_ERR_STALE_TREE_HEAD',
  /** A directory entry's name is not in Unicode Normalization Form C (callers normalise first). */
  NameNotNfc: 'MERKLE_ERR_NAME_NOT_NFC',
  /** A directory entry or tree head field cannot be encoded canonically (wrong length, empty, too long). */
  InvalidField: 'MERKLE_ERR_INVALID_FIELD',
  /** Bytes are not a canonical encoding (bad tag or version, truncated, trailing bytes, bad UTF-8). */
  Encoding: 'MERKLE_ERR_ENCODING',
  /** `flatRoot` was given something that is not a PEM or base64 public key. */
  InvalidKey: 'MERKLE_ERR_INVALID_KEY',
  /** An injected hash function does not behave as declared (output length differs from `size`). */
  HashFunction: 'MERKLE_ERR_HASH_FUNCTION',
  /** The storage backend lacks a node the log needs, or rejected a write. */
  Storage: 'MERKLE_ERR_STORAGE',
  /** A name-map proof is malformed: its terminal pair does not lie on the path of the key looked up. */
  MapProof: 'MERKLE_ERR_MAP_PROOF',
  /** A name map was to be built from pairs of which two share a key. */
  DuplicateKey: 'MERKLE_ERR_DUPLICATE_KEY',
} as const;

/** Every code this package raises. */
export type MerkleErrorCode = (typeof MerkleErrorCode)[keyof typeof MerkleErrorCode];

/** Every code this package raises, as a list. */
export const MERKLE_ERROR_CODES: readonly MerkleErrorCode[] = Object.values(MerkleErrorCode);

/** Base class: `instanceof MerkleError` catches everything this package throws on bad input. */
export class MerkleError extends Error {
  readonly code: MerkleErrorCode;

  constructor(code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is a {@link MerkleError} (any subclass), optionally with the given code. */
export function isMerkleError(err: unknown, code?: MerkleErrorCode): err is MerkleError {
  return err instanceof MerkleError && (code === undefined || err.code === code);
}

/** A proof (or a claimed equality of roots) produced a different root than the one expected. */
export class RootMismatchError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_ROOT_MISMATCH';
  /** The root the caller holds (from a tree head), lowercase hex. */
  readonly expected: string;
  /** The root recomputed from the proof, lowercase hex. */
  readonly computed: string;

  constructor(what: string, expected: string, computed: string) {
    super(
      'MERKLE_ERR_ROOT_MISMATCH',
      `${what}: computed root ${computed} does not match expected ${expected}`,
    );
    this.expected = expected;
    this.computed = computed;
  }
}

/** A proof has more or fewer hashes than its index and sizes require. */
export class ProofLengthError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_PROOF_LENGTH';
  readonly expected: number;
  readonly actual: number;

  constructor(what: string, expected: number, actual: number) {
    super('MERKLE_ERR_PROOF_LENGTH', `${what}: proof has ${actual} hashes, expected ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A leaf hash or proof hash has the wrong number of bytes for the hash function. */
export class HashLengthError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_HASH_LENGTH';
  readonly expected: number;
  readonly actual: number;

  constructor(what: string, expected: number, actual: number) {
    super('MERKLE_ERR_HASH_LENGTH', `${what} has ${actual} bytes, expected ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A leaf index (or subtree bound) lies outside the tree it is claimed to be in. */
export class IndexOutOfRangeError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_INDEX_OUT_OF_RANGE';
  readonly index: number;
  readonly size: number;

  constructor(what: string, index: number, size: number) {
    super('MERKLE_ERR_INDEX_OUT_OF_RANGE', `${what} ${index} is out of range for size ${size}`);
    this.index = index;
    this.size = size;
  }
}

/** A newer tree is claimed to be smaller than an older one: the log would have shrunk. */
export class SizeDecreasedError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_SIZE_DECREASED';
  readonly previousSize: number;
  readonly nextSize: number;

  constructor(previousSize: number, nextSize: number) {
    super('MERKLE_ERR_SIZE_DECREASED', `tree size decreased from ${previousSize} to ${nextSize}`);
    this.previousSize = previousSize;
    this.nextSize = nextSize;
  }
}

/** A consistency proof from the empty tree was asked for or offered: it proves nothing (RFC 9162 §2.1.4). */
export class EmptyTreeError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_EMPTY_TREE';

  constructor(message: string) {
    super('MERKLE_ERR_EMPTY_TREE', message);
  }
}

/** A size, index or time is not a non-negative safe integer (0 … 2^53 − 1). */
export class InvalidNumberError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_INVALID_NUMBER';
  readonly field: string;

  constructor(field: string, value: unknown) {
    super('MERKLE_ERR_INVALID_NUMBER', `${field} must be an integer in 0 … 2^53 − 1, got ${describe(value)}`);
    this.field = field;
  }
}

/** `[start, end)` is not a subtree: start > end, or start is not a multiple of bit_ceil(end − start). */
export class InvalidSubtreeError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_INVALID_SUBTREE';
  readonly start: number;
  readonly end: number;

  constructor(start: number, end: number) {
    super('MERKLE_ERR_INVALID_SUBTREE', `[${start}, ${end}) is not a valid subtree`);
    this.start = start;
    this.end = end;
  }
}

/** The injected signature verifier rejected (or failed on) a tree-head signature. */
export class BadSignatureError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_BAD_SIGNATURE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('MERKLE_ERR_BAD_SIGNATURE', message, options);
  }
}

/** Two validly signed tree heads of the same log and size disagree on the root: a split view. */
export class SplitViewError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_SPLIT_VIEW';
  readonly size: number;
  /** Root of the head accepted before, lowercase hex. */
  readonly previousRoot: string;
  /** Root of the head now offered, lowercase hex. */
  readonly nextRoot: string;

  constructor(size: number, previousRoot: string, nextRoot: string) {
    super(
      'MERKLE_ERR_SPLIT_VIEW',
      `two tree heads of size ${size} disagree: ${previousRoot} was accepted, ${nextRoot} offered`,
    );
    this.size = size;
    this.previousRoot = previousRoot;
    this.nextRoot = nextRoot;
  }
}

/** A tree head names a different log (directory) than the one the caller follows. */
export class LogIdMismatchError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_LOG_ID_MISMATCH';

  constructor(expected: string, actual: string) {
    super('MERKLE_ERR_LOG_ID_MISMATCH', `tree head is for log ${actual}, expected ${expected}`);
  }
}

/** A tree head is older than the caller's freshness limit (a relay may be hiding newer entries). */
export class StaleTreeHeadError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_STALE_TREE_HEAD';
  readonly ageMs: number;
  readonly maxAgeMs: number;

  constructor(ageMs: number, maxAgeMs: number) {
    super('MERKLE_ERR_STALE_TREE_HEAD', `tree head is ${ageMs} ms old, the limit is ${maxAgeMs} ms`);
    this.ageMs = ageMs;
    this.maxAgeMs = maxAgeMs;
  }
}

/** A directory entry's name is not in Unicode Normalization Form C (callers normalise first). */
export class NameNotNfcError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_NAME_NOT_NFC';

  constructor() {
    super('MERKLE_ERR_NAME_NOT_NFC', 'entry name is not NFC-normalised');
  }
}

/** A directory entry or tree head field cannot be encoded canonically (wrong length, empty, too long). */
export class InvalidFieldError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_INVALID_FIELD';
  readonly field: string;

  constructor(field: string, message: string) {
    super('MERKLE_ERR_INVALID_FIELD', `${field}: ${message}`);
    this.field = field;
  }
}

/** Bytes are not a canonical encoding (bad tag or version, truncated, trailing bytes, bad UTF-8). */
export class EncodingError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_ENCODING';

  constructor(message: string) {
    super('MERKLE_ERR_ENCODING', message);
  }
}

/** `flatRoot` was given something that is not a PEM or base64 public key. */
export class InvalidKeyError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_INVALID_KEY';
  /** Position of the offending key in the input list. */
  readonly position: number;

  constructor(position: number, message: string) {
    super('MERKLE_ERR_INVALID_KEY', `key ${position}: ${message}`);
    this.position = position;
  }
}

/** An injected hash function does not behave as declared (output length differs from `size`). */
export class HashFunctionError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_HASH_FUNCTION';

  constructor(message: string) {
    super('MERKLE_ERR_HASH_FUNCTION', message);
  }
}

/** The storage backend lacks a node the log needs, or rejected a write. */
export class StorageError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_STORAGE';

  constructor(message: string, options?: { cause?: unknown }) {
    super('MERKLE_ERR_STORAGE', message, options);
  }
}

/** A name-map proof is malformed: its terminal pair does not lie on the path of the key looked up. */
export class MapProofError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_MAP_PROOF';

  constructor(message: string) {
    super('MERKLE_ERR_MAP_PROOF', message);
  }
}

/** A name map was to be built from pairs of which two share a key. */
export class DuplicateKeyError extends MerkleError {
  declare readonly code: 'MERKLE_ERR_DUPLICATE_KEY';
  /** The repeated key, lowercase hex. */
  readonly key: string;

  constructor(key: string) {
    super('MERKLE_ERR_DUPLICATE_KEY', `map key ${key} occurs twice`);
    this.key = key;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return typeof value;
}
