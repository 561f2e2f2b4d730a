/** Limits of the stream framing (docs/design.md §3; docs/protocol.md "Framing"). */
import { resolveIntegerOption } from '../argument-checks.js';

/** Bytes of the big-endian length header in front of every frame. */
export const FRAME_HEADER_SIZE = 4;

/** Default largest accepted payload, in bytes (64 KiB). */
export const DEFAULT_MAX_FRAME_SIZE = 65_536;

/** The largest length a 4-byte header can announce; no configuration may exceed it. */
export const FRAME_LENGTH_LIMIT = 0xffff_ffff;

/** Options shared by {@link FrameDecoder} and {@link encodeFrame}. */
export interface FrameOptions {
  /** Largest payload accepted, in bytes, 1 … 2^32 − 1. Default {@link DEFAULT_MAX_FRAME_SIZE}. */
  maxFrameSize?: number;
}

export function resolveMaxFrameSize(options: FrameOptions | undefined): number {
  return resolveIntegerOption(
    options?.maxFrameSize,
    DEFAULT_MAX_FRAME_SIZE,
    1,
    FRAME_LENGTH_LIMIT,
    'maxFrameSize',
  );
}
