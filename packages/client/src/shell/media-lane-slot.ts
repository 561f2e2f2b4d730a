/**
 * The slot for the current call's media lane in the Client shell (docs/architecture.md "Media lane"): it
 * carries out the core's lane decisions (`media:open`, `media:retarget`, `media:close`) by opening, moving
 * and closing one MediaChannel, hands the lane's reports (bound, failed, audio flow) back for the core, and
 * is the frame transport the audio streams use — frames go straight to and from the channel, never
 * through the control core.
 */
import type { LeitungCrypto } from '@leitung/crypto';
import type { MediaGrant } from '@leitung/wire';
import { toHex } from '../bytes.js';
import type { MediaLaneReport } from '../core/call-machine.js';
import type { MediaLaneOutput } from '../core/core-outputs.js';
import type { MediaChannelStats, MediaChannelTiming } from '../media/media-channel-core.js';
import type { MediaTransport } from '../media/media-transport.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { RelayPolicy } from '../relays/relay-policy.js';
import type { MediaTarget, OpenDatagramSocket } from '../transport/client-transport.js';
import { type FrameListener, MediaChannelShell } from './media-channel-shell.js';

export interface MediaLaneSlotOptions {
  readonly crypto: LeitungCrypto;
  readonly now: () => number;
  readonly timing?: MediaChannelTiming | undefined;
  /** The relay media address a grant points to (pinned relays only), or undefined when there is none. */
  readonly target: (grant: MediaGrant) => MediaTarget | undefined;
  /** What the lane reports, for the core (which owns the call state). */
  readonly report: (callId: string, report: MediaLaneReport) => void;
  /** Opens a lane's media socket (the client transport's). */
  readonly openSocket: OpenDatagramSocket;
}

export class MediaLaneSlot {
  readonly #o: MediaLaneSlotOptions;
  /** Listeners of every `transport()`, shared with each call's MediaChannel. */
  readonly #listeners = new Set<FrameListener>();
  #lane: { readonly callId: string; readonly channel: MediaChannelShell } | undefined;

  constructor(options: MediaLaneSlotOptions) {
    this.#o = options;
  }

  /** Sent, received and dropped counts of the current call's lane. */
  get stats(): MediaChannelStats | undefined {
    return this.#lane?.channel.stats;
  }

  /** Highest DATA sequence the lane of `callId` sent (CALL_RESUME's `lastSequence`). */
  lastSentSequence(callId: string): number | undefined {
    return this.#lane?.callId === callId ? this.#lane.channel.lastSentSequence : undefined;
  }

  /** Carries out one lane decision of the core. */
  apply(output: MediaLaneOutput): void {
    switch (output.kind) {
      case 'media:open':
        this.#open(output.callId, output.keys, output.grant);
        return;
      case 'media:retarget':
        this.#retarget(output.callId, output.grant);
        return;
      case 'media:close':
        if (this.#lane?.callId === output.callId) this.close();
        return;
    }
  }

  /**
   * The current call's channel. Senders call its `send` directly: a frame's way to the socket stays within
   * the hop budget (docs/architecture.md "Media lane").
   */
  get channel(): MediaChannelShell | undefined {
    return this.#lane?.channel;
  }

  /**
   * A frame transport over this slot, for the current call and later ones (structurally @leitung/audio's
   * FrameTransport). Its `close` only unsubscribes; listeners may subscribe before a call is up.
   */
  transport(): MediaTransport {
    const mine = new Set<FrameListener>();
    let closed = false;
    return {
      send: (frame) => {
        if (!closed) this.#lane?.channel.send(frame);
      },
      onFrame: (listener) => {
        if (closed) return () => undefined;
        mine.add(listener);
        this.#listeners.add(listener);
        return () => {
          mine.delete(listener);
          this.#listeners.delete(listener);
        };
      },
      close: () => {
        closed = true;
        for (const listener of mine) this.#listeners.delete(listener);
        mine.clear();
      },
    };
  }

  /** A new local socket for the lane, bound again (what a NAT rebinding looks like to the relay). */
  rebind(): void {
    this.#lane?.channel.rebindSocket();
  }

  /** Closes the current lane (keys and token erased). */
  close(): void {
    this.#lane?.channel.close();
    this.#lane = undefined;
  }

  #open(
    callId: string,
    keys: Extract<MediaLaneOutput, { kind: 'media:open' }>['keys'],
    grant: MediaGrant,
  ): void {
    this.close();
    // The call may have ended in the same batch of outputs (its keys are erased then): no lane.
    if (keys.destroyed) return;
    const target = this.#o.target(grant);
    if (target === undefined) {
      this.#o.report(callId, { kind: 'failed' });
      return;
    }
    const channel = new MediaChannelShell(
      {
        ...this.#o.timing,
        crypto: this.#o.crypto,
        keys,
        grant,
        target,
        now: this.#o.now,
        listeners: this.#listeners,
        onBound: (sessionId) => this.#o.report(callId, { kind: 'bound', sessionId }),
        onFailed: () => this.#o.report(callId, { kind: 'failed' }),
        onAudio: (flow) => this.#o.report(callId, { kind: 'audio', flow }),
      },
      this.#o.openSocket,
    );
    this.#lane = { callId, channel };
  }

  /** A later grant (CALL_RESUME): the lane moves to that relay and binds again with the same keys. */
  #retarget(callId: string, grant: MediaGrant): void {
    const lane = this.#lane;
    if (lane?.callId !== callId) return;
    const target = this.#o.target(grant);
    if (target === undefined) {
      this.#o.report(callId, { kind: 'failed' });
      return;
    }
    lane.channel.retarget(grant, target);
  }
}

/**
 * Where a call's media goes: the relay a cluster's MEDIA_GRANT named (looked up by fingerprint in the
 * pinned relay list: never an address from the protocol), else the relay of the control connection.
 */
export function mediaTargetOf(
  grant: MediaGrant,
  policy: Pick<RelayPolicy, 'mediaTarget'>,
  controlRelay: RelayEntry | undefined,
): MediaTarget | undefined {
  const named = grant.mediaRelay === undefined ? undefined : toHex(grant.mediaRelay);
  const relay = policy.mediaTarget(named, controlRelay);
  if (relay === undefined) return undefined;
  return {
    host: relay.host,
    port: relay.mediaPort,
    ...(relay.webSocket === undefined ? {} : { webSocket: relay.webSocket }),
  };
}
