/**
 * The media lane of one call over a connected UDP socket (docs/architecture.md "Media lane"): the
 * transport-neutral MediaChannelShell with Node's UDP socket as its default, as `@leitung/client/core`
 * offers it to shells of their own.
 */
import { type MediaChannelOptions, MediaChannelShell } from './media-channel-shell.js';
import { openMediaSocket } from './media-socket.js';

export type { FrameListener, MediaChannelOptions } from './media-channel-shell.js';

/**
 * One call's media lane with its own socket and timers (docs/architecture.md "Media lane"): a
 * MediaChannelCore driven by BIND-retry and KEEPALIVE timers over a connected UDP socket (or the socket
 * `options.openSocket` opens). A shell opens it on `media:open`, calls `retarget` on `media:retarget` and
 * `close` on `media:close`, and passes `onBound`/`onFailed`/`onAudio` back to `ClientCore.mediaLane`. It is
 * the call's frame transport: `send` seals a frame, listeners get received frames. `close()` erases the
 * keys and the grant token.
 */
export class MediaChannel extends MediaChannelShell {
  constructor(options: MediaChannelOptions) {
    super(options, openMediaSocket);
  }
}
