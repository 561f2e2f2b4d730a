/**
 * How a Client reaches relays (docs/client.md "Transports"): a control channel carrying frame payloads and,
 * per call, a media socket carrying datagrams. TCP + UDP on Node (tcp-udp-transport.ts), WebSockets where
 * only those exist (web-socket-transport.ts). The protocol above does not change: the ClientCore sends and
 * receives the same payloads, the MediaChannel the same datagrams (docs/protocol.md "WebSocket transport").
 * Interfaces only, no `node:*` import, so browser code can name them.
 */
import type { FrameOptions } from '@leitung/wire';
import type { RelayEntry } from '../relays/relay-entry.js';

/** What a control channel reports to the Client shell. */
export interface ControlChannelHandlers {
  /** The channel is open: the core may send REGISTER. */
  onOpen(): void;
  /** One complete frame payload. */
  onFrame(payload: Uint8Array): void;
  /** Called once, whatever the cause; `code` is a framing or socket error code when there was one. */
  onClose(code: string | undefined): void;
}

/** An open (or opening) control channel to one relay: frame payloads out, `close` when done. */
export interface ControlChannel {
  /** Sends one frame payload (framing, if any, is the channel's). Ignored once closed. */
  send(payload: Uint8Array): void;
  /** Stops handling frames at once; frames sent just before still go out. */
  close(): void;
}

/** Where a call's media goes: the media address of the relay that issued the grant. */
export interface MediaTarget {
  /** Host name or IP address of the relay. */
  readonly host: string;
  /** The relay's media (UDP) port. */
  readonly port: number;
  /** The relay's WebSocket base URL, when its entry has one (docs/protocol.md "WebSocket transport"). */
  readonly webSocket?: string;
}

/** One call's media socket, as the MediaChannel uses it. */
export interface DatagramSocket {
  /** Sends one media packet; dropped when the socket cannot take it now (media is loss-tolerant). */
  send(data: Uint8Array): void;
  close(): void;
}

/** Opens a media socket to `target` that hands each received datagram to `onDatagram`. */
export type OpenDatagramSocket = (
  target: MediaTarget,
  onDatagram: (data: Uint8Array) => void,
) => DatagramSocket;

/**
 * A way to reach relays (`ClientOptions.transport`): control channels, media sockets, and which relay
 * entries it can reach at all. The default is TCP + UDP; `createWebSocketTransport` gives WebSockets.
 */
export interface ClientTransport {
  /** `tcp-udp`, `websocket`, or a name of your own (shown in diagnostics). */
  readonly name: string;
  /** True when `relay` can be reached this way (e.g. a WebSocket transport needs the entry's `webSocket`). */
  supports(relay: RelayEntry): boolean;
  /**
   * Opens a control channel to `relay`; `framing` caps the frame size (the prober takes less). `purpose`
   * says what it is for: a `probe` (one PING, then closed) never takes a connection `prepareControl` opened,
   * which is kept for the registration (the default).
   */
  openControl(
    relay: RelayEntry,
    handlers: ControlChannelHandlers,
    framing?: FrameOptions,
    purpose?: 'registration' | 'probe',
  ): ControlChannel;
  /** Opens one call's media socket. */
  readonly openMedia: OpenDatagramSocket;
  /**
   * A call is starting and will likely need media at `target` (the control relay's): the transport may
   * open the socket now, so that `openMedia` for the same target finds it ready (docs/client.md
   * "Transports": the WebSocket transport connects its `/media` leg ahead, taking TCP and the HTTP upgrade
   * off the call's setup). Optional; a hint only.
   */
  prepareMedia?(target: MediaTarget): void;
  /** The call ended: close what `prepareMedia` opened and no call took. */
  releasePreparedMedia?(): void;
  /**
   * The client is about to register with `relay` (it is being probed): the transport may open the control
   * connection now, so that `openControl` for it finds it open (docs/client.md "Transports"). Optional; a
   * hint only. An untaken connection is closed by a hint for another relay, or after 10 s.
   */
  prepareControl?(relay: RelayEntry): void;
  /** Registered (or closing): close what `prepareControl` opened and no registration took. */
  releasePreparedControl?(): void;
}
