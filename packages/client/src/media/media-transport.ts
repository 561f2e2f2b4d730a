/**
 * The frame transport @leitung/audio defines (its frame-transport.ts), matched structurally: the client
 * does not import audio (docs/design.md §1), yet a Client's `mediaTransport()` can be handed to audio's send and
 * receive streams as is. Frames are authenticated and decrypted before delivery; the transport neither
 * reorders nor deduplicates beyond the replay window (the jitter buffer does).
 */
import type { MediaFrame } from '@leitung/session';

export type { MediaFrame };

/**
 * A call's frame transport (`Client.mediaTransport()`): hand it to @leitung/audio's send and receive
 * streams as is (structurally its `FrameTransport`). Frames are delivered authenticated and decrypted,
 * straight from the media lane to the listeners — they are not events (docs/architecture.md "Media lane").
 */
export interface MediaTransport {
  /** Hands one frame to the network; returns at once, may drop (e.g. before the media session is bound). */
  send(frame: MediaFrame): void;
  /** Subscribes to received frames; returns the function that unsubscribes. */
  onFrame(listener: (frame: MediaFrame) => void): () => void;
  /** Stops delivery to this transport's listeners; idempotent. Does not end the call. */
  close(): void;
}
