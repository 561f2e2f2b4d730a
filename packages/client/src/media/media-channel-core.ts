/**
 * The media channel of one call, sans-I/O: the core of the call's media lane (docs/architecture.md "Media
 * lane"; docs/design.md §5 step 5, docs/session-protocol.md §4). It binds to the relay's media session by
 * proving the MEDIA_GRANT token in BIND (retried with exponential backoff until a BIND_ACK arrives), answers
 * the relay's BIND_CHALLENGE with one BIND_CONFIRM per BIND of the current round (return routability,
 * §4.2), keeps the binding alive with KEEPALIVE, binds again when the local address changes or the call
 * moves to another relay (CALL_RESUME), seals outgoing frames with the per-direction packet cipher and opens
 * incoming DATA (authenticate, replay window, decrypt) with @leitung/session's MediaSender and
 * MediaReceiver. Each datagram's header is decoded once and the decoded packet handed on. Datagrams in,
 * datagrams and frames out; the clock is passed in. Closing erases the media keys and the grant token.
 */
import { type LeitungCrypto, zeroize } from '@leitung/crypto';
import {
  buildBindConfirm,
  buildControlPacket,
  directionOf,
  type MediaFrame,
  type MediaKeys,
  MediaReceiver,
  MediaSender,
  SessionError,
  verifyControlPacket,
} from '@leitung/session';
import { decodeMediaPacket, type MediaGrant, type MediaPacket } from '@leitung/wire';
import { ClientError, ClientErrorCode } from '../errors.js';
import { type AudioFlow, AudioFlowWatch } from './audio-flow.js';

/**
 * The media lane's timers (docs/client.md "State machines", media binding; "Defaults"): BIND retries,
 * KEEPALIVE and the audio-stall threshold. `ClientOptions.media` passes them to every call's lane.
 */
export interface MediaChannelTiming {
  /** First BIND retry delay (doubles per retry). Default 200 ms. */
  readonly bindRetryMs?: number;
  /** Longest BIND retry delay. Default 2 000 ms. */
  readonly bindRetryMaxMs?: number;
  /** BINDs sent before giving up. Default 10. */
  readonly bindAttempts?: number;
  /** KEEPALIVE period while bound. Default 5 000 ms. */
  readonly keepaliveIntervalMs?: number;
  /** Silence after which flowing audio counts as stalled (`audio:stalled`). Default 500 ms. */
  readonly audioStallMs?: number;
}

/** What a {@link MediaChannelCore} is opened with: the `media:open` output's keys and grant, and timers. */
export interface MediaChannelCoreOptions extends MediaChannelTiming {
  /** Packet cipher and the random source for BIND counters and nonces. */
  readonly crypto: LeitungCrypto;
  /** The call's media keys; the channel uses them, never exposes them, and erases them on `close`. */
  readonly keys: MediaKeys;
  /** The relay's MEDIA_GRANT for this side: session id, side and the token BIND proves. */
  readonly grant: MediaGrant;
  /** Highest sequence this side sent before (continuing a call after failover). */
  readonly lastSequence?: number | undefined;
}

type BindState =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'binding';
      readonly attempts: number;
      readonly nextAt: number;
      readonly firstCounter: number;
    }
  | { readonly kind: 'bound'; readonly keepaliveAt: number }
  | { readonly kind: 'failed' }
  | { readonly kind: 'closed' };

/**
 * What one received datagram turned out to be ({@link MediaChannelCore.receive}): an authenticated,
 * decrypted frame, the relay's BIND_ACK, a BIND_CHALLENGE answered, or a drop with its reason.
 */
export type MediaInput =
  /** `audioStarted`: the first frame of the call, or the first after a stall. */
  | { readonly kind: 'frame'; readonly frame: MediaFrame; readonly audioStarted: boolean }
  | { readonly kind: 'bound'; readonly sessionId: number }
  /** A BIND_CHALLENGE was answered: send `datagrams` (the BIND_CONFIRM) to the relay. */
  | { readonly kind: 'challenged'; readonly datagrams: Uint8Array[] }
  | { readonly kind: 'dropped'; readonly reason: MediaDropReason };

/**
 * Why the media lane dropped a received datagram (counted in {@link MediaChannelStats}; docs/client.md
 * "What is checked when", UDP): `malformed` (not a media packet), `not-for-us` (another session, or a
 * packet type only clients send), `auth` (DATA that fails authentication or decryption), `replay` (a
 * sequence already seen or behind the replay window of 128), `closed` (the lane is not bound yet or
 * closed), `stale-ack` / `stale-challenge` (a BIND_ACK or BIND_CHALLENGE not for a BIND of the current
 * round).
 */
export type MediaDropReason =
  | 'malformed'
  | 'not-for-us'
  | 'auth'
  | 'replay'
  | 'closed'
  | 'stale-ack'
  | 'stale-challenge';

/**
 * Counters of one call's media lane (`Client.mediaStats()`): frames sent, frames received (authenticated
 * and decrypted), and drops by reason — received datagrams by {@link MediaDropReason}, and frames not
 * sent because the lane was closed (`closed`), not bound (`unbound`) or their sequence was not above the
 * last one sent (`sequence`: the packet IV comes from it and must never repeat).
 */
export interface MediaChannelStats {
  /** Frames sealed and handed to the socket. */
  sent: number;
  /** Frames received, authenticated and decrypted. */
  received: number;
  /** Dropped datagrams and refused frames, by reason. */
  dropped: Record<MediaDropReason | 'unbound' | 'sequence', number>;
}

/**
 * One call's media lane, sans-I/O (docs/architecture.md "Media lane"): binds to the relay's media session
 * with the grant token (BIND retried with backoff until a BIND_ACK, BIND_CHALLENGE answered once per BIND),
 * keeps it alive with KEEPALIVE, seals outgoing frames and opens incoming DATA with the call's
 * per-direction keys under a replay window. Datagrams and `now` in; datagrams, frames and
 * `nextTimeout()` out. `close()` erases the keys and the token. `MediaChannel` is its shell.
 */
export class MediaChannelCore {
  readonly #crypto: LeitungCrypto;
  readonly #keys: MediaKeys;
  readonly #sender: MediaSender;
  readonly #receiver: MediaReceiver;
  readonly #retryMs: number;
  readonly #retryMaxMs: number;
  readonly #attempts: number;
  readonly #keepaliveMs: number;
  #grant: MediaGrant;
  #state: BindState = { kind: 'idle' };
  /** Strictly increasing counter of BIND/KEEPALIVE (session-protocol §4). */
  #counter = 0;
  /** Counter of the last BIND whose challenge was answered: one BIND_CONFIRM per BIND at most. */
  #answeredChallenge = 0;
  #lastSent: number | undefined;
  readonly #audio: AudioFlowWatch;
  readonly stats: MediaChannelStats = {
    sent: 0,
    received: 0,
    dropped: {
      malformed: 0,
      'not-for-us': 0,
      auth: 0,
      replay: 0,
      closed: 0,
      'stale-ack': 0,
      'stale-challenge': 0,
      unbound: 0,
      sequence: 0,
    },
  };

  constructor(options: MediaChannelCoreOptions) {
    if (options.keys.role !== options.grant.side) {
      throw new ClientError(ClientErrorCode.Protocol, 'media grant is for the other side of the call');
    }
    this.#crypto = options.crypto;
    this.#keys = options.keys;
    this.#grant = options.grant;
    this.#sender = new MediaSender(options.crypto, options.keys, options.grant.sessionId);
    this.#receiver = new MediaReceiver(options.crypto, options.keys, options.grant.sessionId);
    this.#retryMs = options.bindRetryMs ?? 200;
    this.#retryMaxMs = options.bindRetryMaxMs ?? 2_000;
    this.#attempts = options.bindAttempts ?? 10;
    this.#keepaliveMs = options.keepaliveIntervalMs ?? 5_000;
    this.#lastSent = options.lastSequence;
    this.#audio = new AudioFlowWatch(options.audioStallMs);
  }

  /** Whether the peer's audio arrives (docs/client.md "Call state"). */
  get audioFlow(): AudioFlow {
    return this.#audio.flow;
  }

  get sessionId(): number {
    return this.#grant.sessionId;
  }

  get bound(): boolean {
    return this.#state.kind === 'bound';
  }

  get failed(): boolean {
    return this.#state.kind === 'failed';
  }

  /** Highest DATA sequence sent so far (CALL_RESUME's `lastSequence`). */
  get lastSentSequence(): number | undefined {
    return this.#lastSent;
  }

  /** Starts (or restarts) binding: returns the first BIND. */
  bind(now: number): Uint8Array[] {
    if (this.#state.kind !== 'idle') return [];
    const first = this.#counter + 1;
    this.#state = { kind: 'binding', attempts: 1, nextAt: now + this.#retryMs, firstCounter: first };
    return [this.#control('BIND', now)];
  }

  /** The local address changed (socket re-created, NAT rebinding): prove the token again from it. */
  addressChanged(now: number): Uint8Array[] {
    if (this.#state.kind !== 'binding' && this.#state.kind !== 'bound') return [];
    const first = this.#counter + 1;
    this.#state = { kind: 'binding', attempts: 1, nextAt: now + this.#retryMs, firstCounter: first };
    return [this.#control('BIND', now)];
  }

  /** The call continues on another relay with a new grant (CALL_RESUME); keys and sequence unchanged. */
  rebind(grant: MediaGrant, now: number): Uint8Array[] {
    if (grant.side !== this.#keys.role) {
      throw new ClientError(ClientErrorCode.Protocol, 'media grant is for the other side of the call');
    }
    if (this.#state.kind === 'closed') return [];
    // The old session's token proves nothing any more (docs/session-protocol.md §4): erase it.
    if (grant.token !== this.#grant.token) zeroize(this.#grant.token);
    this.#grant = grant;
    this.#sender.rebind(grant.sessionId);
    this.#receiver.rebind(grant.sessionId);
    const first = this.#counter + 1;
    this.#state = { kind: 'binding', attempts: 1, nextAt: now + this.#retryMs, firstCounter: first };
    return [this.#control('BIND', now)];
  }

  /** Datagrams due at `now` (BIND retries, KEEPALIVE); `stalled` when the peer's audio just stopped. */
  tick(now: number): { datagrams: Uint8Array[]; failed: boolean; stalled: boolean } {
    const stalled = this.#state.kind !== 'closed' && this.#audio.check(now);
    return { ...this.#bindTick(now), stalled };
  }

  #bindTick(now: number): { datagrams: Uint8Array[]; failed: boolean } {
    const state = this.#state;
    switch (state.kind) {
      case 'binding': {
        if (now < state.nextAt) return { datagrams: [], failed: false };
        if (state.attempts >= this.#attempts) {
          this.#state = { kind: 'failed' };
          return { datagrams: [], failed: true };
        }
        const delay = Math.min(this.#retryMs * 2 ** state.attempts, this.#retryMaxMs);
        this.#state = { ...state, attempts: state.attempts + 1, nextAt: now + delay };
        return { datagrams: [this.#control('BIND', now)], failed: false };
      }
      case 'bound': {
        if (now < state.keepaliveAt) return { datagrams: [], failed: false };
        this.#state = { kind: 'bound', keepaliveAt: now + this.#keepaliveMs };
        return { datagrams: [this.#control('KEEPALIVE', now)], failed: false };
      }
      case 'idle':
      case 'failed':
      case 'closed':
        return { datagrams: [], failed: false };
    }
  }

  nextTimeout(): number | undefined {
    const state = this.#state;
    if (state.kind === 'closed') return undefined;
    const audio = this.#audio.nextCheck();
    const bind =
      state.kind === 'binding' ? state.nextAt : state.kind === 'bound' ? state.keepaliveAt : undefined;
    if (audio === undefined) return bind;
    return bind === undefined ? audio : Math.min(audio, bind);
  }

  /** One datagram from the relay's media port. */
  receive(datagram: Uint8Array, now: number): MediaInput {
    if (this.#state.kind === 'closed' || this.#state.kind === 'idle') return this.#drop('closed');
    let packet: MediaPacket;
    try {
      packet = decodeMediaPacket(datagram);
    } catch {
      return this.#drop('malformed');
    }
    if (packet.sessionId !== this.#grant.sessionId) return this.#drop('not-for-us');
    if (packet.type === 'DATA') {
      // Inline on purpose: the frame path stays within the hop budget (docs/architecture.md "Media lane").
      try {
        const frame = this.#receiver.openPacket(packet);
        this.stats.received += 1;
        return { kind: 'frame', frame, audioStarted: this.#audio.frame(now) };
      } catch (error) {
        if (error instanceof SessionError && error.code === 'SESSION_ERR_MEDIA_REPLAY')
          return this.#drop('replay');
        if (error instanceof SessionError) return this.#drop('auth');
        throw error;
      }
    }
    switch (packet.type) {
      case 'BIND_ACK':
        return this.#onBindAck(packet, now);
      case 'BIND_CHALLENGE':
        return this.#onChallenge(packet, now);
      case 'BIND':
      case 'KEEPALIVE':
      case 'BIND_CONFIRM':
        return this.#drop('not-for-us');
    }
  }

  /** The DATA datagram for `frame`, or undefined when it cannot be sent (closed, not bound, sequence not above the last). */
  send(frame: MediaFrame): Uint8Array | undefined {
    if (this.#state.kind === 'closed') {
      this.stats.dropped.closed += 1;
      return undefined;
    }
    if (this.#state.kind !== 'bound') {
      this.stats.dropped.unbound += 1;
      return undefined;
    }
    // The IV comes from the sequence number: it must never repeat under these keys (packet cipher).
    if (this.#lastSent !== undefined && frame.sequence <= this.#lastSent) {
      this.stats.dropped.sequence += 1;
      return undefined;
    }
    const datagram = this.#sender.seal(frame);
    this.#lastSent = frame.sequence;
    this.stats.sent += 1;
    return datagram;
  }

  get closed(): boolean {
    return this.#state.kind === 'closed';
  }

  /**
   * Stops the channel for good and erases what it holds (forward secrecy, docs/design.md §5 step 4): the
   * packet ciphers, both media keys and the grant token. Sending and receiving are refused after. Idempotent.
   */
  close(): void {
    if (this.#state.kind === 'closed') return;
    this.#state = { kind: 'closed' };
    this.#sender.destroy();
    this.#receiver.destroy();
    this.#keys.destroy();
    zeroize(this.#grant.token);
  }

  #onBindAck(packet: MediaPacket, now: number): MediaInput {
    const state = this.#state;
    if (packet.direction !== directionOf(this.#keys.role)) return this.#drop('not-for-us');
    if (!verifyControlPacket(this.#crypto, this.#grant.token, packet)) return this.#drop('auth');
    if (state.kind !== 'binding') return this.#drop('stale-ack');
    // The ACK must echo a BIND of the current round: an older one may be a delayed or replayed answer.
    if (packet.sequence < state.firstCounter || packet.sequence > this.#counter)
      return this.#drop('stale-ack');
    this.#state = { kind: 'bound', keepaliveAt: now + this.#keepaliveMs };
    return { kind: 'bound', sessionId: this.#grant.sessionId };
  }

  /**
   * The relay saw our BIND from an address it has not confirmed for us (first BIND, new socket, NAT
   * rebinding) and asks us to echo its nonce from there. The challenge is not authenticated, so it is
   * answered only while binding, only for a BIND of the current round and only once per BIND: a forged
   * challenge can cost us one datagram per BIND we sent, never a flood.
   */
  #onChallenge(packet: MediaPacket, now: number): MediaInput {
    const state = this.#state;
    if (packet.direction !== directionOf(this.#keys.role)) return this.#drop('not-for-us');
    if (state.kind !== 'binding') return this.#drop('stale-challenge');
    if (
      packet.sequence < state.firstCounter ||
      packet.sequence > this.#counter ||
      packet.sequence <= this.#answeredChallenge
    )
      return this.#drop('stale-challenge');
    this.#answeredChallenge = packet.sequence;
    this.#counter += 1;
    const confirm = buildBindConfirm(this.#crypto, {
      token: this.#grant.token,
      sessionId: this.#grant.sessionId,
      side: this.#keys.role,
      counter: this.#counter,
      nowMs: now,
      nonce: packet.body,
    });
    return { kind: 'challenged', datagrams: [confirm] };
  }

  #control(kind: 'BIND' | 'KEEPALIVE', now: number): Uint8Array {
    this.#counter += 1;
    return buildControlPacket(this.#crypto, {
      kind,
      token: this.#grant.token,
      sessionId: this.#grant.sessionId,
      side: this.#keys.role,
      counter: this.#counter,
      nowMs: now,
    });
  }

  #drop(reason: MediaDropReason): MediaInput {
    this.stats.dropped[reason] += 1;
    return { kind: 'dropped', reason };
  }
}
