/**
 * Call routing (docs/design.md §5, docs/protocol.md §4.5): CALL_REQUEST → INCOMING_CALL with the caller taken
 * from the authenticated connection (never from the message, docs/lessons.md #7), CALL_RESPONSE forwarded to the
 * caller, CALL_END both ways, offline / busy / ring-timeout answers, and a media session with one token
 * per side on accept. One call per client at a time: a second caller rings the busy callee as a *waiting* call,
 * which its client answers `busy` while telling its user who tried (docs/protocol.md §4.5, "Call waiting").
 * Every way a call ends —
 * CALL_END, reject, disconnect, ring timeout, idle media, shutdown — frees the call and its media session
 * at once, so no state is left behind (docs/lessons.md #22).
 */

import { fromHex, toHex } from '@leitung/crypto';
import type { CallEnd, CallEndReason, CallRequest, CallResponse, CallResume } from '@leitung/wire';
import { RelayErrorCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { MediaRouter } from '../media/media-router.js';
import type { ClusterCall, ClusterCalls } from '../signalling/cluster-calls.js';
import type { Signalling } from '../signalling/signalling.js';
import type { RelayEvent } from './outputs.js';

type CallState =
  | { readonly kind: 'ringing'; readonly startedAt: number; readonly deadline: number }
  | { readonly kind: 'active'; readonly sessionId: number };

interface Call {
  readonly key: string;
  readonly callId: Uint8Array;
  readonly caller: string;
  readonly callee: string;
  /**
   * The callee was in another call on this relay when this one rang (call waiting): the callee's own call stays
   * its call, this one can only be answered busy or rejected, and it is never announced to a cluster.
   */
  readonly waiting: boolean;
  state: CallState;
}

/**
 * Unanswered calls of one caller → callee pair (docs/relay.md "Repeated calls"): how many since
 * `windowStart`, and until when further calls of the pair are refused.
 */
interface PairRecord {
  count: number;
  windowStart: number;
  suppressedUntil: number;
}

/** The authenticated party sending a call message. */
export interface CallParty {
  readonly clientId: string;
  readonly clientIdBytes: Uint8Array;
  readonly name: string;
}

/**
 * What a {@link CallRouter} works with: the media router it allocates sessions in, signalling to reach the
 * parties, the limits (ring timeout, repeated-call suppression), where its events go, and the cluster's call
 * table on a relay cluster.
 */
export interface CallRouterOptions {
  readonly media: MediaRouter;
  readonly signalling: Signalling;
  readonly limits: RelayLimits;
  readonly emit: (event: RelayEvent) => void;
  /** Relay cluster: the shared call table (cross-relay calls, resumption after a relay died). */
  readonly cluster?: ClusterCalls;
}

/** A refusal for the requesting client (sent as ERROR), or undefined when the message was handled. */
export type CallRefusal = { readonly code: RelayErrorCode; readonly message: string } | undefined;

/**
 * Call routing inside the {@link RelayCore} (docs/design.md §5, docs/protocol.md §4.5): CALL_REQUEST to
 * INCOMING_CALL with the caller taken from the authenticated connection, CALL_RESPONSE and CALL_END forwarded,
 * offline, busy and ring-timeout answers, a media session on accept, and suppression of repeated unanswered
 * calls. Every way a call ends frees its state and media session at once.
 */
export class CallRouter {
  readonly #options: CallRouterOptions;
  readonly #calls = new Map<string, Call>();
  readonly #byClient = new Map<string, Call>();
  /** Callee → its waiting calls (rung while it was in another call). */
  readonly #waiting = new Map<string, Set<Call>>();
  /** caller›callee → unanswered calls; insertion order = age, so the oldest record is dropped when full. */
  readonly #pairs = new Map<string, PairRecord>();
  #ringing = 0;

  constructor(options: CallRouterOptions) {
    this.#options = options;
  }

  /** Calls ringing or in progress. */
  get count(): number {
    return this.#calls.size;
  }

  /** Whether the client is in a call (ringing or active). */
  inCall(clientId: string): boolean {
    return this.#byClient.has(clientId);
  }

  request(caller: CallParty, message: CallRequest, now: number): CallRefusal {
    const callee = toHex(message.callee);
    const key = toHex(message.callId);
    if (callee === caller.clientId) return refusal(RelayErrorCode.BadRequest, 'a client cannot call itself');
    const cluster = this.#options.cluster;
    if (this.#byClient.has(caller.clientId) || cluster?.remoteCallOf(caller.clientId) !== undefined) {
      return refusal(RelayErrorCode.CallActive, 'this client is already in a call');
    }
    if (this.#calls.has(key)) return refusal(RelayErrorCode.CallActive, 'this call id is in use');
    // docs/relay.md "Repeated calls": a caller whose calls to this callee went unanswered too often does
    // not ring it again until the back-off ends; the callee sees nothing.
    const record = this.#pairs.get(pairKey(caller.clientId, callee));
    if (record !== undefined && now < record.suppressedUntil) {
      return refusal(RelayErrorCode.CallSuppressed, 'too many unanswered calls to this callee; try later');
    }
    if (this.#ringing >= this.#options.limits.maxRingingCalls) {
      return refusal(RelayErrorCode.RateLimited, 'too many calls ringing');
    }
    const { signalling, emit } = this.#options;
    if (!signalling.isOnline(callee)) {
      signalling.deliver(caller.clientId, callEnd(message.callId, 'offline'));
      emit({ type: 'call:ended', callId: key, reason: 'offline' });
      return undefined;
    }
    // A callee in a call on another relay of the cluster: that relay holds its call, this one answers busy.
    if (cluster?.remoteCallOf(callee) !== undefined) {
      signalling.deliver(caller.clientId, callEnd(message.callId, 'busy'));
      emit({ type: 'call:ended', callId: key, reason: 'busy' });
      return undefined;
    }
    // A callee in a call here hears of the new one (call waiting); its client answers busy.
    const waiting = this.#byClient.has(callee);
    const call: Call = {
      key,
      callId: message.callId,
      caller: caller.clientId,
      callee,
      waiting,
      state: { kind: 'ringing', startedAt: now, deadline: now + this.#options.limits.ringTimeoutMs },
    };
    this.#ringing++;
    this.#calls.set(key, call);
    this.#byClient.set(call.caller, call);
    if (waiting) {
      const calls = this.#waiting.get(callee) ?? new Set<Call>();
      calls.add(call);
      this.#waiting.set(callee, calls);
    } else {
      this.#byClient.set(call.callee, call);
      this.#announce(call);
    }
    emit({ type: 'call:started', callId: key, caller: call.caller, callee });
    signalling.deliver(callee, {
      type: 'INCOMING_CALL',
      callId: message.callId,
      // docs/lessons.md #7: the caller is the authenticated identity of the requesting connection.
      caller: caller.clientIdBytes,
      callerName: caller.name,
      sealedCallData: message.sealedCallData,
    });
    return undefined;
  }

  respond(from: CallParty, message: CallResponse, now: number): CallRefusal {
    const call = this.#calls.get(toHex(message.callId));
    if (call === undefined && this.#forwardToCarrier(from, message, (c) => c.callee === from.clientId)) {
      return undefined;
    }
    if (call === undefined || call.callee !== from.clientId || call.state.kind !== 'ringing') {
      return refusal(RelayErrorCode.UnknownCall, 'no call is ringing for this client with that id');
    }
    const { signalling, emit } = this.#options;
    if (call.waiting && message.decision === 'accept') {
      // The callee is in another call: a waiting call cannot be taken over, only refused. It ends as busy.
      signalling.deliver(call.caller, callEnd(call.callId, 'busy'));
      this.#free(call, 'busy');
      return refusal(
        RelayErrorCode.CallActive,
        'this client is in another call; a waiting call can only be refused',
      );
    }
    emit({ type: 'call:answered', callId: call.key, decision: message.decision });
    signalling.deliver(call.caller, message);
    if (message.decision !== 'accept') {
      this.#free(call, message.decision === 'busy' ? 'busy' : 'rejected');
      return undefined;
    }
    // An answered call clears the pair's record (docs/relay.md "Repeated calls").
    this.#pairs.delete(pairKey(call.caller, call.callee));
    this.#grant(call, now);
    return undefined;
  }

  /** Allocates the call's media session on this relay and sends each party its MEDIA_GRANT. */
  #grant(call: Call, now: number): void {
    const { signalling, emit, media, cluster } = this.#options;
    const grant = media.allocate(call.key, now);
    if (grant === undefined) {
      this.#endBoth(call, 'error');
      return;
    }
    if (call.state.kind === 'ringing') this.#ringing--;
    call.state = { kind: 'active', sessionId: grant.sessionId };
    emit({ type: 'media:allocated', callId: call.key, sessionId: grant.sessionId });
    const base = {
      type: 'MEDIA_GRANT',
      callId: call.callId,
      sessionId: grant.sessionId,
      expiresAt: grant.expiresAt,
      // Cluster: a party held by another relay binds here; it finds this relay in its pinned list.
      ...(cluster === undefined ? {} : { mediaRelay: fromHex(cluster.relayId) }),
    };
    signalling.deliver(call.caller, {
      ...base,
      type: 'MEDIA_GRANT',
      token: grant.callerToken,
      side: 'caller',
    });
    signalling.deliver(call.callee, {
      ...base,
      type: 'MEDIA_GRANT',
      token: grant.calleeToken,
      side: 'callee',
    });
    grant.callerToken.fill(0);
    grant.calleeToken.fill(0);
  }

  end(from: CallParty, message: CallEnd): CallRefusal {
    const call = this.#calls.get(toHex(message.callId));
    const isParty = (c: ClusterCall) => c.caller === from.clientId || c.callee === from.clientId;
    if (call === undefined && this.#forwardToCarrier(from, message, isParty)) return undefined;
    if (call === undefined || (call.caller !== from.clientId && call.callee !== from.clientId)) {
      return refusal(RelayErrorCode.UnknownCall, 'this client has no call with that id');
    }
    const other = call.caller === from.clientId ? call.callee : call.caller;
    this.#options.signalling.deliver(other, callEnd(call.callId, message.reason));
    this.#free(call, message.reason);
    return undefined;
  }

  /**
   * CALL_RESUME continues a call after failover (docs/design.md §6). A single relay answers CALL_END: it has no
   * call state of other relays. In a cluster: the relay that carries the call gives both parties a new
   * media session; a call whose relay is the one the client lost (it died) is taken over by this relay,
   * with the parties from the shared call table; otherwise the message goes to the carrying relay.
   * `forwarded`: another relay sent it here because this relay carries the call (never forwarded again).
   */
  resume(from: CallParty, message: CallResume, now: number, forwarded: boolean): CallRefusal {
    const key = toHex(message.callId);
    const peer = toHex(message.peer);
    const isParty = (c: { caller: string; callee: string }) =>
      (c.caller === from.clientId && c.callee === peer) || (c.callee === from.clientId && c.caller === peer);
    const local = this.#calls.get(key);
    if (local !== undefined && isParty(local) && local.state.kind === 'active') {
      this.#releaseMedia(local, 'resumed');
      this.#grant(local, now);
      return undefined;
    }
    const cluster = this.#options.cluster;
    const known = local === undefined ? cluster?.lookup(key) : undefined;
    if (cluster !== undefined && known !== undefined && isParty(known)) {
      const lostCarrier = cluster.previousRelayOf(from.clientId) === known.relay;
      if (!forwarded && known.relay !== cluster.relayId && !lostCarrier) {
        if (cluster.forward(known.relay, from, message)) return undefined;
      }
      if (this.#byClient.has(from.clientId) || this.#byClient.has(peer)) {
        return refusal(RelayErrorCode.CallActive, 'a party of this call is in another call');
      }
      const call: Call = {
        key,
        callId: message.callId,
        caller: known.caller,
        callee: known.callee,
        waiting: false,
        state: { kind: 'ringing', startedAt: now, deadline: Number.POSITIVE_INFINITY },
      };
      this.#ringing++;
      this.#calls.set(key, call);
      this.#byClient.set(call.caller, call);
      this.#byClient.set(call.callee, call);
      this.#announce(call);
      this.#options.emit({ type: 'call:started', callId: key, caller: call.caller, callee: call.callee });
      this.#grant(call, now);
      return undefined;
    }
    const reason: CallEndReason = this.#options.signalling.isOnline(toHex(message.peer))
      ? 'error'
      : 'offline';
    this.#options.signalling.deliver(from.clientId, callEnd(message.callId, reason));
    return undefined;
  }

  /** The client's connection is gone: its call ends for the other party. */
  clientGone(clientId: string): void {
    // Calls waiting for this client end for their callers as if it went offline.
    for (const waiting of [...(this.#waiting.get(clientId) ?? [])]) {
      this.#options.signalling.deliver(waiting.caller, callEnd(waiting.callId, 'offline'));
      this.#free(waiting, 'offline');
    }
    const call = this.#byClient.get(clientId);
    if (call === undefined) {
      // Cluster: a call carried by another relay ends there (as CALL_END `offline` of this party).
      const remote = this.#options.cluster?.remoteCallOf(clientId);
      if (remote !== undefined) {
        const party = { clientId, clientIdBytes: fromHex(clientId), name: '' };
        this.#options.cluster?.forward(remote.relay, party, callEnd(fromHex(remote.key), 'offline'));
      }
      return;
    }
    const other = call.caller === clientId ? call.callee : call.caller;
    this.#options.signalling.deliver(other, callEnd(call.callId, 'offline'));
    this.#free(call, 'offline');
  }

  /** A media session expired (never bound, or idle): its call ends for both. */
  mediaExpired(callKey: string): void {
    const call = this.#calls.get(callKey);
    if (call !== undefined) this.#endBoth(call, 'timeout');
  }

  /** Ends unanswered calls; returns the next ring deadline, if any. */
  tick(now: number): number | undefined {
    let next: number | undefined;
    for (const call of [...this.#calls.values()]) {
      if (call.state.kind !== 'ringing') continue;
      if (now >= call.state.deadline) this.#endBoth(call, 'timeout');
      else next = next === undefined ? call.state.deadline : Math.min(next, call.state.deadline);
    }
    return next;
  }

  /** Ends every call (relay shutdown). */
  shutdown(): void {
    for (const call of [...this.#calls.values()]) this.#endBoth(call, 'relay-shutdown');
  }

  #endBoth(call: Call, reason: CallEndReason): void {
    this.#options.signalling.deliver(call.caller, callEnd(call.callId, reason));
    this.#options.signalling.deliver(call.callee, callEnd(call.callId, reason));
    this.#free(call, reason);
  }

  #free(call: Call, reason: string): void {
    this.#calls.delete(call.key);
    if (call.state.kind === 'ringing') {
      this.#ringing--;
      // Every way a ringing call ends unanswered counts, except the relay's own shutdown or failure.
      if (reason !== 'relay-shutdown' && reason !== 'error') this.#unanswered(call, call.state);
    }
    if (this.#byClient.get(call.caller) === call) this.#byClient.delete(call.caller);
    if (this.#byClient.get(call.callee) === call) this.#byClient.delete(call.callee);
    if (call.waiting) {
      const calls = this.#waiting.get(call.callee);
      calls?.delete(call);
      if (calls?.size === 0) this.#waiting.delete(call.callee);
    }
    this.#releaseMedia(call, reason);
    this.#options.cluster?.retire(call.key);
    this.#options.emit({ type: 'call:ended', callId: call.key, reason });
  }

  /**
   * Counts an unanswered call of the pair (by when it was placed); the R-th within the window starts the
   * back-off, which lasts until `callSuppressionMs` after that call's ring deadline — so at least that
   * long after it stopped ringing, however it ended (the core does not pass a clock into every ending).
   */
  #unanswered(call: Call, ringing: { readonly startedAt: number; readonly deadline: number }): void {
    const limits = this.#options.limits;
    const at = ringing.startedAt;
    const end = Number.isFinite(ringing.deadline) ? ringing.deadline : at;
    const key = pairKey(call.caller, call.callee);
    let record = this.#pairs.get(key);
    if (record === undefined || at - record.windowStart >= limits.unansweredCallWindowMs) {
      record = { count: 0, windowStart: at, suppressedUntil: record?.suppressedUntil ?? 0 };
    }
    record.count++;
    if (record.count >= limits.unansweredCallsPerPair) {
      record.suppressedUntil = end + limits.callSuppressionMs;
      record.count = 0;
      record.windowStart = at;
    }
    // Re-insert so the map's order stays "least recently touched first"; bounded like the buckets.
    this.#pairs.delete(key);
    this.#pairs.set(key, record);
    while (this.#pairs.size > limits.maxBucketKeys) {
      const oldest = this.#pairs.keys().next();
      if (oldest.done) break;
      this.#pairs.delete(oldest.value);
    }
  }

  #releaseMedia(call: Call, reason: string): void {
    if (call.state.kind !== 'active') return;
    const released = this.#options.media.release(call.state.sessionId);
    if (released) {
      this.#options.emit({
        type: 'media:released',
        callId: call.key,
        sessionId: call.state.sessionId,
        reason,
      });
    }
  }

  #announce(call: Call): void {
    const cluster = this.#options.cluster;
    cluster?.announce({ key: call.key, caller: call.caller, callee: call.callee, relay: cluster.relayId });
  }

  /**
   * Cluster: a message about a call this relay does not carry goes to the relay that does, when the
   * sender is a party of it (`accepts`). True when it was forwarded.
   */
  #forwardToCarrier(
    from: CallParty,
    message: CallResponse | CallEnd,
    accepts: (call: ClusterCall) => boolean,
  ): boolean {
    const cluster = this.#options.cluster;
    const known = cluster?.lookup(toHex(message.callId));
    if (cluster === undefined || known === undefined || known.relay === cluster.relayId || !accepts(known)) {
      return false;
    }
    return cluster.forward(known.relay, from, message);
  }
}

function callEnd(callId: Uint8Array, reason: CallEndReason): CallEnd {
  return { type: 'CALL_END', callId, reason };
}

function pairKey(caller: string, callee: string): string {
  return `${caller}>${callee}`;
}

function refusal(code: RelayErrorCode, message: string): CallRefusal {
  return { code, message };
}
