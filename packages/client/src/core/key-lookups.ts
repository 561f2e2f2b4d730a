/**
 * Key lookups with proofs (docs/design.md §4, docs/key-transparency.md "What a client checks"): a
 * PUBLIC_KEY answer counts only once its head is signed and consistent with the last accepted one — a
 * GET_CONSISTENCY round trip when the sizes differ — and its entry is the one asked for, in the log and
 * bound to its name in the signed name map. The verified key is then held against the pin of its name
 * (ContactPins; a rotation signed by the pinned key re-pins) and goes where the lookup was made for: a
 * command's result, the call machine, a phonebook refresh, or this client's own key rotation.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { checkKeyRotation, clientIdOf, nameKey, SessionError, signKeyRotation } from '@leitung/session';
import type { ControlMessageOf, DirectoryEntry, KeyLookupTarget } from '@leitung/wire';
import { bytesEqual, fromHex, hexBytes, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { CallMachine } from './call-machine.js';
import type { ClientStore } from './client-store.js';
import type { ReadyConnection } from './connection-state.js';
import type { ContactPins } from './contact-pins.js';
import { asError } from './core-errors.js';
import type { CoreLink } from './core-link.js';
import type { VerifiedContact } from './core-outputs.js';
import { nameConflictEvent } from './directory-evidence.js';
import { verifyLookupEntry } from './directory-view.js';
import type { ContactInfo } from './events.js';
import type { Phonebook } from './phonebook.js';
import type { LookupPurpose, PendingOf } from './relay-requests.js';

/** Where the lookups made for a call report back. */
export type CallLookups = Pick<CallMachine, 'calleeVerified' | 'callerVerified' | 'lookupFailed'>;

export interface KeyLookupsOptions {
  readonly crypto: LeitungCrypto;
  /** This client's key, id and name: its rotation is signed with the key and comes back as its successor. */
  readonly identity: RsaPrivateKey;
  readonly clientId: Uint8Array;
  readonly name: string;
  /** The pinned keys (read here; ContactPins writes them). */
  readonly store: ClientStore;
  readonly phonebook: Phonebook;
  readonly pins: ContactPins;
  readonly calls: CallLookups;
  readonly link: CoreLink;
}

/** A name, or `{ clientId }` with 64 hex digits, as a lookup target; undefined for anything else. */
export function lookupTarget(target: string | { readonly clientId: string }): KeyLookupTarget | undefined {
  if (typeof target === 'string') {
    const name = target.normalize('NFC');
    return name.length > 0 ? { by: 'name', name } : undefined;
  }
  if (typeof target?.clientId === 'string' && /^[0-9a-fA-F]{64}$/.test(target.clientId)) {
    return { by: 'clientId', clientId: hexBytes(target.clientId) };
  }
  return undefined;
}

export class KeyLookups {
  readonly #options: KeyLookupsOptions;
  readonly #link: CoreLink;
  /** Names with a refresh lookup in flight (one per name). */
  readonly #refreshing = new Set<string>();

  constructor(options: KeyLookupsOptions) {
    this.#options = options;
    this.#link = options.link;
  }

  /**
   * Sends ROTATE_KEY for `nextKey`, signed with the current key and `nextKey` (docs/key-transparency.md,
   * "Key rotation"); the answer is looked up like any entry and settles `handle`.
   */
  rotate(c: ReadyConnection, nextKey: RsaPrivateKey, handle: number, now: number): void {
    const { crypto, identity, name } = this.#options;
    const signed = signKeyRotation(crypto, {
      logId: c.directory.head.logId,
      name,
      previousKey: identity,
      nextKey,
    });
    const target: KeyLookupTarget = { by: 'clientId', clientId: clientIdOf(crypto, signed.publicKey) };
    this.#link.request({ kind: 'lookup', target, purpose: { kind: 'rotation', handle } }, now, {
      type: 'ROTATE_KEY',
      ...signed,
    });
  }

  /** The relay's PUBLIC_KEY for `pending`: its head (with a consistency proof if needed), then the entry. */
  onPublicKey(
    c: ReadyConnection,
    pending: PendingOf<'lookup'>,
    message: ControlMessageOf<'PUBLIC_KEY'>,
    now: number,
  ): void {
    const { target, purpose } = pending;
    try {
      const relation = c.directory.relation(message.treeHead);
      if (relation === 'same') {
        c.directory.advance(message.treeHead, []);
        this.#finish(c, message, target, purpose, now);
        return;
      }
      // The head differs from the last accepted one: prove it is the same history (docs/design.md §4).
      c.directory.checkSignature(message.treeHead);
      this.#link.request(
        { kind: 'consistency', answer: message, target, purpose, direction: relation },
        now,
        {
          type: 'GET_CONSISTENCY',
          ...c.directory.consistencyRange(message.treeHead, relation),
        },
      );
    } catch (error) {
      this.failed(purpose, asError(error), now);
    }
  }

  /** The consistency proof a looked-up head needed: accept or check the head, then the entry. */
  onConsistency(
    c: ReadyConnection,
    pending: PendingOf<'consistency'>,
    message: ControlMessageOf<'CONSISTENCY'>,
    now: number,
  ): void {
    const { answer, target, purpose } = pending;
    try {
      const change = c.directory.reconcile(answer.treeHead, pending.direction, message);
      if (change !== undefined) this.#link.headAccepted(c.directory, change);
      this.#finish(c, answer, target, purpose, now);
    } catch (error) {
      this.failed(purpose, asError(error), now);
    }
  }

  /** A lookup that failed (a check, a timeout, an ERROR, the connection): tell whoever asked. */
  failed(purpose: LookupPurpose, error: Error, now: number): void {
    switch (purpose.kind) {
      case 'user':
      case 'rotation':
        this.#link.result(purpose.handle, { ok: false, error });
        return;
      case 'refresh':
        // The line stays unverified (calls look the key up again); a failed check was reported already.
        this.#refreshing.delete(purpose.name);
        return;
      case 'call':
      case 'incoming':
        this.#options.calls.lookupFailed(purpose.kind, purpose.callId, error, now);
        return;
    }
  }

  /**
   * Phonebook lines that name a pinned contact with another key and are not flagged yet: one verifying
   * lookup each decides between a signed rotation (re-pinned with a notice) and a key change (alarm).
   */
  refreshChangedPins(changed: readonly ContactInfo[], now: number): void {
    for (const contact of changed) {
      if (contact.verification !== 'unverified' || this.#refreshing.has(contact.name)) continue;
      const pin = this.#options.store.contact(contact.name);
      if (pin === undefined || pin.clientId === contact.clientId) continue;
      this.#refreshing.add(contact.name);
      this.#link.request(
        {
          kind: 'lookup',
          target: { by: 'name', name: contact.name },
          purpose: { kind: 'refresh', name: contact.name },
        },
        now,
      );
    }
  }

  /** The head of `answer` is accepted; check the entry and its proof, then the pin. */
  #finish(
    c: ReadyConnection,
    answer: ControlMessageOf<'PUBLIC_KEY'>,
    target: KeyLookupTarget,
    purpose: LookupPurpose,
    now: number,
  ): void {
    const key = this.#verifiedKey(c, answer, target);
    if (purpose.kind === 'rotation') {
      this.#finishRotation(answer, purpose.handle);
      return;
    }
    const contact = this.#pin(answer, now);
    this.#link.emit({ type: 'contact:verified', contact, treeSize: answer.treeHead.size });
    const verified: VerifiedContact = {
      ...contact,
      publicKey: answer.entry.publicKey,
      keyChanged: contact.verification === 'key-changed',
    };
    switch (purpose.kind) {
      case 'user':
        this.#link.result(purpose.handle, { ok: true, value: verified });
        return;
      case 'call':
        this.#options.calls.calleeVerified(purpose.callId, verified, key, now);
        return;
      case 'incoming':
        this.#options.calls.callerVerified(purpose.callId, verified, key, now);
        return;
      case 'refresh':
        this.#refreshing.delete(purpose.name);
        this.#link.emit({
          type: 'phonebook:update',
          contacts: this.#options.phonebook.contacts(),
          changed: [contact],
        });
        return;
    }
  }

  /** The entry's key once entry, inclusion and name-map proofs check out; a name conflict is reported too. */
  #verifiedKey(
    c: ReadyConnection,
    answer: ControlMessageOf<'PUBLIC_KEY'>,
    target: KeyLookupTarget,
  ): RsaPublicKey {
    try {
      return verifyLookupEntry(
        this.#options.crypto,
        target,
        answer.entry,
        answer.inclusionProof,
        answer.treeHead,
        answer.mapProof,
      );
    } catch (error) {
      const conflict = nameConflictEvent(error, c.relay);
      if (conflict !== undefined) this.#link.emit(conflict);
      throw error;
    }
  }

  /** The relay appended this client's rotation: the verified entry must be exactly it. */
  #finishRotation(answer: ControlMessageOf<'PUBLIC_KEY'>, handle: number): void {
    const entry = answer.entry;
    if (
      entry.rotation === undefined ||
      !bytesEqual(entry.rotation.previous, this.#options.clientId) ||
      nameKey(entry.name) !== nameKey(this.#options.name)
    ) {
      throw new ClientError(
        ClientErrorCode.EntryMismatch,
        'the relay answered with another entry than the rotation',
      );
    }
    this.#link.result(handle, {
      ok: true,
      value: {
        clientId: toHex(entry.clientId),
        name: entry.name,
        online: false,
        verification: 'verified',
        publicKey: entry.publicKey,
        keyChanged: false,
      },
    });
  }

  /** Pins the key of the answer's name on first verified use; flags a different key (docs/design.md §4). */
  #pin(answer: ControlMessageOf<'PUBLIC_KEY'>, now: number): ContactInfo {
    const { entry } = answer;
    const rotatesPin = this.#rotatesPin(entry, answer.treeHead.logId);
    const outcome = this.#options.pins.verified(
      entry.name,
      toHex(entry.clientId),
      entry.publicKey,
      now,
      rotatesPin,
    );
    if (outcome.stored) this.#link.persist();
    if (outcome.alarm) this.#link.emit(outcome.alarm);
    if (outcome.notice) this.#link.emit(outcome.notice);
    return outcome.contact;
  }

  /** `entry` is a rotation of the key pinned for its name, signed by that key (docs/key-transparency.md). */
  #rotatesPin(entry: DirectoryEntry, logId: Uint8Array): boolean {
    const pin = this.#options.store.contact(entry.name);
    if (pin === undefined || entry.rotation === undefined) return false;
    try {
      checkKeyRotation(this.#options.crypto, logId, entry, {
        name: pin.name,
        clientId: fromHex(pin.clientId) ?? new Uint8Array(0),
        publicKey: pin.publicKey,
      });
      return true;
    } catch (error) {
      if (error instanceof SessionError) return false;
      throw error;
    }
  }
}
