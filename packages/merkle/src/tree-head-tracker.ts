/**
 * What a client does with every tree head it is shown (docs/design.md §3 step 3, §4): check the signature,
 * then accept it only if it extends the last head it accepted. Pure: the accepted head is returned, and
 * {@link TreeHeadTracker} merely remembers it; persisting it (SecureVault) is the caller's job.
 *
 * Outcomes, in the order they are checked:
 * - another directory's head                       → rejected, MERKLE_ERR_LOG_ID_MISMATCH
 * - root of the wrong length for the hash          → rejected, MERKLE_ERR_HASH_LENGTH
 * - signature does not verify                      → rejected, MERKLE_ERR_BAD_SIGNATURE
 * - older than the freshness limit (if one is set) → rejected, MERKLE_ERR_STALE_TREE_HEAD
 * - no previous head                               → accepted, "first" (trust on first sight)
 * - smaller than the previous head                 → rejected, MERKLE_ERR_SIZE_DECREASED
 * - same size, different root (or map root)        → rejected, MERKLE_ERR_SPLIT_VIEW
 * - same size, same root                           → accepted, "unchanged"
 * - larger, consistency proof fails                → rejected with the verifier's error
 * - larger, consistency proof holds                → accepted, "grown"
 *
 * The same check detects a split view between relays of one directory: a head from relay B must
 * extend (or equal) the last head accepted from relay A.
 */
import { equalBytes, toHex } from './bytes.js';
import {
  InvalidNumberError,
  LogIdMismatchError,
  MerkleError,
  ProofLengthError,
  SizeDecreasedError,
  SplitViewError,
  StaleTreeHeadError,
} from './errors.js';
import { type HashFunction, SHA3_256 } from './hash.js';
import { type SignedTreeHead, type VerifySignatureFunction, verifyTreeHeadSignature } from './tree-head.js';
import { verifyConsistency } from './verify-consistency.js';
import { checkHashLength } from './verify-inclusion.js';

/**
 * What a client requires of every head of one directory: its log id, the relay signature check, the hash and
 * an optional maximum age (docs/key-transparency.md, "What a client checks, and when").
 */
export interface TreeHeadPolicy {
  /** The directory the caller follows; heads of any other log are refused. */
  readonly logId: Uint8Array;
  /** Checks the relay's signature over `encodeTreeHead(head)` (e.g. RSA-PSS from @leitung/crypto). */
  readonly verifySignature: VerifySignatureFunction;
  /** The log's hash; SHA3-256 by default. */
  readonly hash?: HashFunction;
  /** When set, heads older than this (by `now − head.time`) are refused, and `now` is required. */
  readonly maxAgeMs?: number;
}

/**
 * One decision for `checkTreeHeadUpdate`: the last accepted head, the offered head and the consistency proof
 * between them.
 */
export interface TreeHeadUpdate {
  /** The last head accepted for this directory, or undefined if none. Trusted as given. */
  readonly previous: SignedTreeHead | undefined;
  /** The head now offered. */
  readonly next: SignedTreeHead;
  /** Consistency proof from `previous.size` to `next.size`; empty when there is nothing to prove. */
  readonly consistencyProof: readonly Uint8Array[];
  /** Current time in milliseconds since the Unix epoch (needed when the policy has `maxAgeMs`). */
  readonly now?: number;
}

/**
 * How an accepted head relates to the previous one: `first` (none before), `unchanged` (same size and roots)
 * or `grown` (consistency proof verified).
 */
export type TreeHeadChange = 'first' | 'unchanged' | 'grown';

/**
 * Result of `checkTreeHeadUpdate`: the head accepted (with how it changed) or rejected with a typed
 * `MerkleError`; never a throw for bad input.
 */
export type TreeHeadDecision =
  | { readonly kind: 'accepted'; readonly change: TreeHeadChange; readonly head: SignedTreeHead }
  | { readonly kind: 'rejected'; readonly error: MerkleError };

/** Decides whether `update.next` may replace `update.previous`. Never throws for bad input. */
export function checkTreeHeadUpdate(policy: TreeHeadPolicy, update: TreeHeadUpdate): TreeHeadDecision {
  try {
    return { kind: 'accepted', change: decide(policy, update), head: update.next };
  } catch (error) {
    if (error instanceof MerkleError) return { kind: 'rejected', error };
    throw error;
  }
}

function decide(policy: TreeHeadPolicy, update: TreeHeadUpdate): TreeHeadChange {
  const hash = policy.hash ?? SHA3_256;
  const { previous, next, consistencyProof } = update;
  if (!equalBytes(next.logId, policy.logId))
    throw new LogIdMismatchError(toHex(policy.logId), toHex(next.logId));
  checkHashLength('tree head root', next.root, hash.size);
  verifyTreeHeadSignature(next, policy.verifySignature);
  if (policy.maxAgeMs !== undefined) {
    const now = update.now;
    if (now === undefined || !Number.isSafeInteger(now)) throw new InvalidNumberError('now', now);
    const age = now - next.time;
    if (age > policy.maxAgeMs) throw new StaleTreeHeadError(age, policy.maxAgeMs);
  }
  if (previous === undefined) {
    expectEmptyProof(consistencyProof);
    return 'first';
  }
  if (!equalBytes(previous.logId, policy.logId)) {
    throw new LogIdMismatchError(toHex(policy.logId), toHex(previous.logId));
  }
  if (next.size < previous.size) throw new SizeDecreasedError(previous.size, next.size);
  if (next.size === previous.size) {
    if (!equalBytes(next.root, previous.root)) {
      throw new SplitViewError(next.size, toHex(previous.root), toHex(next.root));
    }
    // Same log, two name maps: the map is a function of the log, so one of the heads lies (docs/key-transparency.md).
    if (
      previous.mapRoot !== undefined &&
      next.mapRoot !== undefined &&
      !equalBytes(next.mapRoot, previous.mapRoot)
    ) {
      throw new SplitViewError(next.size, toHex(previous.mapRoot), toHex(next.mapRoot));
    }
    expectEmptyProof(consistencyProof);
    return 'unchanged';
  }
  if (previous.size === 0) {
    // Every tree extends the empty tree; a proof from it would prove nothing (RFC 9162 §2.1.4).
    expectEmptyProof(consistencyProof);
    return 'grown';
  }
  verifyConsistency(
    {
      oldSize: previous.size,
      newSize: next.size,
      oldRoot: previous.root,
      newRoot: next.root,
      proof: consistencyProof,
    },
    hash,
  );
  return 'grown';
}

function expectEmptyProof(proof: readonly Uint8Array[]): void {
  if (proof.length !== 0) throw new ProofLengthError('consistency proof', 0, proof.length);
}

/** Remembers the last accepted head of one directory and offers each new head to it. */
export class TreeHeadTracker {
  private current: SignedTreeHead | undefined;

  /** `initial`: the head accepted in an earlier session (from the vault), trusted as given. */
  constructor(
    private readonly policy: TreeHeadPolicy,
    initial?: SignedTreeHead,
  ) {
    this.current = initial;
  }

  /** The last accepted head, or undefined before the first. */
  get head(): SignedTreeHead | undefined {
    return this.current;
  }

  /** Checks `next` against the last accepted head; remembers it when accepted. */
  offer(next: SignedTreeHead, consistencyProof: readonly Uint8Array[], now?: number): TreeHeadDecision {
    const decision = checkTreeHeadUpdate(this.policy, {
      previous: this.current,
      next,
      consistencyProof,
      ...(now === undefined ? {} : { now }),
    });
    if (decision.kind === 'accepted') this.current = decision.head;
    return decision;
  }
}
