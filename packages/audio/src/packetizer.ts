/**
 * Framing of codec output into transport frames and back. The payload is one codec id byte followed by
 * the codec bytes: sequence number and timestamp already travel in the media header (docs/design.md §5), so
 * one byte is all the per-frame overhead this layer adds.
 */
import { FRAME_SAMPLES } from './audio-format.js';
import { CODEC_IDS, type CodecId, type EncodedFrame } from './codec.js';
import { AudioError } from './errors.js';
import type { MediaFrame } from './frame-transport.js';
import { isUint32, wrapUint32 } from './serial-number.js';

/** Largest payload accepted: the codec id plus libopus's maximum packet buffer (4000 bytes). */
export const MAX_PAYLOAD_BYTES = 4001;

const KNOWN_IDS: ReadonlySet<number> = new Set(Object.values(CODEC_IDS));

/** A transport payload split into its codec id and the codec bytes (a view into the payload, not a copy). */
export interface DecodedPayload {
  readonly codecId: CodecId;
  readonly data: Uint8Array;
}

/**
 * Builds a transport payload: the codec id byte followed by the codec bytes. Throws AUDIO_ERR_UNKNOWN_CODEC for
 * an id not in `CODEC_IDS` and AUDIO_ERR_INVALID_PAYLOAD for empty data or more than 4000 bytes.
 */
export function encodePayload(codecId: CodecId, data: Uint8Array): Uint8Array {
  if (!KNOWN_IDS.has(codecId)) throw new AudioError('AUDIO_ERR_UNKNOWN_CODEC', `unknown codec id ${codecId}`);
  if (!(data instanceof Uint8Array) || data.length === 0 || data.length + 1 > MAX_PAYLOAD_BYTES) {
    throw new AudioError('AUDIO_ERR_INVALID_PAYLOAD', 'codec data must be 1–4000 bytes');
  }
  const payload = new Uint8Array(data.length + 1);
  payload[0] = codecId;
  payload.set(data, 1);
  return payload;
}

/** Splits a received payload; throws AUDIO_ERR_INVALID_PAYLOAD or AUDIO_ERR_UNKNOWN_CODEC. */
export function decodePayload(payload: Uint8Array): DecodedPayload {
  if (!(payload instanceof Uint8Array) || payload.length < 2 || payload.length > MAX_PAYLOAD_BYTES) {
    throw new AudioError('AUDIO_ERR_INVALID_PAYLOAD', 'a payload is a codec id byte plus 1–4000 codec bytes');
  }
  const id = payload[0]!;
  if (!KNOWN_IDS.has(id)) throw new AudioError('AUDIO_ERR_UNKNOWN_CODEC', `unknown codec id ${id}`);
  return { codecId: id as CodecId, data: payload.subarray(1) };
}

/**
 * The codec a {@link Packetizer} frames for, and its first sequence number and timestamp (both uint32, default
 * 0).
 */
export interface PacketizerOptions {
  readonly codecId: CodecId;
  /** First sequence number (uint32); default 0. */
  readonly initialSequence?: number;
  /** First timestamp (uint32, 48 kHz clock); default 0. */
  readonly initialTimestamp?: number;
}

/** Numbers consecutive frames: sequence +1 per frame sent, timestamp +960 per frame encoded. */
export class Packetizer {
  readonly codecId: CodecId;
  #sequence: number;
  #timestamp: number;

  constructor(options: PacketizerOptions) {
    const { codecId, initialSequence = 0, initialTimestamp = 0 } = options;
    if (!KNOWN_IDS.has(codecId))
      throw new AudioError('AUDIO_ERR_UNKNOWN_CODEC', `unknown codec id ${codecId}`);
    if (!isUint32(initialSequence) || !isUint32(initialTimestamp)) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'initial sequence and timestamp must be uint32');
    }
    this.codecId = codecId;
    this.#sequence = initialSequence;
    this.#timestamp = initialTimestamp;
  }

  /**
   * Frames one encoded 20 ms frame. A DTX frame (when `skipDtx`) is not sent: its timestamp is used up
   * but its sequence number is not, so the receiver can tell silence from loss (RFC 3550 §5.1).
   */
  packetize(encoded: EncodedFrame, skipDtx = true): MediaFrame | undefined {
    const timestamp = this.#timestamp;
    this.#timestamp = wrapUint32(this.#timestamp + FRAME_SAMPLES);
    if (encoded.dtx && skipDtx) return undefined;
    const frame: MediaFrame = {
      sequence: this.#sequence,
      timestamp,
      payload: encodePayload(this.codecId, encoded.data),
    };
    this.#sequence = wrapUint32(this.#sequence + 1);
    return frame;
  }
}
