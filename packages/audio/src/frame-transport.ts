/**
 * The frame transport this package needs, defined here so that audio knows nothing of sockets or keys
 * (docs/design.md §1). The client's media channel implements it structurally over encrypted UDP; tests use
 * an in-memory one (impaired-link.ts).
 *
 * Contract:
 * - `send` hands one frame to the network and returns at once; it never blocks and may drop.
 * - Frames reach `onFrame` listeners in any order, possibly duplicated, possibly never. The transport
 *   neither reorders nor deduplicates; the jitter buffer does.
 * - `sequence` is a uint32 that grows by one per frame sent; `timestamp` is a uint32 on the 48 kHz
 *   media clock that grows by 960 per 20 ms frame, also across frames not sent (DTX), as in RTP
 *   (RFC 3550 §5.1, RFC 7587 §4.1). Both wrap modulo 2^32. A transport whose header holds fewer bits
 *   must extend them to 32 before delivery.
 * - `payload` is opaque to the transport: one codec id byte, then the codec's bytes (packetizer.ts).
 *
 * The same shape as @leitung/session's `MediaFrame` (which @leitung/client hands out): this package is a
 * leaf and imports neither, and TypeScript's structural types make the two interchangeable.
 */
export interface MediaFrame {
  readonly sequence: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

/**
 * The network under an audio stream, as the audio layer needs it: send a frame, subscribe to received frames,
 * close. See {@link MediaFrame} for the contract on ordering, loss and numbering. The client's media channel
 * implements it over encrypted UDP; `@leitung/audio/testing` has in-memory ones.
 */
export interface FrameTransport {
  send(frame: MediaFrame): void;
  /** Subscribes to received frames; returns the function that unsubscribes. */
  onFrame(listener: (frame: MediaFrame) => void): () => void;
  /** Stops delivery and releases the transport; idempotent. */
  close(): void;
}
