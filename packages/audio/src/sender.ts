/**
 * Send side of one audio stream, sans-I/O: PCM frame in, transport frame out (or nothing, for a DTX
 * frame), with the counters the bitrate report needs.
 */
import { FRAME_MS } from './audio-format.js';
import type { AudioCodec, AudioEncoder } from './codec.js';
import { AudioError } from './errors.js';
import type { MediaFrame } from './frame-transport.js';
import { Packetizer } from './packetizer.js';
import { LEITUNG_MEDIA_OVERHEAD, type MediaPacketOverhead, mediaPacketSize } from './wire-overhead.js';

export interface AudioSenderOptions {
  readonly codec: AudioCodec;
  readonly initialSequence?: number;
  readonly initialTimestamp?: number;
  /** Do not send frames the encoder marks as DTX; default true. */
  readonly skipDtx?: boolean;
  readonly overhead?: MediaPacketOverhead;
}

export interface BitrateKbps {
  /** Codec id + codec bytes only. */
  readonly payload: number;
  /** Media packets as UDP payloads (header, ciphertext, tag). */
  readonly packet: number;
  /** Including IPv4 and UDP headers. */
  readonly ip: number;
}

export interface SendStats {
  readonly codec: string;
  readonly framesEncoded: number;
  readonly packetsSent: number;
  /** Frames not sent because the encoder flagged them DTX. */
  readonly framesSkipped: number;
  readonly payloadBytes: number;
  readonly packetBytes: number;
  readonly ipBytes: number;
  /** Averages over the media time encoded so far (frames × 20 ms). */
  readonly bitrateKbps: BitrateKbps;
}

export class AudioSender {
  readonly codec: AudioCodec;
  readonly #encoder: AudioEncoder;
  readonly #packetizer: Packetizer;
  readonly #skipDtx: boolean;
  readonly #overhead: MediaPacketOverhead;
  #frames = 0;
  #sent = 0;
  #payloadBytes = 0;
  #packetBytes = 0;
  #ipBytes = 0;
  #closed = false;

  constructor(options: AudioSenderOptions) {
    this.codec = options.codec;
    this.#skipDtx = options.skipDtx ?? true;
    this.#overhead = options.overhead ?? LEITUNG_MEDIA_OVERHEAD;
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
    const frame = this.#packetizer.packetize(this.#encoder.encode(pcm), this.#skipDtx);
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
