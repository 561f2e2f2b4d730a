/**
 * The call state machine of the client core (docs/design.md §5; docs/client.md "State machines"), over
 * @leitung/session's call offers: one call at a time, call waiting answered "busy", ring timeout,
 * CALL_RESUME after a lost connection, and every path to `ended` erasing the call's secrets. It makes the
 * control decisions about the call's media lane (open on the first grant, retarget on a later one, close
 * at the end) but never sees a media packet: the shell's MediaChannel carries them (docs/architecture.md
 * "Media lane"). The ClientCore owns the connection and the key lookups: it feeds verified keys and the
 * relay's call messages in, and every input returns the {@link CallAction}s that follow from it
 * (call-actions.ts), in order, for the core to carry out (docs/architecture.md "Cores and shells").
 */
import type { MlKemKeyPair, RsaPublicKey } from '@leitung/crypto';
import {
  acceptOffer,
  CALL_KEY_EXCHANGE,
  CallIdReplayGuard,
  type CallOffer,
  type CallOfferDraft,
  completeCall,
  type IdentityOperationResult,
  nameProblem,
} from '@leitung/session';
import type { CallEndReason, ControlMessageOf, MediaGrant } from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { CallAction, CallLookupPurpose, SeenCallIds } from './call-actions.js';
import { laneForGrant, laneReported, type MediaLaneReport } from './call-lane.js';
import { type CallParty, draftOffer, offerOpening, openOffer } from './call-offers.js';
import { type CallSnapshot, callSnapshotOf, shownAs } from './call-snapshot.js';
import {
  activeCall,
  type CallState,
  callIdOf,
  endedCall,
  endedFrom,
  eraseUnwrapped,
  isBusy,
  releaseCall,
} from './call-state.js';
import { callFailure, keyChanged, specificCode } from './core-errors.js';
import type { VerifiedContact } from './core-outputs.js';
import { emit, seal, settle } from './core-steps.js';
import {
  dropEarlyOffer,
  type EarlyOffer,
  earlyOfferConfirmed,
  LOOKUP_AHEAD_MS,
  PREPARED_OFFER_TTL_MS,
  type PreparedOffer,
  preparedFor,
  sealEarlyOffer,
} from './early-offer.js';
import type { Peer } from './events.js';

export type { MediaLaneReport } from './call-lane.js';

/** What the call machine reads and never changes: this client's keys and id, its codecs, its timeouts. */
export interface CallMachineOptions extends CallParty {
  readonly clientIdHex: string;
  readonly ringTimeoutMs: number;
  readonly resumeTimeoutMs: number;
  /** Call ids seen before this process started (the store's); later changes go out as `seen-call-ids`. */
  readonly seenCallIds: SeenCallIds;
}

export class CallMachine {
  readonly #options: CallMachineOptions;
  /**
   * Call ids seen in offers (docs/design.md §5 step 3): kept across connections and relays, and across
   * restarts through the store (docs/session-protocol.md "Call offers").
   */
  readonly #replayGuard: CallIdReplayGuard;
  #state: CallState = { kind: 'idle' };
  /** What the user sees of the call (docs/client.md "Call state"), derived from `#state` only. */
  #snapshot: CallSnapshot | undefined;
  #mediaRelay: string | undefined;
  /** The next offer's ML-KEM-768 key pair, made while nothing waited (prepareOfferKem); taken by one draft. */
  #nextKem: MlKemKeyPair | undefined;
  /** An offer drafted before the dial (`prepare`), kept for one call until it lapses. */
  #prepared: PreparedOffer | undefined;
  /** Set by `close`: no key pair is made ahead any more. */
  #closed = false;

  constructor(options: CallMachineOptions) {
    this.#options = options;
    this.#replayGuard = new CallIdReplayGuard({ seen: options.seenCallIds });
  }

  /** Fingerprint (hex) of the relay hosting the call's media, when a grant named one (relay cluster). */
  get mediaRelay(): string | undefined {
    return this.#state.kind === 'active' ? this.#mediaRelay : undefined;
  }

  get state(): CallState {
    return this.#state;
  }

  /** The current (or last) call as the user sees it; undefined before the first call. */
  get snapshot(): CallSnapshot | undefined {
    return this.#snapshot;
  }

  /** Hex id of the current call, if one is up. */
  get callId(): string | undefined {
    const id = callIdOf(this.#state);
    return id && isBusy(this.#state) ? toHex(id) : undefined;
  }

  get busy(): boolean {
    return isBusy(this.#state);
  }

  /** When `tick` is due (ring or resume deadline, or a prepared offer lapsing), if ever. */
  nextTimeout(): number | undefined {
    const call = this.#state;
    const due =
      call.kind === 'outgoing-ringing' || call.kind === 'incoming-ringing'
        ? call.deadline
        : call.kind === 'active'
          ? call.resumeDeadline
          : undefined;
    const lapse = this.#prepared?.expiresAt;
    if (lapse === undefined) return due;
    return due === undefined ? lapse : Math.min(due, lapse);
  }

  /**
   * Makes the next offer's ML-KEM-768 key pair (most of what drafting an offer costs) behind the outputs
   * decided so far — after registration and after each call — so that the draft generates none (docs/
   * client.md "Offers drafted ahead").
   */
  prepareOfferKem(): CallAction[] {
    if (this.#nextKem !== undefined || this.#closed) return [];
    return [
      {
        kind: 'background',
        run: () => {
          if (!this.#closed) this.#nextKem ??= this.#options.crypto.generateMlKemKeyPair();
          return [];
        },
      },
    ];
  }

  /** Erases the key pair and any offer made ahead, and makes none from now on (the client closes). */
  close(): void {
    this.#closed = true;
    this.#nextKem?.privateKey.destroy();
    this.#nextKem = undefined;
    this.dropPrepared();
  }

  /**
   * Drafts an offer before the dial for the pinned key `publicKey` (SPKI DER) with the accepted head
   * `gossipHead`: the application expects a call to that contact (docs/client.md "Offers drafted ahead").
   * Its signature is a background key operation. A call placed to that key within
   * {@link PREPARED_OFFER_TTL_MS} takes it, and the lookup decides as for an offer drafted at the dial;
   * otherwise it is erased unsent. One at a time: preparing another erases the one before; the same key
   * and head again keeps it. Nothing while a call is up.
   */
  prepare(publicKey: Uint8Array, gossipHead: Uint8Array, now: number): CallAction[] {
    if (this.#closed || isBusy(this.#state)) return [];
    const held = this.#prepared;
    if (held !== undefined && preparedFor(held, publicKey, gossipHead, now)) return [];
    this.dropPrepared();
    const callId = this.#options.crypto.randomBytes(16);
    const { early, signing } = this.#draftEarly(callId, publicKey, gossipHead, now);
    this.#prepared = { callId, expiresAt: now + PREPARED_OFFER_TTL_MS, early, lookup: { kind: 'none' } };
    // A call to someone else meanwhile drafts with a key pair made ahead too.
    return [signing, ...this.prepareOfferKem()];
  }

  /**
   * The offer prepared for `publicKey` and `gossipHead`, for the call being placed to that key (its call id
   * and its early offer, signed or still signing); undefined when none matches. Any other is erased.
   */
  takePrepared(publicKey: Uint8Array, gossipHead: Uint8Array, now: number): PreparedOffer | undefined {
    const held = this.#prepared;
    if (held === undefined) return undefined;
    this.#prepared = undefined;
    if (preparedFor(held, publicKey, gossipHead, now)) return held;
    dropEarlyOffer(held.early);
    return undefined;
  }

  /**
   * The call id under which to look the prepared offer's callee up now (`prepareCall` with `lookup`: the
   * call button pressed), or undefined when no offer is prepared, or a lookup for it is on the wire or was
   * answered less than {@link LOOKUP_AHEAD_MS} ago. The answer comes back as `calleeVerified` (or
   * `lookupFailed`) under that call id, before or after the dial.
   */
  lookupAhead(now: number): Uint8Array | undefined {
    const held = this.#prepared;
    if (held === undefined) return undefined;
    const lookup = held.lookup;
    if (lookup.kind === 'pending' || (lookup.kind === 'verified' && now - lookup.at < LOOKUP_AHEAD_MS)) {
      return undefined;
    }
    held.lookup = { kind: 'pending' };
    return held.callId;
  }

  /** Erases the offer prepared before the dial, if any: it will not be sent (e.g. our key was rotated). */
  dropPrepared(): void {
    const held = this.#prepared;
    this.#prepared = undefined;
    if (held !== undefined) dropEarlyOffer(held.early);
  }

  /** The key pair made ahead, for one offer; undefined when none is ready (the draft makes its own). */
  #takeKem(): MlKemKeyPair | undefined {
    const kem = this.#nextKem;
    this.#nextKem = undefined;
    return kem;
  }

  /**
   * An outgoing call begins: the callee's key is being looked up (`calleeVerified` continues). `early` is
   * the offer prepared for it (`takePrepared`), whose call id is `callId`; any other prepared offer is erased.
   */
  begin(
    handle: number,
    callId: Uint8Array,
    targetLabel: string,
    now: number,
    early?: EarlyOffer,
  ): CallAction[] {
    this.dropPrepared();
    return this.#set({ kind: 'outgoing-resolving', callId, handle, targetLabel, early }, now);
  }

  /** A key lookup for this call failed. */
  lookupFailed(purpose: CallLookupPurpose, callId: Uint8Array, error: Error, now: number): CallAction[] {
    const held = this.#prepared;
    if (purpose === 'call' && held !== undefined && bytesEqual(held.callId, callId)) {
      // Looked up before the dial, and failed: the dial looks the key up itself (and reports what fails).
      held.lookup = { kind: 'none' };
      return [];
    }
    const call = this.#state;
    if (purpose === 'call' && call.kind === 'outgoing-resolving' && bytesEqual(call.callId, callId)) {
      return this.#unresolved(call, call.targetLabel, specificCode(error), error, now);
    }
    if (purpose === 'incoming' && call.kind === 'incoming-verifying' && bytesEqual(call.callId, callId)) {
      return this.#refuseIncoming(call.callId, call.callerId, error, now);
    }
    return [];
  }

  /**
   * The relay answered with a non-fatal ERROR that names no request. While ringing out, that is the relay
   * refusing our CALL_REQUEST (e.g. RELAY_ERR_RATE_LIMITED; ERROR has no call id): the call ends at once
   * with that error instead of ringing into the timeout. In any other state it is only informational.
   */
  relayRefused(error: ClientError, now: number): CallAction[] {
    if (this.#state.kind !== 'outgoing-ringing') return [];
    return this.end('error', 'local', now, {
      notify: false,
      ...(error.relayCode === undefined ? {} : { code: error.relayCode }),
      error,
    });
  }

  /** The control connection is gone: a live call waits for CALL_RESUME, anything else ends. */
  connectionLost(now: number): CallAction[] {
    const call = this.#state;
    switch (call.kind) {
      case 'active':
        if (call.resumeDeadline === undefined) call.resumeDeadline = now + this.#options.resumeTimeoutMs;
        call.resumeSent = false;
        return this.#publish(now);
      case 'outgoing-ringing':
      case 'incoming-ringing':
      case 'outgoing-resolving':
      case 'incoming-verifying':
        return this.end('error', 'local', now, { notify: false, code: ClientErrorCode.ConnectionClosed });
      case 'idle':
      case 'ended':
        return [];
    }
  }

  /** Accepts the ringing incoming call. */
  answer(now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'incoming-ringing')
      throw new ClientError(ClientErrorCode.InvalidState, 'no call is ringing');
    const { ephemeral, kem, confirm, keys } = acceptOffer(this.#options.crypto, call.offer);
    return [
      seal({ type: 'CALL_RESPONSE', callId: call.callId, decision: 'accept', ephemeral, kem, confirm }),
      ...this.#set(activeCall(call, 'callee', keys, now), now),
      emit({
        type: 'call:accepted',
        callId: toHex(call.callId),
        peer: call.peer,
        role: 'callee',
        keyExchange: CALL_KEY_EXCHANGE,
      }),
    ];
  }

  /** Rejects the ringing incoming call. */
  reject(now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'incoming-ringing')
      throw new ClientError(ClientErrorCode.InvalidState, 'no call is ringing');
    return [
      seal({ type: 'CALL_RESPONSE', callId: call.callId, decision: 'reject' }),
      ...this.end('rejected', 'local', now, { notify: false }),
    ];
  }

  /** Ends the current call in whatever state it is (ringing either way, or active). */
  hangUp(now: number): CallAction[] {
    const call = this.#state;
    switch (call.kind) {
      case 'idle':
      case 'ended':
        throw new ClientError(ClientErrorCode.InvalidState, 'no call to hang up');
      case 'incoming-ringing':
        return this.reject(now);
      case 'incoming-verifying':
      case 'outgoing-resolving':
      case 'outgoing-ringing':
      case 'active':
        return this.end('hangup', 'local', now, { notify: call.kind !== 'outgoing-resolving' });
    }
  }

  // ─── call setup and signalling ──────────────────────────────────────────────────────────────────────

  /**
   * Drafts the offer of the call just begun for the callee's pinned key (SPKI DER `publicKey`) with the
   * accepted head `gossipHead`, while the lookup is out (early-offer.ts; docs/client.md "Offers drafted
   * ahead"). Its signature is a background key operation: the core runs it after the lookup is sent.
   */
  draftAhead(callId: Uint8Array, publicKey: Uint8Array, gossipHead: Uint8Array, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'outgoing-resolving' || !bytesEqual(call.callId, callId) || call.early) return [];
    const { early, signing } = this.#draftEarly(callId, publicKey, gossipHead, now);
    call.early = early;
    return [signing];
  }

  /** Drafts an early offer for `publicKey` and the background key operation that signs it. */
  #draftEarly(
    callId: Uint8Array,
    publicKey: Uint8Array,
    gossipHead: Uint8Array,
    now: number,
  ): { readonly early: EarlyOffer; readonly signing: CallAction } {
    const key = this.#options.crypto.importRsaPublicKey(publicKey);
    const { calleeId, draft } = draftOffer(
      this.#options,
      callId,
      { publicKey, key },
      gossipHead,
      now,
      this.#takeKem(),
    );
    const early: EarlyOffer = {
      calleePublicKey: publicKey,
      calleeKey: key,
      calleeId,
      gossipHead,
      step: { kind: 'signing', draft },
      confirmed: undefined,
    };
    return {
      early,
      signing: {
        kind: 'key-operation',
        operation: draft.operation,
        background: true,
        resume: (signature, later) => this.#earlySigned(early, draft, signature, later),
      },
    };
  }

  /**
   * The callee's key checked out: seal and send the offer — the one drafted ahead if the lookup confirmed
   * its key and head, else a new one. `gossipHead` is this side's last accepted signed tree head, encoded,
   * to gossip in the offer (docs/key-transparency.md "Gossip in calls").
   */
  calleeVerified(
    callId: Uint8Array,
    contact: VerifiedContact,
    key: RsaPublicKey,
    gossipHead: Uint8Array | undefined,
    now: number,
  ): CallAction[] {
    const held = this.#prepared;
    if (held !== undefined && bytesEqual(held.callId, callId)) {
      // Looked up before the dial: kept for a dial within LOOKUP_AHEAD_MS (`lookupTaken`) — unless it shows
      // another key or head than the offer's, which can then never be sent: erased now.
      if (gossipHead === undefined || !earlyOfferConfirmed(held.early, contact, gossipHead))
        this.dropPrepared();
      else held.lookup = { kind: 'verified', contact, key, gossipHead, at: now };
      return [];
    }
    const call = this.#state;
    if (call.kind !== 'outgoing-resolving' || !bytesEqual(call.callId, callId)) return [];
    const early = call.early;
    if (early !== undefined) {
      if (gossipHead !== undefined && earlyOfferConfirmed(early, contact, gossipHead)) {
        if (early.step.kind === 'signing') {
          early.confirmed = contact;
          return [];
        }
        call.early = undefined;
        return this.#sendOffer(call, contact, early.calleeId, early.step.offer, now);
      }
      // Another key or another head than the draft's: it is erased unsent and the lookup's path drafts anew.
      dropEarlyOffer(early);
      call.early = undefined;
    }
    if (contact.keyChanged) {
      const error = keyChanged(contact.name);
      return this.#unresolved(call, contact.name, error.code, error, now);
    }
    const { calleeId, draft } = draftOffer(
      this.#options,
      callId,
      { publicKey: contact.publicKey, key },
      gossipHead,
      now,
      this.#takeKem(),
    );
    return [
      {
        kind: 'key-operation',
        operation: draft.operation,
        resume: (signature, later) => this.#offerSigned(call, contact, calleeId, draft, signature, later),
      },
    ];
  }

  /**
   * Our identity key signed an offer drafted ahead (or failed to): seal it, and send it if the lookup
   * confirmed it meanwhile. An offer prepared before the dial and not yet taken is kept sealed (or dropped
   * when the signature failed). A failed signature drops it; the lookup's path then asks the key again. If
   * the call ended, the lookup showed another key or the prepared offer was erased meanwhile, the draft was
   * dropped and nothing happens.
   */
  #earlySigned(
    early: EarlyOffer,
    draft: CallOfferDraft,
    signature: IdentityOperationResult,
    now: number,
  ): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'outgoing-resolving' || call.early !== early) {
      if (this.#prepared?.early === early) {
        const offer = sealEarlyOffer(draft, signature);
        if (offer === undefined) this.#prepared = undefined;
        else early.step = { kind: 'sealed', offer };
      } else {
        draft.destroy();
      }
      return [];
    }
    const offer = sealEarlyOffer(draft, signature);
    const confirmed = early.confirmed;
    if (offer === undefined) {
      call.early = undefined;
      if (confirmed === undefined) return [];
      return this.calleeVerified(call.callId, confirmed, early.calleeKey, early.gossipHead, now);
    }
    if (confirmed === undefined) {
      early.step = { kind: 'sealed', offer };
      return [];
    }
    call.early = undefined;
    return this.#sendOffer(call, confirmed, early.calleeId, offer, now);
  }

  /**
   * Our identity key signed the offer of `call` (or failed to): seal and send it and ring — unless the call
   * ended meanwhile (hung up while signing), when the draft's secrets are erased and nothing is sent.
   */
  #offerSigned(
    call: Extract<CallState, { kind: 'outgoing-resolving' }>,
    contact: VerifiedContact,
    calleeId: Uint8Array,
    draft: CallOfferDraft,
    signature: IdentityOperationResult,
    now: number,
  ): CallAction[] {
    if (this.#state !== call) {
      draft.destroy();
      return [];
    }
    let offer: CallOffer;
    try {
      offer = draft.finish(signature);
    } catch (error) {
      const err = error as Error;
      return this.#unresolved(call, contact.name, errorCodeOf(err), err, now);
    }
    return this.#sendOffer(call, contact, calleeId, offer, now);
  }

  /** Sends the sealed offer of `call` and rings. */
  #sendOffer(
    call: Extract<CallState, { kind: 'outgoing-resolving' }>,
    contact: VerifiedContact,
    calleeId: Uint8Array,
    offer: CallOffer,
    now: number,
  ): CallAction[] {
    const { callId } = call;
    const peer: Peer = { clientId: contact.clientId, name: contact.name };
    return [
      seal({ type: 'CALL_REQUEST', callId, callee: calleeId, sealedCallData: offer.sealedCallData }),
      ...this.#set(
        {
          kind: 'outgoing-ringing',
          callId,
          handle: call.handle,
          peer,
          peerId: calleeId,
          safetyNumber: this.#safetyNumber(contact.clientId),
          pending: offer.pending,
          deadline: now + this.#options.ringTimeoutMs,
          grant: undefined,
        },
        now,
      ),
      emit({ type: 'call:outgoing', callId: toHex(callId), peer }),
    ];
  }

  incoming(message: ControlMessageOf<'INCOMING_CALL'>, now: number): CallAction[] {
    if (isBusy(this.#state)) {
      // One call at a time; call waiting is answered "busy" (docs/design.md §5). No secret is opened; the
      // app hears of it (`call:waiting`) with the caller the relay states, to tell the user who tried.
      return [
        seal({ type: 'CALL_RESPONSE', callId: message.callId, decision: 'busy' }),
        emit({
          type: 'call:waiting',
          callId: toHex(message.callId),
          callerId: toHex(message.caller),
          callerName: nameProblem(message.callerName) === undefined ? message.callerName : undefined,
        }),
      ];
    }
    const call: Extract<CallState, { kind: 'incoming-verifying' }> = {
      kind: 'incoming-verifying',
      callId: message.callId,
      callerId: message.caller,
      callerName: message.callerName,
      sealedCallData: message.sealedCallData,
    };
    const operation = offerOpening(this.#options, call);
    const callId = message.callId;
    return [
      ...this.#set(operation === undefined ? { ...call, opened: { unwrapped: undefined } } : call, now),
      // The caller is who the relay authenticated (docs/lessons.md #7); its key must be proven like any other.
      {
        kind: 'lookup',
        target: { by: 'clientId', clientId: message.caller },
        purpose: 'incoming',
        callId,
      },
      // The identity key decrypts the offer's wrapped secret while the lookup is out: a key held elsewhere
      // (a page's WebCrypto) answers during that round trip instead of after it, and a key in the core
      // works once the lookup has been handed to the shell (`background`), not before it is sent. Nothing
      // of the offer is read, and nothing rings, before the caller's key is verified (#offerOpened).
      ...(operation === undefined
        ? []
        : [
            {
              kind: 'key-operation' as const,
              operation,
              background: true,
              resume: (unwrapped: IdentityOperationResult, later: number) =>
                this.#offerUnwrapped(callId, unwrapped, later),
            },
          ]),
    ];
  }

  callerVerified(callId: Uint8Array, caller: VerifiedContact, key: RsaPublicKey, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'incoming-verifying' || !bytesEqual(call.callId, callId)) return [];
    if (caller.keyChanged) return this.#refuseIncoming(callId, call.callerId, keyChanged(caller.name), now);
    if (call.opened !== undefined) return this.#offerOpened(call, caller, key, call.opened.unwrapped, now);
    this.#state = { ...call, verified: { caller, key } };
    return [];
  }

  /** The identity key answered: open the offer if the caller's key is verified already, else keep it for then. */
  #offerUnwrapped(callId: Uint8Array, unwrapped: IdentityOperationResult, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'incoming-verifying' || !bytesEqual(call.callId, callId)) {
      // The call ended while the key worked: the secret is not needed any more.
      if (unwrapped.ok) unwrapped.value.fill(0);
      return [];
    }
    if (call.verified !== undefined) {
      return this.#offerOpened(call, call.verified.caller, call.verified.key, unwrapped, now);
    }
    this.#state = { ...call, opened: { unwrapped } };
    return [];
  }

  /**
   * Our identity key decrypted the offer's wrapped secret (or failed to; undefined: the offer is no sealed
   * box): check the offer and ring — unless the call ended meanwhile (the caller gave up), then nothing.
   */
  #offerOpened(
    call: Extract<CallState, { kind: 'incoming-verifying' }>,
    caller: VerifiedContact,
    key: RsaPublicKey,
    unwrapped: IdentityOperationResult | undefined,
    now: number,
  ): CallAction[] {
    if (this.#state !== call) return [];
    const { callId } = call;
    const opened = openOffer(this.#options, this.#replayGuard, call, key, unwrapped, now);
    // Stored before the phone rings: an admitted id must be refused after a restart too.
    const actions: CallAction[] =
      opened.seen === undefined ? [] : [{ kind: 'seen-call-ids', entries: opened.seen }];
    if (!opened.ok) return [...actions, ...this.#refuseIncoming(callId, call.callerId, opened.error, now)];
    const { offer } = opened;
    const peer: Peer = { clientId: caller.clientId, name: caller.name };
    const safetyNumber = this.#safetyNumber(caller.clientId);
    const deadline = now + this.#options.ringTimeoutMs;
    actions.push(
      ...this.#set(
        { kind: 'incoming-ringing', callId, peer, peerId: call.callerId, safetyNumber, offer, deadline },
        now,
      ),
      emit({ type: 'call:incoming', callId: toHex(callId), peer, codecs: offer.codecs, safetyNumber }),
    );
    // Both parties should see one log: a relay that forked it is caught here (key-transparency.md).
    if (offer.treeHead !== undefined) actions.push({ kind: 'gossip', head: offer.treeHead });
    return actions;
  }

  /** The callee's key could not be used: the call ends before it rang, and `placeCall` fails. */
  #unresolved(
    call: Extract<CallState, { kind: 'outgoing-resolving' }>,
    peerName: string,
    code: string | undefined,
    error: Error,
    now: number,
  ): CallAction[] {
    return [
      ...this.#set({ ...endedCall(call.callId, 'outgoing', undefined, 'error', code), peerName }, now),
      settle(call.handle, { ok: false, error }),
    ];
  }

  /** An incoming offer failed a check: tell the user which, end the call at the relay. */
  #refuseIncoming(callId: Uint8Array, callerId: Uint8Array, error: Error, now: number): CallAction[] {
    if (this.#state.kind === 'incoming-verifying') eraseUnwrapped(this.#state);
    return [
      ...this.#set(
        { ...endedCall(callId, 'incoming', undefined, 'error', errorCodeOf(error)), shown: false },
        now,
      ),
      emit({
        type: 'call:refused',
        callId: toHex(callId),
        callerId: toHex(callerId),
        code: errorCodeOf(error) ?? 'UNKNOWN',
        error,
      }),
      seal({ type: 'CALL_END', callId, reason: 'error' }),
    ];
  }

  onCallResponse(message: ControlMessageOf<'CALL_RESPONSE'>, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'outgoing-ringing' || !bytesEqual(call.callId, message.callId)) return [];
    switch (message.decision) {
      case 'accept':
        return this.#accepted(call, message, now);
      case 'reject':
        return this.end('rejected', 'remote', now, { notify: false });
      case 'busy':
        return this.end('busy', 'remote', now, { notify: false });
    }
  }

  /** The callee accepted: confirm the keys, settle `placeCall`, open the lane if the grant came first. */
  #accepted(
    call: Extract<CallState, { kind: 'outgoing-ringing' }>,
    message: ControlMessageOf<'CALL_RESPONSE'>,
    now: number,
  ): CallAction[] {
    if (!message.ephemeral || !message.confirm) {
      return this.end('error', 'local', now, { notify: true, code: ClientErrorCode.Protocol });
    }
    let keys: ReturnType<typeof completeCall>;
    try {
      keys = completeCall(this.#options.crypto, call.pending, {
        ephemeral: message.ephemeral,
        kem: message.kem,
        confirm: message.confirm,
      });
    } catch (error) {
      return this.end('error', 'local', now, { notify: true, code: errorCodeOf(error) ?? 'UNKNOWN' });
    }
    const callId = toHex(call.callId);
    return [
      ...this.#set(activeCall(call, 'caller', keys, now), now),
      emit({
        type: 'call:accepted',
        callId,
        peer: call.peer,
        role: 'caller',
        keyExchange: CALL_KEY_EXCHANGE,
      }),
      settle(call.handle, { ok: true, value: { callId, peer: call.peer } }),
      ...(call.grant ? this.onMediaGrant(call.grant, now) : []),
    ];
  }

  onCallEnd(message: ControlMessageOf<'CALL_END'>, now: number): CallAction[] {
    const id = callIdOf(this.#state);
    if (!id || !isBusy(this.#state) || !bytesEqual(id, message.callId)) return [];
    return this.end(message.reason, 'remote', now, { notify: false });
  }

  onMediaGrant(grant: MediaGrant, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind === 'outgoing-ringing' && bytesEqual(call.callId, grant.callId)) {
      call.grant = grant;
      return [];
    }
    if (call.kind !== 'active' || !bytesEqual(call.callId, grant.callId)) return [];
    const lane = laneForGrant(call, grant);
    this.#mediaRelay = grant.mediaRelay === undefined ? undefined : toHex(grant.mediaRelay);
    return [lane, ...this.#publish(now)];
  }

  /** What the call's media lane reports (docs/client.md "Call state"): bound, failed, audio flow. */
  mediaLane(callId: string, report: MediaLaneReport, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'active' || toHex(call.callId) !== callId) return [];
    return [...laneReported(call, callId, report), ...this.#publish(now)];
  }

  /**
   * After (re-)registration with a live call: ask this relay to carry it (CALL_RESUME, docs/design.md §6).
   * `lastSentSequence` is the highest DATA sequence the call's media lane sent, if it reported one.
   */
  resume(lastSentSequence: number | undefined, now: number): CallAction[] {
    const call = this.#state;
    if (call.kind !== 'active' || call.resumeDeadline === undefined) return [];
    call.resumeDeadline = undefined;
    call.resumeSent = true;
    const lastSequence = call.laneOpen ? lastSentSequence : undefined;
    return [
      ...this.#publish(now),
      seal({
        type: 'CALL_RESUME',
        callId: call.callId,
        peer: call.peerId,
        ...(lastSequence === undefined ? {} : { lastSequence }),
      }),
    ];
  }

  tick(now: number): CallAction[] {
    const held = this.#prepared;
    if (held === undefined || now < held.expiresAt) return this.#tickCall(now);
    // Not dialled in time: the prepared offer is erased unsent, and the next offer gets a new key pair.
    this.dropPrepared();
    return [...this.prepareOfferKem(), ...this.#tickCall(now)];
  }

  #tickCall(now: number): CallAction[] {
    const call = this.#state;
    switch (call.kind) {
      case 'outgoing-ringing':
      case 'incoming-ringing':
        return now >= call.deadline ? this.end('timeout', 'local', now, { notify: true }) : [];
      case 'active':
        if (call.resumeDeadline !== undefined && now >= call.resumeDeadline) {
          // No relay took the call over in time (docs/design.md §6): say so, not just "closed".
          return this.end('error', 'local', now, { notify: false, code: ClientErrorCode.CallLost });
        }
        return [];
      case 'idle':
      case 'ended':
      case 'outgoing-resolving':
      case 'incoming-verifying':
        return [];
    }
  }

  /**
   * Ends the current call on every path, erasing its secrets: the pending offer (secret + ephemeral key),
   * the opened offer (secret) and the media keys (forward secrecy, docs/design.md §5 step 4). The media
   * lane is told to close, which erases its ciphers, the keys and the grant token as well; the keys are
   * erased here too, for a call whose lane never opened. With `notify`, CALL_END goes to the relay (the
   * core drops it when not registered).
   */
  end(
    reason: CallEndReason,
    by: 'local' | 'remote',
    now: number,
    options: { notify: boolean; code?: string; error?: Error },
  ): CallAction[] {
    const call = this.#state;
    if (call.kind === 'idle' || call.kind === 'ended') return [];
    const actions = releaseCall(call);
    // The next call's ML-KEM key pair is made once this call's outputs are out.
    actions.push(...this.prepareOfferKem());
    const ended = endedFrom(call, reason, by, options.code);
    const peer = ended.peer;
    actions.push(...this.#set(ended, now));
    if (options.notify) actions.push(seal({ type: 'CALL_END', callId: call.callId, reason }));
    if (call.kind === 'outgoing-resolving' || call.kind === 'outgoing-ringing') {
      actions.push(
        settle(call.handle, { ok: false, error: options.error ?? callFailure(reason, by, options.code) }),
      );
    }
    if (call.kind === 'incoming-verifying') return actions;
    actions.push(
      emit({
        type: 'call:ended',
        callId: toHex(call.callId),
        peer,
        reason,
        by,
        ...(options.code === undefined ? {} : { code: options.code }),
      }),
    );
    return actions;
  }

  #safetyNumber(peerClientId: string): string {
    return this.#options.crypto.safetyNumber(this.#options.clientIdHex, peerClientId);
  }

  /** Every change of the call state goes through here, so the snapshot never lags behind it. */
  #set(state: CallState, now: number): CallAction[] {
    this.#state = state;
    return this.#publish(now);
  }

  /** Re-derives the snapshot after a change: a `call:state` event when what the user sees changed. */
  #publish(now: number): CallAction[] {
    const next = callSnapshotOf(this.#state, now, this.#snapshot);
    if (next === undefined) return [];
    if (this.#snapshot !== undefined && shownAs(this.#snapshot) === shownAs(next)) return [];
    this.#snapshot = next;
    return [emit({ type: 'call:state', call: next })];
  }
}
