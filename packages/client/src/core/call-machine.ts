/**
 * The call state machine of the client core (docs/design.md §5; docs/client.md "State machines"), over
 * @leitung/session's call offers: one call at a time, call waiting answered "busy", ring timeout,
 * CALL_RESUME after a lost connection, and every path to `ended` erasing the call's secrets. It makes the
 * control decisions about the call's media lane (open on the first grant, retarget on a later one, close
 * at the end) but never sees a media packet: the shell's MediaChannel carries them (docs/architecture.md
 * "Media lane"). The ClientCore owns the connection and the key lookups; it feeds verified keys in and
 * carries messages out through {@link CallHost}.
 */
import type { LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '@leitung/crypto';
import {
  acceptOffer,
  CALL_KEY_EXCHANGE,
  CallIdReplayGuard,
  completeCall,
  createCallOffer,
  openCallOffer,
} from '@leitung/session';
import type {
  CallEndReason,
  ControlMessage,
  ControlMessageOf,
  KeyLookupTarget,
  MediaGrant,
} from '@leitung/wire';
import { bytesEqual, toHex } from '../bytes.js';
import { ClientError, ClientErrorCode, errorCodeOf } from '../errors.js';
import type { AudioFlow } from '../media/audio-flow.js';
import { type CallSnapshot, callSnapshotOf, shownAs } from './call-snapshot.js';
import { type CallState, callIdOf, isBusy } from './call-state.js';
import { asError, callFailure, keyChanged } from './core-errors.js';
import type { CommandResult, MediaLaneOutput, VerifiedContact } from './core-outputs.js';
import type { CoreEvent, Peer } from './events.js';

/** What the call machine needs from the client core. */
export interface CallHost {
  readonly crypto: LeitungCrypto;
  readonly identity: RsaPrivateKey;
  readonly clientId: Uint8Array;
  readonly clientIdHex: string;
  readonly codecs: readonly number[];
  readonly ringTimeoutMs: number;
  readonly resumeTimeoutMs: number;
  /** True while registered (messages can be sent). */
  connected(): boolean;
  sendSealed(message: ControlMessage, now: number): void;
  emit(event: CoreEvent): void;
  result(handle: number, result: CommandResult): void;
  /** Opens, retargets or closes the call's media lane (a core output for the shell). */
  media(output: MediaLaneOutput): void;
  /** Highest DATA sequence the call's media lane sent, for CALL_RESUME's `lastSequence`. */
  lastSentSequence(callId: string): number | undefined;
  /** Starts a verified key lookup; the answer comes back as calleeVerified/callerVerified or lookupFailed. */
  lookup(target: KeyLookupTarget, purpose: 'call' | 'incoming', callId: Uint8Array, now: number): void;
  /** Drops pending lookups made for a call that ended meanwhile. */
  cancelLookups(purpose: 'call' | 'incoming'): void;
  /** Call ids seen before this process started (the store's), and where to put them after a change. */
  readonly seenCallIds: readonly (readonly [string, number])[];
  seenCallIdsChanged(entries: readonly (readonly [string, number])[]): void;
  /** This side's last accepted signed tree head, encoded, to gossip in the offer (key-transparency.md). */
  gossipHead(): Uint8Array | undefined;
  /** The caller's gossiped head from a verified offer: compare it with ours. */
  gossipReceived(head: Uint8Array, now: number): void;
}

export class CallMachine {
  readonly #host: CallHost;
  /**
   * Call ids seen in offers (docs/design.md §5 step 3): kept across connections and relays, and across
   * restarts through the store (docs/session-protocol.md "Call offers").
   */
  readonly #replayGuard: CallIdReplayGuard;
  #state: CallState = { kind: 'idle' };
  /** What the user sees of the call (docs/client.md "Call state"), derived from `#state` only. */
  #snapshot: CallSnapshot | undefined;
  #mediaRelay: string | undefined;

  constructor(host: CallHost) {
    this.#host = host;
    this.#replayGuard = new CallIdReplayGuard({ seen: host.seenCallIds });
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

  /** When `tick` is due for this call (ring or resume deadline), if ever. */
  nextTimeout(): number | undefined {
    const call = this.#state;
    if (call.kind === 'outgoing-ringing' || call.kind === 'incoming-ringing') return call.deadline;
    return call.kind === 'active' ? call.resumeDeadline : undefined;
  }

  /** An outgoing call begins: the callee's key is being looked up (`calleeVerified` continues). */
  begin(handle: number, callId: Uint8Array, targetLabel: string, now: number): void {
    this.#set({ kind: 'outgoing-resolving', callId, handle, targetLabel }, now);
  }

  /** A key lookup for this call failed. */
  lookupFailed(purpose: 'call' | 'incoming', callId: Uint8Array, error: Error, now: number): void {
    const call = this.#state;
    if (purpose === 'call' && call.kind === 'outgoing-resolving' && bytesEqual(call.callId, callId)) {
      this.#set(
        {
          ...ended(call.callId, 'outgoing', undefined, 'error', specificCode(error)),
          peerName: call.targetLabel,
        },
        now,
      );
      this.#host.result(call.handle, { ok: false, error });
    }
    if (purpose === 'incoming' && call.kind === 'incoming-verifying' && bytesEqual(call.callId, callId)) {
      this.#refuseIncoming(call.callId, call.callerId, error, now);
    }
  }

  /**
   * The relay answered with a non-fatal ERROR that names no request. While ringing out, that is the relay
   * refusing our CALL_REQUEST (e.g. RELAY_ERR_RATE_LIMITED; ERROR has no call id): the call ends at once
   * with that error instead of ringing into the timeout. In any other state it is only informational.
   */
  relayRefused(error: ClientError, now: number): void {
    if (this.#state.kind !== 'outgoing-ringing') return;
    this.end('error', 'local', now, {
      notify: false,
      ...(error.relayCode === undefined ? {} : { code: error.relayCode }),
      error,
    });
  }

  /** The control connection is gone: a live call waits for CALL_RESUME, anything else ends. */
  connectionLost(now: number): void {
    const call = this.#state;
    switch (call.kind) {
      case 'active':
        if (call.resumeDeadline === undefined) call.resumeDeadline = now + this.#host.resumeTimeoutMs;
        call.resumeSent = false;
        this.#publish(now);
        return;
      case 'outgoing-ringing':
      case 'incoming-ringing':
      case 'outgoing-resolving':
      case 'incoming-verifying':
        this.end('error', 'local', now, { notify: false, code: ClientErrorCode.ConnectionClosed });
        return;
      case 'idle':
      case 'ended':
        return;
    }
  }

  /** Accepts the ringing incoming call. */
  answer(now: number): void {
    const call = this.#state;
    if (call.kind !== 'incoming-ringing')
      throw new ClientError(ClientErrorCode.InvalidState, 'no call is ringing');
    const { ephemeral, kem, confirm, keys } = acceptOffer(this.#host.crypto, call.offer);
    this.#host.sendSealed(
      { type: 'CALL_RESPONSE', callId: call.callId, decision: 'accept', ephemeral, kem, confirm },
      now,
    );
    this.#set(activeCall(call, 'callee', keys, now), now);
    this.#host.emit({
      type: 'call:accepted',
      callId: toHex(call.callId),
      peer: call.peer,
      role: 'callee',
      keyExchange: CALL_KEY_EXCHANGE,
    });
  }

  /** Rejects the ringing incoming call. */
  reject(now: number): void {
    const call = this.#state;
    if (call.kind !== 'incoming-ringing')
      throw new ClientError(ClientErrorCode.InvalidState, 'no call is ringing');
    this.#host.sendSealed({ type: 'CALL_RESPONSE', callId: call.callId, decision: 'reject' }, now);
    this.end('rejected', 'local', now, { notify: false });
  }

  /** Ends the current call in whatever state it is (ringing either way, or active). */
  hangUp(now: number): void {
    const call = this.#state;
    switch (call.kind) {
      case 'idle':
      case 'ended':
        throw new ClientError(ClientErrorCode.InvalidState, 'no call to hang up');
      case 'incoming-ringing':
        this.reject(now);
        return;
      case 'incoming-verifying':
      case 'outgoing-resolving':
      case 'outgoing-ringing':
      case 'active':
        this.end('hangup', 'local', now, { notify: call.kind !== 'outgoing-resolving' });
        return;
    }
  }

  // ─── call setup and signalling ──────────────────────────────────────────────────────────────────────

  calleeVerified(callId: Uint8Array, contact: VerifiedContact, key: RsaPublicKey, now: number): void {
    const call = this.#state;
    if (call.kind !== 'outgoing-resolving' || !bytesEqual(call.callId, callId)) return;
    if (contact.keyChanged) {
      const error = keyChanged(contact.name);
      this.#set(
        { ...ended(callId, 'outgoing', undefined, 'error', error.code), peerName: contact.name },
        now,
      );
      this.#host.result(call.handle, { ok: false, error });
      return;
    }
    const calleeId = this.#host.crypto.sha3_256(contact.publicKey);
    const offer = createCallOffer({
      crypto: this.#host.crypto,
      caller: { id: this.#host.clientId, privateKey: this.#host.identity },
      callee: { id: calleeId, publicKey: key },
      codecs: this.#host.codecs,
      now,
      callId,
      treeHead: this.#host.gossipHead(),
    });
    const peer: Peer = { clientId: contact.clientId, name: contact.name };
    this.#host.sendSealed(
      { type: 'CALL_REQUEST', callId, callee: calleeId, sealedCallData: offer.sealedCallData },
      now,
    );
    this.#set(
      {
        kind: 'outgoing-ringing',
        callId,
        handle: call.handle,
        peer,
        peerId: calleeId,
        safetyNumber: this.#safetyNumber(contact.clientId),
        pending: offer.pending,
        deadline: now + this.#host.ringTimeoutMs,
        grant: undefined,
      },
      now,
    );
    this.#host.emit({ type: 'call:outgoing', callId: toHex(callId), peer });
  }

  incoming(message: ControlMessageOf<'INCOMING_CALL'>, now: number): void {
    if (isBusy(this.#state)) {
      // One call at a time; call waiting is answered "busy" (docs/design.md §5). No secret is opened.
      this.#host.sendSealed({ type: 'CALL_RESPONSE', callId: message.callId, decision: 'busy' }, now);
      return;
    }
    this.#set(
      {
        kind: 'incoming-verifying',
        callId: message.callId,
        callerId: message.caller,
        callerName: message.callerName,
        sealedCallData: message.sealedCallData,
      },
      now,
    );
    // The caller is who the relay authenticated (docs/lessons.md #7); its key must be proven like any other.
    this.#host.lookup({ by: 'clientId', clientId: message.caller }, 'incoming', message.callId, now);
  }

  callerVerified(callId: Uint8Array, caller: VerifiedContact, key: RsaPublicKey, now: number): void {
    const call = this.#state;
    if (call.kind !== 'incoming-verifying' || !bytesEqual(call.callId, callId)) return;
    if (caller.keyChanged) {
      this.#refuseIncoming(callId, call.callerId, keyChanged(caller.name), now);
      return;
    }
    try {
      const before = this.#replayGuard.size;
      let offer: ReturnType<typeof openCallOffer>;
      try {
        offer = openCallOffer({
          crypto: this.#host.crypto,
          sealedCallData: call.sealedCallData,
          statedCallId: callId,
          callee: { id: this.#host.clientId, privateKey: this.#host.identity },
          statedCallerId: call.callerId,
          callerPublicKey: key,
          now,
          replayGuard: this.#replayGuard,
        });
      } finally {
        // Persisted before the phone rings: an admitted id must be refused after a restart too.
        const entries = this.#replayGuard.entries();
        const last = entries.at(-1);
        const admitted = last !== undefined && last[0] === toHex(callId) && last[1] === now;
        if (admitted || entries.length !== before) this.#host.seenCallIdsChanged(entries);
      }
      const peer: Peer = { clientId: caller.clientId, name: caller.name };
      const safetyNumber = this.#safetyNumber(caller.clientId);
      this.#set(
        {
          kind: 'incoming-ringing',
          callId,
          peer,
          peerId: call.callerId,
          safetyNumber,
          offer,
          deadline: now + this.#host.ringTimeoutMs,
        },
        now,
      );
      this.#host.emit({
        type: 'call:incoming',
        callId: toHex(callId),
        peer,
        codecs: offer.codecs,
        safetyNumber,
      });
      // Both parties should see one log: a relay that forked it is caught here (key-transparency.md).
      if (offer.treeHead !== undefined) this.#host.gossipReceived(offer.treeHead, now);
    } catch (error) {
      this.#refuseIncoming(callId, call.callerId, asError(error), now);
    }
  }

  /** An incoming offer failed a check: tell the user which, end the call at the relay. */
  #refuseIncoming(callId: Uint8Array, callerId: Uint8Array, error: Error, now: number): void {
    this.#set({ ...ended(callId, 'incoming', undefined, 'error', errorCodeOf(error)), shown: false }, now);
    this.#host.emit({
      type: 'call:refused',
      callId: toHex(callId),
      callerId: toHex(callerId),
      code: errorCodeOf(error) ?? 'UNKNOWN',
      error,
    });
    this.#host.sendSealed({ type: 'CALL_END', callId, reason: 'error' }, now);
  }

  onCallResponse(message: ControlMessageOf<'CALL_RESPONSE'>, now: number): void {
    const call = this.#state;
    if (call.kind !== 'outgoing-ringing' || !bytesEqual(call.callId, message.callId)) return;
    switch (message.decision) {
      case 'accept': {
        if (!message.ephemeral || !message.confirm) {
          this.end('error', 'local', now, { notify: true, code: ClientErrorCode.Protocol });
          return;
        }
        let keys: ReturnType<typeof completeCall>;
        try {
          keys = completeCall(this.#host.crypto, call.pending, {
            ephemeral: message.ephemeral,
            kem: message.kem,
            confirm: message.confirm,
          });
        } catch (error) {
          this.end('error', 'local', now, { notify: true, code: errorCodeOf(error) ?? 'UNKNOWN' });
          return;
        }
        this.#set(activeCall(call, 'caller', keys, now), now);
        this.#host.emit({
          type: 'call:accepted',
          callId: toHex(call.callId),
          peer: call.peer,
          role: 'caller',
          keyExchange: CALL_KEY_EXCHANGE,
        });
        this.#host.result(call.handle, { ok: true, value: { callId: toHex(call.callId), peer: call.peer } });
        if (call.grant) this.onMediaGrant(call.grant, now);
        return;
      }
      case 'reject':
        this.end('rejected', 'remote', now, { notify: false });
        return;
      case 'busy':
        this.end('busy', 'remote', now, { notify: false });
        return;
    }
  }

  onCallEnd(message: ControlMessageOf<'CALL_END'>, now: number): void {
    const id = callIdOf(this.#state);
    if (!id || !isBusy(this.#state) || !bytesEqual(id, message.callId)) return;
    this.end(message.reason, 'remote', now, { notify: false });
  }

  onMediaGrant(grant: MediaGrant, now: number): void {
    const call = this.#state;
    if (call.kind === 'outgoing-ringing' && bytesEqual(call.callId, grant.callId)) {
      call.grant = grant;
      return;
    }
    if (call.kind !== 'active' || !bytesEqual(call.callId, grant.callId)) return;
    if (grant.side !== call.role)
      throw new ClientError(ClientErrorCode.Protocol, 'media grant for the other side');
    call.resumeSent = false;
    this.#mediaRelay = grant.mediaRelay === undefined ? undefined : toHex(grant.mediaRelay);
    const callId = toHex(call.callId);
    // A new lane, or the lane moving to another relay: unbound until its BIND_ACK.
    call.media = 'opening';
    if (!call.laneOpen) {
      call.laneOpen = true;
      this.#host.media({ kind: 'media:open', callId, keys: call.keys, grant });
    } else {
      this.#host.media({ kind: 'media:retarget', callId, grant });
    }
    this.#publish(now);
  }

  /** What the call's media lane reports (docs/client.md "Call state"): bound, failed, audio flow. */
  mediaLane(callId: string, report: MediaLaneReport, now: number): void {
    const call = this.#state;
    if (call.kind !== 'active' || toHex(call.callId) !== callId) return;
    switch (report.kind) {
      case 'bound':
        call.media = 'bound';
        this.#host.emit({ type: 'media:bound', callId, sessionId: report.sessionId });
        break;
      case 'failed':
        call.media = 'failed';
        this.#host.emit({ type: 'media:failed', callId, code: ClientErrorCode.MediaBindFailed });
        break;
      case 'audio':
        call.audio = report.flow;
        break;
    }
    this.#publish(now);
  }

  /** After (re-)registration with a live call: ask this relay to carry it (CALL_RESUME, docs/design.md §6). */
  resume(now: number): void {
    const call = this.#state;
    if (call.kind !== 'active' || call.resumeDeadline === undefined) return;
    call.resumeDeadline = undefined;
    call.resumeSent = true;
    this.#publish(now);
    const lastSequence = call.laneOpen ? this.#host.lastSentSequence(toHex(call.callId)) : undefined;
    this.#host.sendSealed(
      {
        type: 'CALL_RESUME',
        callId: call.callId,
        peer: call.peerId,
        ...(lastSequence === undefined ? {} : { lastSequence }),
      },
      now,
    );
  }

  tick(now: number): void {
    const call = this.#state;
    switch (call.kind) {
      case 'outgoing-ringing':
      case 'incoming-ringing':
        if (now >= call.deadline) this.end('timeout', 'local', now, { notify: true });
        return;
      case 'active':
        if (call.resumeDeadline !== undefined && now >= call.resumeDeadline) {
          // No relay took the call over in time (docs/design.md §6): say so, not just "closed".
          this.end('error', 'local', now, { notify: false, code: ClientErrorCode.CallLost });
        }
        return;
      case 'idle':
      case 'ended':
      case 'outgoing-resolving':
      case 'incoming-verifying':
        return;
    }
  }

  /**
   * Ends the current call on every path, erasing its secrets: the pending offer (secret + ephemeral key),
   * the opened offer (secret) and the media keys (forward secrecy, docs/design.md §5 step 4). The media
   * lane is told to close, which erases its ciphers, the keys and the grant token as well; the keys are
   * erased here too, for a call whose lane never opened.
   */
  end(
    reason: CallEndReason,
    by: 'local' | 'remote',
    now: number,
    options: { notify: boolean; code?: string; error?: Error },
  ): void {
    const call = this.#state;
    let peer: Peer | undefined;
    let direction: 'outgoing' | 'incoming' = 'incoming';
    let peerName: string | undefined;
    switch (call.kind) {
      case 'idle':
      case 'ended':
        return;
      case 'outgoing-resolving':
        this.#host.cancelLookups('call');
        direction = 'outgoing';
        peerName = call.targetLabel;
        break;
      case 'incoming-verifying':
        this.#host.cancelLookups('incoming');
        break;
      case 'outgoing-ringing':
        call.pending.destroy();
        peer = call.peer;
        direction = 'outgoing';
        break;
      case 'incoming-ringing':
        call.offer.destroy();
        peer = call.peer;
        break;
      case 'active':
        if (call.laneOpen) this.#host.media({ kind: 'media:close', callId: toHex(call.callId) });
        call.keys.destroy();
        peer = call.peer;
        if (call.role === 'caller') direction = 'outgoing';
        break;
    }
    this.#set(
      {
        ...ended(call.callId, direction, peer, reason, options.code),
        ...(peer === undefined ? { peerName } : {}),
        by,
        shown: call.kind !== 'incoming-verifying',
      },
      now,
    );
    if (options.notify && this.#host.connected()) {
      this.#host.sendSealed({ type: 'CALL_END', callId: call.callId, reason }, now);
    }
    if (call.kind === 'outgoing-resolving' || call.kind === 'outgoing-ringing') {
      this.#host.result(call.handle, {
        ok: false,
        error: options.error ?? callFailure(reason, by, options.code),
      });
    }
    if (call.kind === 'incoming-verifying') return;
    this.#host.emit({
      type: 'call:ended',
      callId: toHex(call.callId),
      peer,
      reason,
      by,
      ...(options.code === undefined ? {} : { code: options.code }),
    });
  }

  #safetyNumber(peerClientId: string): string {
    return this.#host.crypto.safetyNumber(this.#host.clientIdHex, peerClientId);
  }

  /** Every change of the call state goes through here, so the snapshot never lags behind it. */
  #set(state: CallState, now: number): void {
    this.#state = state;
    this.#publish(now);
  }

  /** Re-derives the snapshot after a change and emits `call:state` when what the user sees changed. */
  #publish(now: number): void {
    const next = callSnapshotOf(this.#state, now, this.#snapshot);
    if (next === undefined) return;
    if (this.#snapshot !== undefined && shownAs(this.#snapshot) === shownAs(next)) return;
    this.#snapshot = next;
    this.#host.emit({ type: 'call:state', call: next });
  }
}

/** What a call's media lane reports to the core. */
export type MediaLaneReport =
  | { readonly kind: 'bound'; readonly sessionId: number }
  | { readonly kind: 'failed' }
  | { readonly kind: 'audio'; readonly flow: Exclude<AudioFlow, 'waiting'> };

function activeCall(
  call: Extract<CallState, { kind: 'outgoing-ringing' | 'incoming-ringing' }>,
  role: 'caller' | 'callee',
  keys: Extract<CallState, { kind: 'active' }>['keys'],
  now: number,
): Extract<CallState, { kind: 'active' }> {
  return {
    kind: 'active',
    callId: call.callId,
    peer: call.peer,
    peerId: call.peerId,
    role,
    safetyNumber: call.safetyNumber,
    answeredAt: now,
    keys,
    media: 'opening',
    audio: 'waiting',
    laneOpen: false,
    resumeDeadline: undefined,
    resumeSent: false,
  };
}

function ended(
  callId: Uint8Array,
  direction: 'outgoing' | 'incoming',
  peer: Peer | undefined,
  reason: CallEndReason,
  code: string | undefined,
): Extract<CallState, { kind: 'ended' }> {
  return {
    kind: 'ended',
    callId,
    reason,
    by: 'local',
    code,
    direction,
    peer,
    peerName: peer?.name,
    shown: true,
  };
}

/** The most specific code of an error: the relay's own (RELAY_ERR_NOT_FOUND …) over CLIENT_ERR_RELAY_ERROR. */
function specificCode(error: Error): string | undefined {
  return error instanceof ClientError && error.relayCode !== undefined ? error.relayCode : errorCodeOf(error);
}
