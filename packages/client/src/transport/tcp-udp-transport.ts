/**
 * The Node transport (docs/client.md "Transports"): a TCP control connection framed with wire's 4-byte
 * length header (docs/protocol.md §2) and a connected UDP socket per call's media lane.
 */
import { ControlConnection } from '../shell/control-connection.js';
import { openMediaSocket, warmUpMediaSocket } from '../shell/media-socket.js';
import type { ClientTransport } from './client-transport.js';

/** TCP for control, UDP for media: the default `ClientOptions.transport` on Node. */
export const tcpUdpTransport: ClientTransport = Object.freeze<ClientTransport>({
  name: 'tcp-udp',
  supports: () => true,
  openControl: (relay, handlers, framing) => new ControlConnection(relay, handlers, framing),
  openMedia: openMediaSocket,
  // A socket per lane, opened when the grant names the relay; the hint only warms the process's UDP path.
  prepareMedia: warmUpMediaSocket,
});
