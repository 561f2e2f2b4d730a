/**
 * The relay's UDP media socket (docs/relay.md "Batched media I/O", "Native media plane"): where the addon was built
 * at install and the host is IPv4, the native plane (DATA checked and forwarded on a media thread of the addon's,
 * everything else through the {@link MediaRouter} on the loop) or the batched addon on the loop; node:dgram
 * otherwise. All of them accept, forward and drop exactly the same packets.
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

/**
 * Which media I/O to use: `auto` (default: native where the addon is available and the clock is the wall clock,
 * else batched where available, else dgram), or one of them.
 */
export type MediaIoChoice = MediaIo | 'auto';

/** Whether the batched addon can serve a socket bound to `host` (an IPv4 address) in this process. */
export function batchedMediaAvailable(host: string): boolean {
  return isIPv4(host) && loadNativeMediaAddon() !== undefined;
}

/**
 * Opens the media socket. `native` or `batched` where the addon cannot serve is `RELAY_ERR_UNSUPPORTED`, and so is
 * `native` with an injected clock (the media thread reads the wall clock); `auto` then takes the next path.
 */
export async function openMediaSocket(
  options: MediaSocketOptions,
  io: MediaIoChoice = 'auto',
): Promise<MediaTransport> {
  const addon = io === 'dgram' || !isIPv4(options.host) ? undefined : loadNativeMediaAddon();
  if (io === 'native' && options.now !== undefined && options.now !== Date.now) {
    throw new RelayError(
      RelayErrorCode.Unsupported,
      'the native media plane reads the wall clock; it cannot run with an injected clock',
    );
  }
  if (addon !== undefined) {
    const native =
      io === 'native' || (io === 'auto' && (options.now === undefined || options.now === Date.now));
    return BatchedMediaSocket.open(options, addon, native);
  }
  if (io === 'batched' || io === 'native') {
    throw new RelayError(
      RelayErrorCode.Unsupported,
      `${io} media I/O is not available (addon not built at install, not Linux, or the host is not an IPv4 address)`,
    );
  }
  return DgramMediaSocket.open(options);
}
