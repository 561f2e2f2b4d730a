/**
 * The key directory as clients reach it (docs/design.md §4, docs/protocol.md §4.2 and §4.4,
 * docs/key-transparency.md): the directory state shown in CHALLENGE and WELCOME, GET_PUBLIC_KEY,
 * GET_CONSISTENCY and ROTATE_KEY. Every answer carries the current signed head and the proofs a client
 * checks it with; rate limiting of lookups is the caller's.
 */

import { toHex } from '@leitung/crypto';
import type { ChallengeContent } from '@leitung/session';
import type { ControlMessageOf, DirectoryEntry } from '@leitung/wire';
import type { KeyDirectory } from '../directory/key-directory.js';
import { RelayError, RelayErrorCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { RegistrationBudget } from '../protection/registration-budget.js';
import type { Signalling } from '../signalling/signalling.js';
import type { Connection, EstablishedPhase } from './connection.js';
import type { Outbox } from './outbox.js';
import { contactOf, type Phonebook } from './phonebook.js';
import type { Replies } from './replies.js';

/** Encoded bytes of a directory entry besides its key and rotation signature (ids, name, lengths, times). */
const ENTRY_OVERHEAD_BYTES = 160;
/** Room a CHALLENGE needs besides its directory: relay key, nonces, sealed challenge, head, proof. */
const CHALLENGE_ROOM_BYTES = 8 * 1024;

export interface DirectoryServiceOptions {
  readonly directory: KeyDirectory;
  readonly limits: RelayLimits;
  readonly phonebook: Phonebook;
  readonly budget: RegistrationBudget;
  readonly signalling: Signalling;
  readonly replies: Replies;
  readonly outbox: Outbox;
  /** Relay cluster: bindings go through the shared log, which has no rotation step. */
  readonly asyncAppend: boolean;
}

export class DirectoryService {
  readonly #options: DirectoryServiceOptions;
  readonly #directory: KeyDirectory;
  #smallList: { size: number; entries: DirectoryEntry[] | undefined } | undefined;

  constructor(options: DirectoryServiceOptions) {
    this.#options = options;
    this.#directory = options.directory;
  }

  /** CHALLENGE's directory state: the head, consistency from the client's `knownTreeSize`, small lists. */
  challengeContent(knownTreeSize: number): ChallengeContent {
    const treeHead = this.#directory.treeHead();
    const size = treeHead.size;
    const consistencyProof =
      knownTreeSize > 0 && knownTreeSize < size ? this.#directory.consistencyProof(knownTreeSize, size) : [];
    const directory =
      size <= this.#options.limits.directoryListMaxEntries ? this.#smallDirectory(size) : undefined;
    return { treeHead, consistencyProof, directory };
  }

  /**
   * WELCOME (docs/protocol.md §4.2): the client's entry with its inclusion proof, the head, consistency
   * from the CHALLENGE head, the map proof of its own name (owner monitoring, docs/key-transparency.md)
   * and the first phonebook page.
   */
  welcome(recipient: string, entry: DirectoryEntry, challengeSize: number): ControlMessageOf<'WELCOME'> {
    const treeHead = this.#directory.treeHead();
    const size = treeHead.size;
    return {
      type: 'WELCOME',
      clientId: entry.clientId,
      entry,
      inclusionProof: this.#directory.inclusionProof(entry.index, size),
      treeHead,
      consistencyProof:
        challengeSize > 0 && challengeSize < size
          ? this.#directory.consistencyProof(challengeSize, size)
          : [],
      mapProof: this.#directory.mapProof(entry.name),
      phonebook: this.#options.phonebook.page(recipient, 0, this.#options.limits.phonebookPageSize),
    };
  }

  /** GET_PUBLIC_KEY: the current binding of a name or of a key, with its proofs. */
  publicKey(
    connection: Connection,
    requestId: number,
    target: ControlMessageOf<'GET_PUBLIC_KEY'>['target'],
  ): void {
    const entry =
      target.by === 'name'
        ? this.#directory.entryByName(target.name)
        : this.#directory.entryByClientId(target.clientId);
    if (entry === undefined || !this.#options.phonebook.isCurrent(entry)) {
      // A replaced key's entry would come with a map proof naming its successor: say so instead.
      const refusal =
        entry === undefined
          ? { code: RelayErrorCode.NotFound, message: 'no such entry' }
          : {
              code: RelayErrorCode.KeyRotated,
              message: 'this key was replaced by a key rotation; look the name up',
            };
      this.#options.replies.refuse(connection, { ...refusal, fatal: false, requestId });
      return;
    }
    this.#options.replies.sendSealed(connection, this.#publicKeyAnswer(requestId, entry));
  }

  /** GET_CONSISTENCY: a proof between two sizes, with the head that was issued for the larger. */
  consistency(connection: Connection, requestId: number, fromSize: number, toSize: number | undefined): void {
    const current = this.#directory.size();
    const to = toSize ?? current;
    const treeHead = to <= current ? this.#directory.treeHeadAt(to) : undefined;
    if (fromSize < 1 || fromSize > to || treeHead === undefined) {
      this.#options.replies.refuse(connection, {
        code: RelayErrorCode.BadRequest,
        message: 'no consistency proof between those sizes',
        fatal: false,
        requestId,
      });
      return;
    }
    this.#options.replies.sendSealed(connection, {
      type: 'CONSISTENCY',
      requestId,
      fromSize,
      treeHead,
      proof: this.#directory.consistencyProof(fromSize, to),
    });
  }

  /**
   * Key rotation (docs/key-transparency.md, "Key rotation"): the session's binding is replaced by the new
   * key. Charged to the registration budgets like a new name (it grows the log). The answer is the new
   * entry's PUBLIC_KEY and everyone is told (`rotated`). The session stays open so the client can check the
   * answer (it may need GET_CONSISTENCY for the grown head); its key is no longer current — it cannot log
   * in again, rotate again or be looked up by id — and the client reconnects with the new key.
   */
  rotateKey(
    connection: Connection,
    phase: EstablishedPhase,
    message: ControlMessageOf<'ROTATE_KEY'>,
    now: number,
  ): void {
    const { replies, budget } = this.#options;
    const refuse = (code: RelayErrorCode, text: string) =>
      replies.refuse(connection, { code, message: text, fatal: false, requestId: message.requestId });
    if (this.#options.asyncAppend) {
      // The shared log of a cluster has no rotation step yet (docs/security.md "Open").
      refuse(RelayErrorCode.Unsupported, 'key rotation is not available on a relay cluster');
      return;
    }
    let entry: DirectoryEntry;
    try {
      budget.check(connection.remoteIp, now, false);
      entry = this.#directory.rotate(phase.clientIdBytes, message, now);
      budget.take(connection.remoteIp, now);
    } catch (error) {
      if (!(error instanceof RelayError)) throw error;
      refuse(error.code, error.message);
      return;
    }
    const answer = this.#publicKeyAnswer(message.requestId, entry);
    replies.sendSealed(connection, answer);
    this.#announceRotation(phase.clientId, entry, answer.treeHead.size);
  }

  #announceRotation(previousClientId: string, entry: DirectoryEntry, size: number): void {
    const { outbox, signalling } = this.#options;
    outbox.emit({ type: 'directory:appended', index: entry.index, size });
    outbox.emit({
      type: 'client:key-rotated',
      previousClientId,
      clientId: toHex(entry.clientId),
      name: entry.name,
      index: entry.index,
    });
    signalling.broadcast(
      { type: 'PHONEBOOK_DELTA', changes: [{ kind: 'rotated', contact: contactOf(entry, false) }] },
      previousClientId,
    );
  }

  /** PUBLIC_KEY for `entry` under the current head. */
  #publicKeyAnswer(requestId: number, entry: DirectoryEntry): ControlMessageOf<'PUBLIC_KEY'> {
    const treeHead = this.#directory.treeHead();
    return {
      type: 'PUBLIC_KEY',
      requestId,
      entry,
      inclusionProof: this.#directory.inclusionProof(entry.index, treeHead.size),
      treeHead,
      mapProof: this.#directory.mapProof(entry.name),
    };
  }

  /**
   * Every entry of a small directory, cached per size (CHALLENGE lets the client check it whole); none when
   * its entries (rotations carry a signature too) would not leave room in a CHALLENGE frame.
   */
  #smallDirectory(size: number): DirectoryEntry[] | undefined {
    if (this.#smallList?.size !== size) {
      const entries = this.#directory.entries(0, size);
      let bytes = 0;
      for (const e of entries)
        bytes += ENTRY_OVERHEAD_BYTES + e.publicKey.length + (e.rotation?.signature.length ?? 0);
      this.#smallList = {
        size,
        entries: bytes <= this.#options.limits.maxFrameSize - CHALLENGE_ROOM_BYTES ? entries : undefined,
      };
    }
    return this.#smallList.entries;
  }
}
