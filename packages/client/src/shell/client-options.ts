/**
 * What a Client is configured with and what it emits (docs/client.md "Events", "Defaults"). The events are
 * the core's (core/events.ts) plus the relay policy's and the security monitor's, all named `noun:verb`;
 * the options are passed on to the ClientCore and the relay policy as they are.
 */
import type { LeitungCrypto, RsaPrivateKey } from '@leitung/crypto';
import type { ClientCoreOptions } from '../core/client-core.js';
import type { ClientStore } from '../core/client-store.js';
import type { CoreTiming } from '../core/core-timing.js';
import type { CoreEvent, CoreEventType } from '../core/events.js';
import type { MediaChannelTiming } from '../media/media-channel-core.js';
import type { SecurityFinding, SecurityMonitor } from '../monitor/security-monitor.js';
import type { BackoffOptions } from '../relays/backoff.js';
import type { ClientRelayManagerOptions } from '../relays/client-relay-manager.js';
import type { RelayProbe } from '../relays/probe-result.js';
import type { RelayLostEvent, RelaySwitchedEvent } from '../relays/relay-actions.js';
import type { RelayEntry } from '../relays/relay-entry.js';
import type { RelaySelectorOptions } from '../relays/relay-selector.js';
import type { ClientTransport } from '../transport/client-transport.js';
import { type IdentityKeyHolder, isKeyHolder } from './identity-holder.js';

/**
 * Every event of the Client, by name, with its payload (docs/client.md "Events"): the core's events
 * (`CoreEvent`) plus `relay:switched`, `relay:lost` and `security:finding`. `client.on(name, listener)`
 * is typed by it.
 */
export type ClientEvents = { [K in CoreEventType]: [Extract<CoreEvent, { type: K }>] } & {
  'relay:switched': [RelaySwitchedEvent];
  'relay:lost': [RelayLostEvent];
  'security:finding': [SecurityFinding];
};

/**
 * What a {@link Client} is built with (`setupClient` fills the identity, store and persistence from the
 * vault). Defaults as in docs/client.md "Defaults".
 */
export interface ClientOptions {
  /**
   * The client's RSA-4096 identity: the private key, or an {@link IdentityKeyHolder} that runs its
   * operations where the key is held (a page's non-extractable WebCrypto key: docs/client.md "Identity
   * held elsewhere").
   */
  readonly identity: RsaPrivateKey | IdentityKeyHolder;
  /** The name to register (NFC-normalised; must pass the directory's name policy). */
  readonly name: string;
  /** Relay-list entries `{host, port, mediaPort, fingerprint}`. */
  readonly relays: readonly RelayEntry[];
  /**
   * Cryptography and randomness (default: the entry point's — `createCrypto()` of @leitung/crypto in Node,
   * its node-free backend in `@leitung/client/browser`; docs/client.md "Entry points").
   */
  readonly crypto?: LeitungCrypto;
  /** Tree heads and pinned contacts (a SecureVault, or in memory by default). */
  readonly store?: ClientStore;
  /** Writes the store to disk after changes (e.g. `() => vault.save()`). */
  readonly persist?: () => Promise<void>;
  /** Codec ids offered in calls, preference order (default Opus 2, PCM16 1: @leitung/audio's ids). */
  readonly codecs?: readonly number[];
  /** Handshake, request, ring, keepalive and resume timeouts. */
  readonly timing?: CoreTiming;
  /** The media lane's BIND retries, KEEPALIVE period and audio-stall threshold. */
  readonly media?: MediaChannelTiming;
  /** Relay ranking thresholds and hysteresis. */
  readonly relaySelection?: RelaySelectorOptions;
  /** Delays between registration attempts (250 ms doubling to 15 s, with jitter). */
  readonly backoff?: BackoffOptions;
  /**
   * How relays are reached (docs/client.md "Transports"): TCP + UDP by default in Node, WebSockets by default
   * in `@leitung/client/browser`; `createWebSocketTransport()` for WebSockets (every relay entry then needs
   * `webSocket`).
   */
  readonly transport?: ClientTransport;
  /** How a relay is probed (default: unsealed PING/PONG over the transport's control channel). */
  readonly probe?: RelayProbe;
  /** How long a relay probe may take (default 2 000 ms). */
  readonly probeTimeoutMs?: number;
  /** Re-probe period; a clearly better relay is switched to while no call is up. 0 = never (default 30 000). */
  readonly probeIntervalMs?: number;
  /** How long a failed relay is ranked last (default 10 000 ms). */
  readonly failurePenaltyMs?: number;
  /** Registration attempts `start()` makes before CLIENT_ERR_NO_RELAY (default 3 per relay). */
  readonly startAttempts?: number;
  /** Started by `start()`, stopped by `close()`; its findings are re-emitted as `security:finding`. */
  readonly monitor?: SecurityMonitor;
  /** Wall clock in ms (default Date.now); call data freshness is checked against it. */
  readonly now?: () => number;
}

/** Options of the Client's asynchronous commands (`start`, `lookup`, `call`, `rotateKey`). */
export interface CallOptions {
  /** Aborts the command: it rejects with CLIENT_ERR_ABORTED (an aborted `call` hangs up). */
  readonly signal?: AbortSignal;
}

/** Options of `prepareCall` (docs/client.md "Offers prepared before the dial"). */
export interface PrepareCallOptions {
  /**
   * The call is all but placed — its button pressed, not yet released: send the callee's key lookup now
   * too, so that a `call` within 1 s of its answer does not wait for one. Default false: only the offer.
   */
  readonly lookup?: boolean;
}

/** The ClientCore's options from the Client's. */
export function coreOptionsOf(
  options: ClientOptions,
  crypto: LeitungCrypto,
  lastSentSequence: (callId: string) => number | undefined,
): ClientCoreOptions {
  const identity = options.identity;
  return {
    crypto,
    ...(isKeyHolder(identity) ? { heldIdentity: identity.publicKey } : { identity }),
    name: options.name,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.codecs === undefined ? {} : { codecs: options.codecs }),
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    lastSentSequence,
    // The shell carries out `deferred` outputs (client-shell.ts): key work overlaps the lookups it follows.
    deferredOutputs: true,
  };
}

/** The relay policy's options from the Client's. */
export function relayManagerOptionsOf(options: ClientOptions, probe: RelayProbe): ClientRelayManagerOptions {
  return {
    relays: options.relays,
    probe,
    ...(options.relaySelection === undefined ? {} : { selection: options.relaySelection }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.probeTimeoutMs === undefined ? {} : { probeTimeoutMs: options.probeTimeoutMs }),
    ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
    ...(options.failurePenaltyMs === undefined ? {} : { failurePenaltyMs: options.failurePenaltyMs }),
    ...(options.startAttempts === undefined ? {} : { startAttempts: options.startAttempts }),
  };
}
