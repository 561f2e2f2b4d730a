/**
 * Send side of one audio stream, sans-I/O: PCM frame in, transport frame out (or nothing, for a DTX
 * frame), with the counters the bitrate report needs.
 */
import { FRAME_MS, FRAME_SAMPLES } from './audio-format.js';
import type { AudioCodec, AudioEncoder } from './codec.js';
import { AudioError } from './errors.js';
import type { MediaFrame } from './frame-transport.js';
import { Packetizer } from './packetizer.js';
import { LEITUNG_MEDIA_OVERHEAD, type MediaPacketOverhead, mediaPacketSize } from './wire-overhead.js';

/**
 * Options of {@link AudioSender}: the codec, the first sequence number and timestamp, whether DTX frames are
 * skipped, the wire-overhead model for the bitrate figures (`@leitung/audio/analysis`; default: the Leitung
 * media packet) and the relay's packet limit.
 */
export interface AudioSenderOptions {
  readonly codec: AudioCodec;
  readonly initialSequence?: number;
  readonly initialTimestamp?: number;
  /** Do not send frames the encoder marks as DTX; default true. */
  readonly skipDtx?: boolean;
  readonly overhead?: MediaPacketOverhead;
  /**
   * Largest media packet the relay forwards (docs/protocol.md, media packets; default
   * {@link DEFAULT_MAX_MEDIA_PACKET}). A frame whose packet would be larger is refused with
   * AUDIO_ERR_PACKET_TOO_LARGE instead of being sent to be dropped: audio never disappears silently.
   */
  readonly maxPacketBytes?: number;
}

/** The relay's default media packet limit (docs/relay.md `maxMediaPacketSize`). */
export const DEFAULT_MAX_MEDIA_PACKET = 1200;

/**
 * Throws AUDIO_ERR_PACKET_TOO_LARGE when `codec`'s frames do not fit in a media packet of `maxPacketBytes`:
 * checked before a call by encoding one frame of full-scale noise (PCM16 and constant-bitrate Opus have
 * fixed sizes; with VBR the per-frame check of {@link AudioSender.encode} stays the guard).
 */
export function assertCodecFits(
  codec: AudioCodec,
  maxPacketBytes: number = DEFAULT_MAX_MEDIA_PACKET,
  overhead: MediaPacketOverhead = LEITUNG_MEDIA_OVERHEAD,
): void {
  const encoder = codec.createEncoder();
  try {
    let seed = 1;
    const noise = Int16Array.from({ length: FRAME_SAMPLES }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return (seed % 65_536) - 32_768;
    });
    checkSize(codec.name, 1 + encoder.encode(noise).data.length, maxPacketBytes, overhead);
  } finally {
    encoder.close();
  }
}

function checkSize(codec: string, payloadBytes: number, max: number, overhead: MediaPacketOverhead): void {
  const { packetBytes } = mediaPacketSize(payloadBytes, overhead);
  if (packetBytes > max) {
    throw new AudioError(
      'AUDIO_ERR_PACKET_TOO_LARGE',
      `${codec} frames need ${packetBytes}-byte media packets; the relay forwards at most ${max} bytes`,
    );
  }
}

/** A bitrate in kbit/s measured at three layers of the same stream, so reports can say what they count. */
export interface BitrateKbps {
  /** Codec id + codec bytes only. */
  readonly payload: number;
  /** Media packets as UDP payloads (header, ciphertext, tag). */
  readonly packet: number;
  /** Including IPv4 and UDP headers. */
  readonly ip: number;
}

/**
 * Counters of the send direction ({@link AudioSender.stats}): frames encoded and sent, DTX frames skipped,
 * bytes as codec payload, as media packets and with IP/UDP headers, and the bitrates they make.
 */
export interface SendStats {
  readonly codec: string;
  readonly framesEncoded: number;
  readonly packetsSent: number;
  /** Frames not sent because the encoder flagged them DTX. */
  readonly framesSkipped: number;
  readonly payloadBytes: number;
  readonly packetBytes: number;
  readonly ipBytes: number;
  /**
   * The loss the encoder currently plans its redundancy for, percent ({@link AudioSender.setExpectedLossPercent});
   * undefined until set (the codec's own setting applies, e.g. `OPUS_DEFAULTS.expectedLossPercent`).
   */
  readonly expectedLossPercent: number | undefined;
  /** Averages over the media time encoded so far (frames × 20 ms). */
  readonly bitrateKbps: BitrateKbps;
}

/**
 * The send side of one audio stream, sans-I/O: `encode(pcm)` takes one 20 ms frame and returns the transport
 * frame to send (codec id byte + codec bytes, numbered for the media header), or undefined for a skipped DTX
 * frame. Refuses a frame whose media packet would exceed the relay's limit with AUDIO_ERR_PACKET_TOO_LARGE. See
 * {@link AudioSendStream} for the shell that runs it in real time.
 */
export class AudioSender {
  readonly codec: AudioCodec;
  readonly #encoder: AudioEncoder;
  readonly #packetizer: Packetizer;
  readonly #skipDtx: boolean;
  readonly #overhead: MediaPacketOverhead;
  readonly #maxPacketBytes: number;
  #frames = 0;
  #sent = 0;
  #payloadBytes = 0;
  #packetBytes = 0;
  #ipBytes = 0;
  #expectedLoss: number | undefined;
  #closed = false;

  constructor(options: AudioSenderOptions) {
    this.codec = options.codec;
    this.#skipDtx = options.skipDtx ?? true;
    this.#overhead = options.overhead ?? LEITUNG_MEDIA_OVERHEAD;
    this.#maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_MEDIA_PACKET;
    this.#packetizer = new Packetizer({
      codecId: options.codec.id,
      ...(options.initialSequence === undefined ? {} : { initialSequence: options.initialSequence }),
      ...(options.initialTimestamp === undefined ? {} : { initialTimestamp: options.initialTimestamp }),
    });
    this.#encoder = options.codec.createEncoder();
  }

  /** Algorithmic delay of the encoder in samples (output lags input by this much). */
  get lookaheadSamples(): number {
    return this.#encoder.lookaheadSamples;
  }

  /** Encodes one 20 ms frame; returns the frame to send, or undefined when it is skipped (DTX). */
  encode(pcm: Int16Array): MediaFrame | undefined {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the audio sender is closed');
    const encoded = this.#encoder.encode(pcm);
    checkSize(this.codec.name, 1 + encoded.data.length, this.#maxPacketBytes, this.#overhead);
    const frame = this.#packetizer.packetize(encoded, this.#skipDtx);
    this.#frames++;
    if (frame !== undefined) {
      const size = mediaPacketSize(frame.payload.length, this.#overhead);
      this.#sent++;
      this.#payloadBytes += frame.payload.length;
      this.#packetBytes += size.packetBytes;
      this.#ipBytes += size.ipBytes;
    }
    return frame;
  }

  /**
   * Feeds the loss the receiving side measures (percent of frames missing at playout, e.g. `ReceiveStats`
   * `recentLossPercent`) into the encoder, rounded up to a whole percent, so that Opus carries in-band FEC
   * in proportion to it and none on a clean network, where FEC bits would only lower the quality
   * (packages/audio/README.md, "Loss robustness"). Takes effect from the next frame.
   */
  setExpectedLossPercent(percent: number): void {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the audio sender is closed');
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'expected loss must be a number in 0–100 %');
    }
    const whole = Math.ceil(percent);
    if (whole === this.#expectedLoss) return;
    this.#encoder.setExpectedLossPercent?.(whole);
    this.#expectedLoss = whole;
  }

  stats(): SendStats {
    const seconds = (this.#frames * FRAME_MS) / 1000;
    const kbps = (bytes: number) => (seconds > 0 ? (bytes * 8) / seconds / 1000 : 0);
    return {
      codec: this.codec.name,
      framesEncoded: this.#frames,
      packetsSent: this.#sent,
      framesSkipped: this.#frames - this.#sent,
      payloadBytes: this.#payloadBytes,
      packetBytes: this.#packetBytes,
      ipBytes: this.#ipBytes,
      expectedLossPercent: this.#expectedLoss,
      bitrateKbps: {
        payload: kbps(this.#payloadBytes),
        packet: kbps(this.#packetBytes),
        ip: kbps(this.#ipBytes),
      },
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#encoder.close();
  }
}
