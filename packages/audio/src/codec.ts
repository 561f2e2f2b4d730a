/**
 * The codec interface. A codec turns one 20 ms frame of 48 kHz mono PCM into bytes and back, and conceals
 * frames that never arrived. Encoders and decoders are per stream and hold state; close them when done.
 */

/** Codec ids carried in the first byte of every transport payload (packetizer.ts). 0 is never valid. */
export const CODEC_IDS = { pcm16: 1, opus: 2 } as const;

/** A codec's name (`pcm16` or `opus`), the key of {@link CODEC_IDS}. */
export type CodecName = keyof typeof CODEC_IDS;
/** A codec's id as carried in the first byte of every transport payload: 1 for PCM16, 2 for Opus. */
export type CodecId = (typeof CODEC_IDS)[CodecName];

/**
 * One frame as the encoder produced it, before framing: the codec bytes and whether the frame may be skipped.
 */
export interface EncodedFrame {
  /** The codec bytes (without the codec id byte). */
  readonly data: Uint8Array;
  /**
   * True when the encoder says this frame need not be sent (Opus DTX: a packet of at most 2 bytes,
   * opus_encode() documentation). The sender may skip it; the receiver then conceals with comfort noise.
   */
  readonly dtx: boolean;
}

/**
 * The encoding half of a codec for one stream: 960 samples in, codec bytes out. Holds state between frames;
 * create one per stream with {@link AudioCodec.createEncoder} and close it when done.
 */
export interface AudioEncoder {
  readonly codec: CodecName;
  /** Algorithmic delay the encoder adds before the decoder's output, in 48 kHz samples. */
  readonly lookaheadSamples: number;
  /** Encodes exactly one frame (960 samples); throws AUDIO_ERR_INVALID_FRAME otherwise. */
  encode(pcm: Int16Array): EncodedFrame;
  /**
   * Tells the encoder how much loss the receiver measures, 0–100 %, so that it spends bits on redundancy
   * accordingly (Opus: OPUS_SET_PACKET_LOSS_PERC, which decides whether and how much in-band FEC each packet
   * carries). Codecs without redundancy leave it out.
   */
  setExpectedLossPercent?(percent: number): void;
  /** Frees the encoder; idempotent. Any later call throws AUDIO_ERR_CLOSED. */
  close(): void;
}

/** How a concealed frame was produced. */
export type ConcealMethod = 'fec' | 'plc' | 'fade' | 'silence';

/** A frame the decoder produced for a packet that never arrived, and how it was produced. */
export interface ConcealedFrame {
  readonly pcm: Int16Array;
  readonly method: ConcealMethod;
}

/**
 * The decoding half of a codec for one stream: codec bytes in, 960 samples out, plus concealment of frames that
 * never arrived. Holds state between frames; create one per stream with {@link AudioCodec.createDecoder} and
 * close it when done.
 */
export interface AudioDecoder {
  readonly codec: CodecName;
  /** True when {@link AudioDecoder.conceal} can rebuild a lost frame from the following packet. */
  readonly supportsFec: boolean;
  /** Decodes one frame's codec bytes into 960 samples; throws AUDIO_ERR_CODEC_FAILURE on a corrupt packet. */
  decode(data: Uint8Array): Int16Array;
  /**
   * Produces 960 samples for a frame that is missing. `next` is the codec bytes of the frame right after
   * it when the jitter buffer already holds that one: Opus then decodes the in-band FEC copy it carries
   * (RFC 6716 §2.1.7); otherwise the codec's own concealment runs.
   */
  conceal(next?: Uint8Array): ConcealedFrame;
  close(): void;
}

/** E-model impairment values for a codec (ITU-T G.107 §7.6); see e-model.ts for their sources. */
export interface CodecImpairment {
  /** Equipment impairment factor Ie without loss. */
  readonly ie: number;
  /** Packet-loss robustness factor Bpl. */
  readonly bpl: number;
}

/**
 * A codec: its identity on the wire, its E-model impairment values and delay, and a factory for per-stream
 * encoders and decoders. {@link createOpusCodec} and {@link createPcm16Codec} make the two this package
 * implements; the sender and receiver take any object of this shape.
 */
export interface AudioCodec {
  readonly name: CodecName;
  readonly id: CodecId;
  readonly impairment: CodecImpairment;
  /**
   * Mouth-to-ear delay the codec adds, in ms: one frame of packetization plus the encoder lookahead
   * (used by the E-model's delay term).
   */
  readonly algorithmicDelayMs: number;
  createEncoder(): AudioEncoder;
  createDecoder(): AudioDecoder;
}
