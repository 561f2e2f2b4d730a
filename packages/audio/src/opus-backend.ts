/**
 * The part of libopus the Opus codec needs, so that the codec runs on whichever build is at hand: the
 * WebAssembly build (browsers and Node, opus-wasm.ts) or the prebuilt native addon of @evan/opus
 * (Node only, node/opus-native.ts). The bitstream is RFC 6716, so any encoder pairs with any decoder.
 */

/** libopus request codes (opus_defines.h) used by the backends. */
export const OPUS_CTL = {
  setBitrate: 4002,
  setVbr: 4006,
  setComplexity: 4010,
  setInbandFec: 4012,
  setPacketLossPerc: 4014,
  setDtx: 4016,
  setSignal: 4024,
  getLookahead: 4027,
} as const;

export const OPUS_APPLICATION_VOIP = 2048;
export const OPUS_APPLICATION_AUDIO = 2049;
export const OPUS_AUTO = -1000;
export const OPUS_SIGNAL_VOICE = 3001;

/** libopus application an encoder is created for (opus_encoder_init()'s `application`). */
export type OpusApplication = 'voip' | 'audio';
/** Signal hint for the encoder's mode decision (OPUS_SET_SIGNAL): speech, or left to libopus's analysis. */
export type OpusSignal = 'voice' | 'auto';

/** The libopus codes of an {@link OpusApplication}. */
export const OPUS_APPLICATION_CODES: Readonly<Record<OpusApplication, number>> = {
  voip: OPUS_APPLICATION_VOIP,
  audio: OPUS_APPLICATION_AUDIO,
};
/** The libopus codes of an {@link OpusSignal}. */
export const OPUS_SIGNAL_CODES: Readonly<Record<OpusSignal, number>> = {
  voice: OPUS_SIGNAL_VOICE,
  auto: OPUS_AUTO,
};

/** Encoder settings, validated by opus-codec.ts before a backend sees them. */
export interface OpusEncoderSettings {
  readonly application: OpusApplication;
  readonly signal: OpusSignal;
  readonly bitrate: number;
  readonly complexity: number;
  readonly vbr: boolean;
  readonly fec: boolean;
  readonly expectedLossPercent: number;
  readonly dtx: boolean;
}

/**
 * One libopus encoder of an `OpusBackend`: 960 samples in, one Opus packet out. Close it to free the encoder's
 * memory.
 */
export interface OpusEncoderHandle {
  /** Encodes 960 samples; returns a fresh copy of the packet. */
  encode(pcm: Int16Array): Uint8Array;
  /** Encoder lookahead in samples (OPUS_GET_LOOKAHEAD). */
  readonly lookahead: number;
  /** Sets the loss the encoder plans its in-band FEC for, 0–100 % (OPUS_SET_PACKET_LOSS_PERC). */
  setPacketLossPercent(percent: number): void;
  close(): void;
}

/**
 * One libopus decoder of an `OpusBackend`: decodes a packet, its in-band FEC copy of the previous frame, or
 * runs packet-loss concealment. Close it to free the decoder's memory.
 */
export interface OpusDecoderHandle {
  /**
   * Decodes 960 samples. `packet` null runs packet-loss concealment; with `fec` true the packet's in-band
   * FEC data for the previous frame is decoded instead (opus_decode(), decode_fec = 1).
   */
  decode(packet: Uint8Array | null, fec: boolean): Int16Array;
  close(): void;
}

/**
 * A libopus build the Opus codec runs on ({@link createOpusCodec}'s argument): the WebAssembly build ({@link
 * instantiateOpusWasm}, browsers and Node) or `loadOpusBackend()` from `@leitung/audio/node` (native encoder
 * where an addon fits). Another binding can be swapped in by implementing these four members.
 */
export interface OpusBackend {
  /** Human-readable build name, e.g. `libopus-wasm-simd`. */
  readonly name: string;
  /** Whether this backend's decoder can decode in-band FEC. */
  readonly fec: boolean;
  createEncoder(settings: OpusEncoderSettings): OpusEncoderHandle;
  createDecoder(): OpusDecoderHandle;
}
