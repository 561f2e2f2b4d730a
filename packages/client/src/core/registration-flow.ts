/**
 * The client's side of registration (docs/session-protocol.md §1, docs/design.md §3): REGISTER — or
 * REGISTER_SEALED to a relay whose key a verified CHALLENGE showed earlier in this run — then CHALLENGE →
 * PROVE → WELCOME. @leitung/session's ClientHandshake does the checks (relay key pin, CHALLENGE head
 * signed and consistent with the stored head, WELCOME own entry, inclusion and consistency: docs/client.md
 * "What is checked when"); this module keeps what outlives one handshake — the relay keys, and the
 * accepted head of each log in the store — and turns a failure into its reports (a split view, a name
 * conflict: directory-evidence.ts). Sans-I/O: it returns the next step, and the ConnectionMachine sends,
 * switches the connection and emits.
 */
import type { LeitungCrypto, RsaPublicKey } from '@leitung/crypto';
import {
  ClientHandshake,
  type ClientHandshakeResult,
  type IdentityOperation,
  type IdentityOperationResult,
  SessionError,
} from '@leitung/session';
import { decodeMessage, type SignedTreeHead } from '@leitung/wire';
import { hexBytes } from '../bytes.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import { logIdOfEntry, type RelayEntry } from '../relays/relay-entry.js';
import type { ClientStore } from './client-store.js';
import type { HandshakingConnection } from './connection-state.js';
import { nameConflictEvent, splitViewEvent } from './directory-evidence.js';
import { DirectoryView, type HeadChange } from './directory-view.js';
import type { CoreEvent } from './events.js';

export interface RegistrationFlowOptions {
  readonly crypto: LeitungCrypto;
  /** This client's identity key; its private half answers the challenge through a key-operation step. */
  readonly identity: RsaPublicKey;
  /** The name to register (NFC-normalised). */
  readonly name: string;
  /** Where the last accepted head of each log is kept. */
  readonly store: ClientStore;
}

/** What the core does with a handshake frame that checked out. */
export type HandshakeStep =
  /** The CHALLENGE verified: the identity key must open the sealed challenge, then `proved` gives PROVE. */
  | { readonly kind: 'key-operation'; readonly operation: IdentityOperation }
  /** The WELCOME verified: the connection is ready with this channel and directory view (store changed). */
  | {
      readonly kind: 'registered';
      readonly result: ClientHandshakeResult;
      readonly directory: DirectoryView;
      readonly change: HeadChange;
    };

export class RegistrationFlow {
  readonly #options: RegistrationFlowOptions;
  /**
   * Relay keys (SPKI DER) by pinned fingerprint, from verified CHALLENGEs: the next registration with that
   * relay sends REGISTER_SEALED (docs/session-protocol.md §1). In memory only for this run.
   */
  readonly #relayKeys = new Map<string, Uint8Array>();

  constructor(options: RegistrationFlowOptions) {
    this.#options = options;
  }

  /** The handshake for a connection to `relay`: pinned to its fingerprint and its log's stored head. */
  handshake(relay: RelayEntry): ClientHandshake {
    const { crypto, identity, name, store } = this.#options;
    return new ClientHandshake({
      crypto,
      publicKey: identity,
      name,
      pinnedRelayFingerprint: relay.fingerprint,
      relayPublicKey: this.#relayKeys.get(relay.fingerprint.toLowerCase()),
      lastTreeHead: store.treeHead(logIdOfEntry(relay)),
      ...(relay.logId === undefined ? {} : { expectedLogId: hexBytes(relay.logId) }),
    });
  }

  /** Checks the next handshake frame (CHALLENGE, then WELCOME); throws what the check refused. */
  onFrame(c: HandshakingConnection, payload: Uint8Array): HandshakeStep {
    if (c.step === 'challenge') {
      const operation = c.handshake.beginChallenge(payload);
      c.step = 'proving';
      return { kind: 'key-operation', operation };
    }
    if (c.step === 'proving') {
      // Nothing may come before our PROVE: a relay that sends anything is not following the protocol.
      throw new ClientError(ClientErrorCode.Protocol, 'relay sent a frame before PROVE');
    }
    const result = c.handshake.onWelcome(payload);
    const { crypto, store } = this.#options;
    this.#relayKeys.set(c.relay.fingerprint.toLowerCase(), result.relayPublicKey.toDer());
    const logId = logIdOfEntry(c.relay);
    const previous = store.treeHead(logId);
    const change = !previous ? 'first' : previous.size === result.treeHead.size ? 'unchanged' : 'grown';
    store.setTreeHead(logId, result.treeHead);
    const directory = new DirectoryView(crypto, result.relayPublicKey, store, result.treeHead, logId);
    return { kind: 'registered', result, directory, change };
  }

  /** The identity key opened the challenge (or failed to): the PROVE payload; throws what was refused. */
  proved(c: HandshakingConnection, result: IdentityOperationResult): Uint8Array {
    const prove = c.handshake.finishChallenge(result);
    c.step = 'welcome';
    return prove;
  }

  /**
   * The reports of a failed registration: the evidence the failure is (a split view, a name conflict), then
   * `registration:failed`.
   */
  failureEvents(c: HandshakingConnection, payload: Uint8Array, error: Error): CoreEvent[] {
    const evidence = c.step === 'challenge' ? this.#splitView(c.relay, payload, error) : undefined;
    const events: CoreEvent[] = [];
    const conflict = nameConflictEvent(error, c.relay);
    if (evidence !== undefined) events.push(evidence);
    if (conflict !== undefined) events.push(conflict);
    events.push({
      type: 'registration:failed',
      relay: c.relay,
      code: errorCodeOf(error) ?? 'UNKNOWN',
      error,
    });
    return events;
  }

  /**
   * A CHALLENGE head that contradicts the head accepted for this log (same size, other root; or a
   * consistency proof that fails) is a split view: reported with both heads (docs/design.md §4). A head
   * that is merely older (a relay that lags) is not.
   */
  #splitView(relay: RelayEntry, payload: Uint8Array, error: Error): CoreEvent | undefined {
    if (!(error instanceof SessionError) || error.code !== 'SESSION_ERR_TREE_INCONSISTENT') return undefined;
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if (cause === 'MERKLE_ERR_SIZE_DECREASED' || cause === 'MERKLE_ERR_LOG_ID_MISMATCH') return undefined;
    const logId = logIdOfEntry(relay);
    const accepted = this.#options.store.treeHead(logId);
    const shown = challengeHead(payload);
    if (accepted === undefined || shown === undefined) return undefined;
    return splitViewEvent(relay, logId, accepted, shown, cause ?? error.code);
  }
}

/** The head a CHALLENGE frame shows, if the frame decodes as one. */
function challengeHead(payload: Uint8Array): SignedTreeHead | undefined {
  try {
    const message = decodeMessage(payload);
    return message.type === 'CHALLENGE' ? message.treeHead : undefined;
  } catch {
    return undefined;
  }
}
