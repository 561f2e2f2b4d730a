import { requireBytes } from '../argument-checks.js';
import { FrameError } from '../errors.js';
import { FRAME_HEADER_SIZE, type FrameOptions, resolveMaxFrameSize } from './frame-limits.js';

/**
 * Smallest buffer reserved for a frame body that does not arrive in one chunk. Typical control
 * messages fit, so they need one allocation.
 */
const MIN_BODY_RESERVE = 4096;

/**
 * Sans-I/O decoder for the control stream's framing: a 4-byte big-endian length, then that many
 * payload bytes (docs/design.md §3).
 *
 * Feed it whatever the transport delivers — one byte, many frames, frames split anywhere — and it
 * returns the frames that became complete. The length header alone decides whether a frame is
 * acceptable: a zero length gives WIRE_ERR_FRAME_EMPTY and a length above `maxFrameSize` gives
 * WIRE_ERR_FRAME_TOO_LARGE as soon as the fourth header byte arrives, before any body byte is
 * buffered. Memory held for a partial frame never exceeds its announced length and grows with the
 * bytes actually received (at most max(4 KiB, 2 × received)), so a peer that announces a large
 * frame and then stalls pins little memory; the shell's partial-frame timeout
 * ({@link FrameDecoder.hasPartialFrame}) ends such stalls.
 *
 * After an error the decoder is poisoned: the stream has lost its frame boundaries, so every later
 * {@link FrameDecoder.push} throws the same error and the connection must be closed. Frames that
 * completed earlier in the failing chunk are dropped with it; nothing more from that peer is trusted.
 */
export class FrameDecoder {
  /** Largest payload this decoder accepts, in bytes. */
  readonly maxFrameSize: number;

  readonly #header = new Uint8Array(FRAME_HEADER_SIZE);
  #headerFilled = 0;
  /** Announced length of the frame being assembled, once its header is complete. */
  #bodyLength: number | undefined;
  #body: Uint8Array | undefined;
  #bodyFilled = 0;
  #error: FrameError | undefined;

  constructor(options?: FrameOptions) {
    this.maxFrameSize = resolveMaxFrameSize(options);
  }

  /** Bytes received but not yet returned as part of a frame (header bytes included). */
  get bufferedBytes(): number {
    if (this.#bodyLength === undefined) return this.#headerFilled;
    return FRAME_HEADER_SIZE + this.#bodyFilled;
  }

  /** Bytes currently reserved for the frame being assembled (diagnostic for memory accounting). */
  get reservedBytes(): number {
    return this.#body?.length ?? 0;
  }

  /** True while part of a frame (even one header byte) has arrived but the frame is not complete. */
  get hasPartialFrame(): boolean {
    return this.bufferedBytes > 0;
  }

  /** Payload length announced by the header of the frame being assembled, if the header is complete. */
  get expectedFrameSize(): number | undefined {
    return this.#bodyLength;
  }

  /** The error that poisoned this decoder, if any. */
  get error(): FrameError | undefined {
    return this.#error;
  }

  /**
   * Consumes `chunk` (of any size, including empty) and returns every frame payload it completed, in
   * order. Each payload is a fresh Uint8Array owned by the caller. Throws {@link FrameError} on a
   * framing violation, and the same error again on every later call.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#error !== undefined) throw this.#error;
    requireBytes(chunk, 'chunk');
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#bodyLength === undefined) {
        const take = Math.min(FRAME_HEADER_SIZE - this.#headerFilled, chunk.length - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFilled);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < FRAME_HEADER_SIZE) break;
        this.#bodyLength = this.#checkHeader();
        this.#headerFilled = 0;
      }
      offset = this.#takeBody(chunk, offset, this.#bodyLength);
      if (this.#bodyFilled === this.#bodyLength) {
        frames.push(this.#body!);
        this.#body = undefined;
        this.#bodyFilled = 0;
        this.#bodyLength = undefined;
      }
    }
    return frames;
  }

  /** Validates the complete header; the limit is enforced here, before any body byte is kept. */
  #checkHeader(): number {
    const h = this.#header;
    const length = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
    if (length === 0) this.#fail(new FrameError('WIRE_ERR_FRAME_EMPTY', 'frame header announces 0 bytes'));
    if (length > this.maxFrameSize) {
      this.#fail(
        new FrameError(
          'WIRE_ERR_FRAME_TOO_LARGE',
          `frame header announces ${length} bytes, above the maximum of ${this.maxFrameSize}`,
        ),
      );
    }
    return length;
  }

  /** Copies as much of the body as `chunk` holds; returns the new offset. */
  #takeBody(chunk: Uint8Array, offset: number, length: number): number {
    const take = Math.min(length - this.#bodyFilled, chunk.length - offset);
    if (take === 0) return offset;
    const needed = this.#bodyFilled + take;
    if (this.#body === undefined || this.#body.length < needed) {
      // Grow with what has arrived, never beyond the announced length (see class comment).
      const capacity = Math.min(length, Math.max(needed, 2 * (this.#body?.length ?? 0), MIN_BODY_RESERVE));
      const grown = new Uint8Array(capacity);
      if (this.#body !== undefined) grown.set(this.#body.subarray(0, this.#bodyFilled));
      this.#body = grown;
    }
    this.#body.set(chunk.subarray(offset, offset + take), this.#bodyFilled);
    this.#bodyFilled = needed;
    return offset + take;
  }

  #fail(error: FrameError): never {
    this.#error = error;
    this.#header.fill(0);
    this.#headerFilled = 0;
    this.#body = undefined;
    this.#bodyFilled = 0;
    this.#bodyLength = undefined;
    throw error;
  }
}
