import { requireBytes } from '../argument-checks.js';
import { FrameError } from '../errors.js';
import { FRAME_HEADER_SIZE, type FrameOptions, resolveMaxFrameSize } from './frame-limits.js';

/**
 * Prefixes `payload` with its 4-byte big-endian length (docs/design.md §3). Applies the same rules as the
 * decoder, so nothing is sent that the peer would refuse: an empty payload gives WIRE_ERR_FRAME_EMPTY,
 * one above `maxFrameSize` gives WIRE_ERR_FRAME_TOO_LARGE.
 */
export function encodeFrame(payload: Uint8Array, options?: FrameOptions): Uint8Array {
  const maxFrameSize = resolveMaxFrameSize(options);
  requireBytes(payload, 'payload');
  if (payload.length === 0) throw new FrameError('WIRE_ERR_FRAME_EMPTY', 'frame payload is empty');
  if (payload.length > maxFrameSize) {
    throw new FrameError(
      'WIRE_ERR_FRAME_TOO_LARGE',
      `frame payload of ${payload.length} bytes exceeds the maximum of ${maxFrameSize}`,
    );
  }
  const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length, false);
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}
