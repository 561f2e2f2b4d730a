/**
 * @packageDocumentation
 * `@leitung/client/core` — the parts the `Client` shell is built from, for people who write their own
 * shell: run the client protocol inside another event loop, deterministically in tests (one process, a
 * fake clock), or over sockets the Client does not own. An application that calls through
 * `@leitung/client` needs none of this (docs/client.md "Layers"; docs/architecture.md "Cores and shells").
 *
 * - {@link ClientCore}: the whole control protocol, sans-I/O — inputs return {@link CoreOutput}s in order,
 *   commands that settle later return a {@link CommandResult} under the shell's handle, `nextTimeout()`
 *   says when `tick` is due. Its store is a {@link ClientStore}.
 * - The media lane (docs/architecture.md "Media lane"): {@link MediaChannelCore} (sans-I/O BIND, KEEPALIVE,
 *   packet cipher, replay window) and {@link MediaChannel}, its shell with socket and timers, opened on the
 *   core's `media:open` output; {@link OpenDatagramSocket} lets a shell bring its own UDP sockets.
 * - Relay management (docs/client.md "Relays: choice, failover, resume"): {@link RelayPolicy} (sans-I/O,
 *   returns {@link RelayAction}s), {@link RelaySelector}, {@link Backoff}, and {@link ClientRelayManager},
 *   which pairs the policy with the {@link probeRelay} prober.
 * - Transports (docs/client.md "Transports"): {@link ClientTransport} — control channels and media sockets —
 *   with {@link tcpUdpTransport} (the default) and the WebSocket transport's types
 *   (`createWebSocketTransport` itself is on the root).
 */
export type { MediaLaneReport } from './core/call-machine.js';
export type { CallStateName } from './core/call-state.js';
export {
  ClientCore,
  type ClientCoreOptions,
  type ClientCoreSettings,
  type CoreIdentity,
} from './core/client-core.js';
export type { ClientStore, PinnedContact } from './core/client-store.js';
export type { CommandResult, CoreOutput, MediaLaneOutput } from './core/core-outputs.js';
export type { CoreTiming } from './core/core-timing.js';
export {
  MediaChannelCore,
  type MediaChannelCoreOptions,
  type MediaChannelTiming,
  type MediaInput,
} from './media/media-channel-core.js';
export { Backoff, type BackoffOptions } from './relays/backoff.js';
export { ClientRelayManager, type ClientRelayManagerOptions } from './relays/client-relay-manager.js';
export type { ProbeOutcome, RelayAction } from './relays/relay-actions.js';
export { logIdOfEntry } from './relays/relay-entry.js';
export { RelayPolicy, type RelayPolicyOptions } from './relays/relay-policy.js';
export { loadOf, RelaySelector, type RelaySelectorOptions } from './relays/relay-selector.js';
export { type FrameListener, MediaChannel, type MediaChannelOptions } from './shell/media-channel.js';
export { type ProbeResult, probeRelay, type RelayProbe } from './shell/relay-prober.js';
export type {
  ClientTransport,
  ControlChannel,
  ControlChannelHandlers,
  DatagramSocket,
  MediaTarget,
  OpenDatagramSocket,
} from './transport/client-transport.js';
export { tcpUdpTransport } from './transport/tcp-udp-transport.js';
export type {
  WebSocketConstructor,
  WebSocketLike,
  WebSocketTransportOptions,
} from './transport/web-socket-transport.js';
