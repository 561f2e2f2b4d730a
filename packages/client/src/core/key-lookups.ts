/**
 * Key lookups with proofs (docs/design.md §4, docs/key-transparency.md "What a client checks"): a
 * PUBLIC_KEY answer counts only once its head is signed and consistent with the last accepted one — a
 * GET_CONSISTENCY round trip when the sizes differ — and its entry is the one asked for, in the log and
 * bound to its name in the signed name map. The verified key is then held against the pin of its name
 * (ContactPins; a rotation signed by the pinned key re-pins) and goes where the lookup was made for: a
 * command's result, the call machine, a phonebook refresh, or this client's own key rotation. Each method
 * returns the steps for the core (core-steps.ts), with what the call machine answered to a call's lookup.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import { encodeSignedTreeHead } from '@leitung/merkle';
import { beginKeyRotation, checkKeyRotation, clientIdOf, nameKey, SessionError } from '@leitung/session';
import type { ControlMessageOf, DirectoryEntry, KeyLookupTarget } from '@leitung/wire';
import { bytesEqual, hexBytes, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode } from '../errors.js';
import type { CallAction } from './call-actions.js';
import type { CallMachine } from './call-machine.js';
import type { ClientStore } from './client-store.js';
import type { ReadyConnection } from './connection-state.js';
import type { ContactPins } from './contact-pins.js';
import { asError } from './core-errors.js';
import type { VerifiedContact } from './core-outputs.js';
import { emit, headAccepted, type ProtocolStep, settle } from './core-steps.js';
import { nameConflictEvent } from './directory-evidence.js';
import { verifyLookupEntry } from './directory-view.js';
import type { ContactInfo } from './events.js';
import type { Phonebook } from './phonebook.js';
import type { LookupPurpose, PendingOf } from './relay-requests.js';

/** Where the lookups made for a call report back. */
export type CallLookups = Pick<CallMachine, 'calleeVerified' | 'callerVerified' | 'lookupFailed'>;

/** What a lookup's answer leads to: the core's steps, and the call machine's actions for a call's key. */
export type LookupStep = ProtocolStep | CallAction;

export interface KeyLookupsOptions {
  readonly crypto: LeitungCrypto;
  /**
   * This client's key, id and name: its rotation is signed with the key (a key-operation step) and comes
   * back as its successor.
   */
  readonly identity: RsaPublicKey;
  readonly clientId: Uint8Array;
  readonly name: string;
  /** The pinned keys (read here; ContactPins writes them). */
  readonly store: ClientStore;
  readonly phonebook: Phonebook;
  readonly pins: ContactPins;
  readonly calls: CallLookups;
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
  /** Names with a refresh lookup in flight (one per name). */
  readonly #refreshing = new Set<string>();

  constructor(options: KeyLookupsOptions) {
    this.#options = options;
  }

  /**
   * Sends ROTATE_KEY for `nextKey`, signed with the current key and `nextKey` (docs/key-transparency.md,
   * "Key rotation"); the answer is looked up like any entry and settles `handle`.
   */
  rotate(c: ReadyConnection, nextKey: RsaPrivateKey, handle: number): ProtocolStep[] {
    const { crypto, identity, name } = this.#options;
    const draft = beginKeyRotation(crypto, {
      logId: c.directory.head.logId,
      name,
      previousKey: identity,
      nextKey,
    });
    return [
      {
        kind: 'key-operation',
        operation: draft.operation,
        resume: (signature) => {
          let signed: ReturnType<typeof draft.finish>;
          try {
            signed = draft.finish(signature);
          } catch (error) {
            return [settle(handle, { ok: false, error: asError(error) })];
          }
          const target: KeyLookupTarget = { by: 'clientId', clientId: clientIdOf(crypto, signed.publicKey) };
          return [
            {
              kind: 'request',
              pending: { kind: 'lookup', target, purpose: { kind: 'rotation', handle } },
              message: { type: 'ROTATE_KEY', ...signed },
            },
          ];
        },
      },
    ];
  }

  /** The relay's PUBLIC_KEY for `pending`: its head (with a consistency proof if needed), then the entry. */
  onPublicKey(
    c: ReadyConnection,
    pending: PendingOf<'lookup'>,
    message: ControlMessageOf<'PUBLIC_KEY'>,
    now: number,
  ): LookupStep[] {
    const { target, purpose } = pending;
    const steps: LookupStep[] = [];
    try {
      const relation = c.directory.relation(message.treeHead);
      if (relation === 'same') {
        c.directory.advance(message.treeHead, []);
        return this.#finish(c, message, target, purpose, now, steps);
      }
      // The head differs from the last accepted one: prove it is the same history (docs/design.md §4).
      c.directory.checkSignature(message.treeHead);
      steps.push({
        kind: 'request',
        pending: { kind: 'consistency', answer: message, target, purpose, direction: relation },
        message: { type: 'GET_CONSISTENCY', ...c.directory.consistencyRange(message.treeHead, relation) },
      });
    } catch (error) {
      steps.push(...this.failed(purpose, asError(error), now));
    }
    return steps;
  }

  /** The consistency proof a looked-up head needed: accept or check the head, then the entry. */
  onConsistency(
    c: ReadyConnection,
    pending: PendingOf<'consistency'>,
    message: ControlMessageOf<'CONSISTENCY'>,
    now: number,
  ): LookupStep[] {
    const { answer, target, purpose } = pending;
    const steps: LookupStep[] = [];
    try {
      const change = c.directory.reconcile(answer.treeHead, pending.direction, message);
      if (change !== undefined) steps.push(...headAccepted(c.directory, change));
      return this.#finish(c, answer, target, purpose, now, steps);
    } catch (error) {
      steps.push(...this.failed(purpose, asError(error), now));
    }
    return steps;
  }

  /** A lookup that failed (a check, a timeout, an ERROR, the connection): tell whoever asked. */
  failed(purpose: LookupPurpose, error: Error, now: number): LookupStep[] {
    switch (purpose.kind) {
      case 'user':
      case 'rotation':
        return [settle(purpose.handle, { ok: false, error })];
      case 'refresh':
        // The line stays unverified (calls look the key up again); a failed check was reported already.
        this.#refreshing.delete(purpose.name);
        return [];
      case 'call':
      case 'incoming':
        return this.#options.calls.lookupFailed(purpose.kind, purpose.callId, error, now);
    }
  }

  /**
   * Phonebook lines that name a pinned contact with another key and are not flagged yet: one verifying
   * lookup each decides between a signed rotation (re-pinned with a notice) and a key change (alarm).
   */
  refreshChangedPins(changed: readonly ContactInfo[]): ProtocolStep[] {
    const steps: ProtocolStep[] = [];
    for (const contact of changed) {
      if (contact.verification !== 'unverified' || this.#refreshing.has(contact.name)) continue;
      const pin = this.#options.store.contact(contact.name);
      if (pin === undefined || pin.clientId === contact.clientId) continue;
      this.#refreshing.add(contact.name);
      steps.push({
        kind: 'request',
        pending: {
          kind: 'lookup',
          target: { by: 'name', name: contact.name },
          purpose: { kind: 'refresh', name: contact.name },
        },
      });
    }
    return steps;
  }

  /**
   * The head of `answer` is accepted; check the entry and its proof, then the pin. Steps go into `steps`
   * as they happen (a name conflict is reported even when the check then throws), which is returned.
   */
  #finish(
    c: ReadyConnection,
    answer: ControlMessageOf<'PUBLIC_KEY'>,
    target: KeyLookupTarget,
    purpose: LookupPurpose,
    now: number,
    steps: LookupStep[],
  ): LookupStep[] {
    const key = this.#verifiedKey(c, answer, target, steps);
    if (purpose.kind === 'rotation') {
      steps.push(this.#finishRotation(answer, purpose.handle));
      return steps;
    }
    const contact = this.#pin(answer, now, steps);
    steps.push(emit({ type: 'contact:verified', contact, treeSize: answer.treeHead.size }));
    const verified: VerifiedContact = {
      ...contact,
      publicKey: answer.entry.publicKey,
      keyChanged: contact.verification === 'key-changed',
    };
    const { calls, phonebook } = this.#options;
    switch (purpose.kind) {
      case 'user':
        steps.push(settle(purpose.handle, { ok: true, value: verified }));
        break;
      case 'call': {
        // The head gossiped in the offer is the one accepted now (docs/key-transparency.md "Gossip in calls").
        const gossipHead = encodeSignedTreeHead(c.directory.head);
        steps.push(...calls.calleeVerified(purpose.callId, verified, key, gossipHead, now));
        break;
      }
      case 'incoming':
        steps.push(...calls.callerVerified(purpose.callId, verified, key, now));
        break;
      case 'refresh':
        this.#refreshing.delete(purpose.name);
        steps.push(emit({ type: 'phonebook:update', contacts: phonebook.contacts(), changed: [contact] }));
        break;
    }
    return steps;
  }

  /** The entry's key once entry, inclusion and name-map proofs check out; a name conflict is reported too. */
  #verifiedKey(
    c: ReadyConnection,
    answer: ControlMessageOf<'PUBLIC_KEY'>,
    target: KeyLookupTarget,
    steps: LookupStep[],
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
      if (conflict !== undefined) steps.push(emit(conflict));
      throw error;
    }
  }

  /** The relay appended this client's rotation: the verified entry must be exactly it. */
  #finishRotation(answer: ControlMessageOf<'PUBLIC_KEY'>, handle: number): ProtocolStep {
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
    return settle(handle, {
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
  #pin(answer: ControlMessageOf<'PUBLIC_KEY'>, now: number, steps: LookupStep[]): ContactInfo {
    const { entry } = answer;
    const rotatesPin = this.#rotatesPin(entry, answer.treeHead.logId);
    const outcome = this.#options.pins.verified(
      entry.name,
      toHex(entry.clientId),
      entry.publicKey,
      now,
      rotatesPin,
    );
    if (outcome.stored) steps.push({ kind: 'persist' });
    if (outcome.alarm) steps.push(emit(outcome.alarm));
    if (outcome.notice) steps.push(emit(outcome.notice));
    return outcome.contact;
  }

  /** `entry` is a rotation of the key pinned for its name, signed by that key (docs/key-transparency.md). */
  #rotatesPin(entry: DirectoryEntry, logId: Uint8Array): boolean {
    const pin = this.#options.store.contact(entry.name);
    if (pin === undefined || entry.rotation === undefined) return false;
    try {
      checkKeyRotation(this.#options.crypto, logId, entry, {
        name: pin.name,
        clientId: hexBytes(pin.clientId),
        publicKey: pin.publicKey,
      });
      return true;
    } catch (error) {
      if (error instanceof SessionError) return false;
      throw error;
    }
  }
}
