/**
 * The client's view of one relay's key directory (docs/design.md §4): the last accepted signed tree head and
 * the checks every key handed to the client must pass — the entry describes what was asked for and its id
 * is the hash of its key, its inclusion proof holds against a signed head, and that head is consistent
 * with the last one accepted (which may need a GET_CONSISTENCY round trip when the directory grew).
 */
import type { LeitungCrypto, RsaPublicKey } from '@leitung/crypto';
import {
  acceptTreeHead,
  clientIdOf,
  nameKey,
  nameProblem,
  verifyEntry,
  verifyNameBinding,
} from '@leitung/session';
import type {
  ControlMessageOf,
  DirectoryEntry,
  KeyLookupTarget,
  MapProof,
  SignedTreeHead,
} from '@leitung/wire';
import { bytesEqual, hexBytes, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { ClientStore } from './client-store.js';
import type { HeadDirection } from './relay-requests.js';

export type HeadChange = 'first' | 'unchanged' | 'grown';

export class DirectoryView {
  readonly #crypto: LeitungCrypto;
  readonly #relayKey: RsaPublicKey;
  readonly #store: ClientStore;
  /** Hex log id = fingerprint of the relay key that signs the log's heads. */
  readonly logId: string;
  #head: SignedTreeHead;

  readonly #logIdBytes: Uint8Array;

  /**
   * `head`: the head accepted at registration (already checked by the handshake). `logId` (hex): the
   * directory's log — a cluster's shared id, or (default) the log of the relay's own key.
   */
  constructor(
    crypto: LeitungCrypto,
    relayKey: RsaPublicKey,
    store: ClientStore,
    head: SignedTreeHead,
    logId: string = relayKey.fingerprint(),
  ) {
    this.#crypto = crypto;
    this.#relayKey = relayKey;
    this.#store = store;
    this.logId = logId.toLowerCase();
    this.#logIdBytes = hexBytes(this.logId);
    this.#head = head;
  }

  get head(): SignedTreeHead {
    return this.#head;
  }

  /**
   * Checks `next` against the accepted head with `proof` (from the accepted head's size) and accepts it.
   * Throws SESSION_ERR_TREE_HEAD_SIGNATURE / SESSION_ERR_TREE_INCONSISTENT.
   */
  advance(next: SignedTreeHead, proof: readonly Uint8Array[]): HeadChange {
    const change = acceptTreeHead({
      crypto: this.#crypto,
      signingKey: this.#relayKey,
      logId: this.#logIdBytes,
      previous: this.#head,
      next,
      consistencyProof: proof,
    });
    if (change !== 'unchanged') {
      this.#head = next;
      this.#store.setTreeHead(this.logId, next);
    }
    return change;
  }

  /** Checks a head's signature and log on its own (no consistency): SESSION_ERR_TREE_HEAD_SIGNATURE. */
  checkSignature(head: SignedTreeHead): void {
    acceptTreeHead({
      crypto: this.#crypto,
      signingKey: this.#relayKey,
      logId: this.#logIdBytes,
      previous: undefined,
      next: head,
      consistencyProof: [],
    });
  }

  /**
   * What a PUBLIC_KEY answer still needs before its head can be trusted: nothing (same size as the accepted
   * head, checked here), or a consistency proof between the two sizes.
   */
  relation(head: SignedTreeHead): 'same' | 'newer' | 'older' {
    if (head.size === this.#head.size) return 'same';
    return head.size > this.#head.size ? 'newer' : 'older';
  }

  /** The sizes a GET_CONSISTENCY spans between the accepted head and `head`, which is `direction` of it. */
  consistencyRange(head: SignedTreeHead, direction: HeadDirection): { fromSize: number; toSize: number } {
    return direction === 'newer'
      ? { fromSize: this.#head.size, toSize: head.size }
      : { fromSize: head.size, toSize: this.#head.size };
  }

  /**
   * Settles `shown`, a head that was `direction` of the accepted one when its consistency was asked for,
   * with the relay's CONSISTENCY `answer`: a newer head is accepted (the answer's head extends the accepted
   * one, and `shown` has its size, so it must be the same tree), an older one must be extended by the
   * accepted head. Returns the change when the view moved on. Throws CLIENT_ERR_PROTOCOL for an answer
   * between other sizes, SESSION_ERR_TREE_… for a failed check.
   */
  reconcile(
    shown: SignedTreeHead,
    direction: HeadDirection,
    answer: Pick<ControlMessageOf<'CONSISTENCY'>, 'fromSize' | 'treeHead' | 'proof'>,
  ): HeadChange | undefined {
    const [from, to] = direction === 'newer' ? [this.#head, shown] : [shown, this.#head];
    if (answer.fromSize !== from.size || answer.treeHead.size !== to.size) {
      throw new ClientError(ClientErrorCode.Protocol, 'CONSISTENCY is not between the requested sizes');
    }
    if (direction === 'newer') {
      const change = this.advance(answer.treeHead, answer.proof);
      this.advance(shown, []);
      return change;
    }
    this.advance(answer.treeHead, []);
    this.checkOlder(shown, answer.proof, this.#head);
    return undefined;
  }

  /**
   * An older head than the accepted one (a relay of the same log that lags): signed, and the accepted head
   * extends it (`proof` from `older.size` to the accepted size). Throws SESSION_ERR_TREE_….
   */
  checkOlder(older: SignedTreeHead, proof: readonly Uint8Array[], current: SignedTreeHead): void {
    this.checkSignature(older);
    acceptTreeHead({
      crypto: this.#crypto,
      signingKey: this.#relayKey,
      logId: this.#logIdBytes,
      previous: older,
      next: current,
      consistencyProof: proof,
    });
  }
}

/**
 * Checks a directory entry in itself and against the lookup target, then its inclusion proof and its
 * name-map proof against `head` (which the caller has already accepted): the entry must be in the log
 * AND be the one binding its name (docs/key-transparency.md, "What a client checks"). Returns its key.
 * CLIENT_ERR_ENTRY_MISMATCH for a substituted or malformed entry (or one whose name does not fold to the
 * name asked for); SESSION_ERR_INCLUSION / SESSION_ERR_MAP_PROOF for a bad proof; SESSION_ERR_NAME_BINDING
 * when the signed map binds the name to another entry or to none (a second binding is never pinned).
 */
export function verifyLookupEntry(
  crypto: LeitungCrypto,
  target: KeyLookupTarget,
  entry: DirectoryEntry,
  proof: readonly Uint8Array[],
  head: SignedTreeHead,
  mapProof: MapProof,
): RsaPublicKey {
  let key: RsaPublicKey;
  try {
    key = crypto.importRsaPublicKey(entry.publicKey);
  } catch (error) {
    throw new ClientError(ClientErrorCode.EntryMismatch, 'directory entry key is not an RSA-4096 key', {
      cause: error,
    });
  }
  // The id must be the hash of the key: otherwise the relay pairs someone's id with another key.
  if (!bytesEqual(clientIdOf(crypto, entry.publicKey), entry.clientId)) {
    throw new ClientError(ClientErrorCode.EntryMismatch, 'directory entry id is not the hash of its key');
  }
  // A name the directory's policy forbids is no one's name (docs/key-transparency.md "Names").
  const problem = nameProblem(entry.name);
  if (problem !== undefined) throw new ClientError(ClientErrorCode.NamePolicy, `directory entry: ${problem}`);
  const matches =
    target.by === 'name'
      ? nameKey(entry.name) === nameKey(target.name)
      : bytesEqual(entry.clientId, target.clientId);
  if (!matches) {
    throw new ClientError(ClientErrorCode.EntryMismatch, 'directory entry is not the one asked for');
  }
  verifyEntry(entry, proof, head);
  verifyNameBinding(entry, mapProof, head);
  return key;
}

export function targetLabel(target: KeyLookupTarget): string {
  return target.by === 'name' ? target.name : toHex(target.clientId);
}
