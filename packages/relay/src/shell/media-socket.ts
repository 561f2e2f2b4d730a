/**
 * The relay's UDP media socket (docs/relay.md "Batched media I/O"): the batched addon (recvmmsg/sendmmsg) where it
 * was built at install and the host is IPv4, node:dgram otherwise. Both run every datagram through the same
 * {@link MediaRouter}, so they accept, forward and drop exactly the same packets.
 */
import { isIPv4 } from 'node:net';
import { RelayError, RelayErrorCode } from '../errors.js';
import { BatchedMediaSocket } from './batched-media-socket.js';
import {
  DgramMediaSocket,
  type MediaIo,
  type MediaSocketOptions,
  type MediaTransport,
} from './dgram-media-socket.js';
import { loadNativeMediaAddon } from './native-media-addon.js';

export type { MediaIo, MediaSocketOptions, MediaTransport } from './dgram-media-socket.js';
export { MEDIA_SOCKET_BUFFER_BYTES } from './dgram-media-socket.js';

/** Which media I/O to use: `auto` (batched where available, default), or one of them. */
export type MediaIoChoice = MediaIo | 'auto';

/** Whether the batched addon can serve a socket bound to `host` (an IPv4 address) in this process. */
export function batchedMediaAvailable(host: string): boolean {
  return isIPv4(host) && loadNativeMediaAddon() !== undefined;
}

/**
 * Opens the media socket. `batched` where the addon cannot serve is `RELAY_ERR_UNSUPPORTED`; `auto` then takes
 * node:dgram.
 */
export async function openMediaSocket(
  options: MediaSocketOptions,
  io: MediaIoChoice = 'auto',
): Promise<MediaTransport> {
  const addon = io === 'dgram' || !isIPv4(options.host) ? undefined : loadNativeMediaAddon();
  if (addon !== undefined) return BatchedMediaSocket.open(options, addon);
  if (io === 'batched') {
    throw new RelayError(
      RelayErrorCode.Unsupported,
      'batched media I/O is not available (addon not built at install, not Linux, or the host is not an IPv4 address)',
    );
  }
  return DgramMediaSocket.open(options);
}
