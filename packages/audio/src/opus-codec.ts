/**
 * Opus (RFC 6716) as the default voice codec (docs/design.md §8): VoIP application, voice signal, 20 ms
 * frames at 48 kHz mono, 24 kbit/s, in-band FEC on, DTX optional.
 *
 * Constant bitrate is the default on purpose: with variable bitrate the packet sizes of an encrypted
 * stream follow the speech and leak what is said (RFC 6562 §3; RFC 7587 §7), and encryption hides
 * contents, not lengths. DTX leaks talk spurts for the same reason and is off by default.
 */
import { assertFrame, FRAME_SAMPLES } from './audio-format.js';
import {
  type AudioCodec,
  type AudioDecoder,
  type AudioEncoder,
  CODEC_IDS,
  type CodecImpairment,
  type ConcealedFrame,
  type EncodedFrame,
} from './codec.js';
import { OPUS_IMPAIRMENT, OPUS_LOW_RATE_IMPAIRMENT } from './e-model.js';
import { AudioError } from './errors.js';
import {
  OPUS_APPLICATION_CODES,
  OPUS_SIGNAL_CODES,
  type OpusApplication,
  type OpusBackend,
  type OpusDecoderHandle,
  type OpusEncoderHandle,
  type OpusEncoderSettings,
  type OpusSignal,
} from './opus-backend.js';
import { opusPacketHasFec } from './opus-packet.js';

/**
 * Encoder settings of {@link createOpusCodec}; every field is optional and defaults to {@link OPUS_DEFAULTS}.
 */
export interface OpusCodecOptions {
  /** libopus application, `voip` or `audio` (opus_encoder_init()); default `voip`. */
  readonly application?: OpusApplication;
  /** Signal hint, `voice` or `auto` (OPUS_SET_SIGNAL); default `voice`. */
  readonly signal?: OpusSignal;
  /** Target bitrate in bit/s, 6000–128000; default 24000 (docs/design.md §8: 16–32 kbit/s for speech). */
  readonly bitrate?: number;
  /** Encoder complexity 0–10; default 9. */
  readonly complexity?: number;
  /** Variable bitrate; default false (see the module comment). */
  readonly vbr?: boolean;
  /** In-band forward error correction; default true. */
  readonly fec?: boolean;
  /**
   * Loss the encoder plans for at the start, 0–100 % (OPUS_SET_PACKET_LOSS_PERC); default 0. libopus only
   * spends bits on FEC when this is above 0, and at 24 kbit/s planning for 6 % or more switches it
   * from hybrid fullband to SILK wideband with FEC. A call feeds the measured loss in as it goes
   * (`AudioSender.setExpectedLossPercent`), so a clean network gets the full-quality mode. With FEC on,
   * a loss of {@link OPUS_FEC_PLANNING}`.fromPercent` or more is handed to libopus as at least
   * `.floorPercent` (see there).
   */
  readonly expectedLossPercent?: number;
  /** Discontinuous transmission; default false. */
  readonly dtx?: boolean;
}

/**
 * The Opus settings used where {@link OpusCodecOptions} leaves a field out: VoIP application, voice signal,
 * 24 kbit/s constant bitrate, complexity 9, in-band FEC enabled but no loss planned until the receiver
 * measures some, no DTX. Constant bitrate and no DTX because packet sizes and gaps of an encrypted stream
 * otherwise reveal what is said (RFC 6562); 24 kbit/s is the lowest rate at which libopus codes wideband and
 * still sends FEC (the package README, "What each part does"). opusenc's choices (audio application,
 * automatic signal, complexity 10) were measured against these on the quality bench and are not better on
 * every loss condition; complexity 10 and the automatic signal code speech bit-identically here
 * (docs/benchmarks.md, "Encoder settings against opus-tools").
 */
export const OPUS_DEFAULTS: Required<OpusCodecOptions> = {
  application: 'voip',
  signal: 'voice',
  bitrate: 24_000,
  complexity: 9,
  vbr: false,
  fec: true,
  expectedLossPercent: 0,
  dtx: false,
};

/**
 * How a loss the encoder is told of becomes libopus's OPUS_SET_PACKET_LOSS_PERC while in-band FEC is on:
 * below `fromPercent` as it is, from there on at least `floorPercent`. At 24 kbit/s libopus keeps hybrid
 * fullband without FEC up to 5 % planned loss and switches to SILK wideband with FEC from 6 % (this
 * build, the benchmark sentence); for a real loss of 3–5 % the FEC mode conceals far better than hybrid
 * without it (codec alone, mean of 24 drop patterns, planning 10 %: STOI 0.972 against 0.954 at 5 %,
 * 0.974 against 0.966 at 3 %), at a Bark spectral distance about 0.4–0.6 dB higher; below 3 % the gain
 * is too small for that cost. The floor is 10 %, well above the switch, so that the mode does not hinge on the exact threshold
 * of one libopus build (docs/benchmarks.md, "Loss planning and FEC detection").
 */
export const OPUS_FEC_PLANNING = { fromPercent: 3, floorPercent: 10 } as const;

/** The OPUS_SET_PACKET_LOSS_PERC value for a loss of `percent` (whole, 0–100) under {@link OPUS_FEC_PLANNING}. */
export function plannedLossPercent(percent: number, fec: boolean): number {
  if (!fec || percent < OPUS_FEC_PLANNING.fromPercent) return percent;
  return Math.max(percent, OPUS_FEC_PLANNING.floorPercent);
}

/** Builds the Opus codec on a libopus backend (opus-wasm.ts, or node/opus-native.ts in Node). */
export function createOpusCodec(backend: OpusBackend, options: OpusCodecOptions = {}): AudioCodec {
  const settings = validate(options);
  const impairment: CodecImpairment = settings.bitrate >= 16_000 ? OPUS_IMPAIRMENT : OPUS_LOW_RATE_IMPAIRMENT;
  return {
    name: 'opus',
    id: CODEC_IDS.opus,
    impairment,
    // One 20 ms frame plus libopus's 6.5 ms lookahead in VoIP mode (OPUS_GET_LOOKAHEAD = 312 at 48 kHz).
    algorithmicDelayMs: 26.5,
    createEncoder: () =>
      new OpusEncoder(
        backend.createEncoder({
          ...settings,
          expectedLossPercent: plannedLossPercent(settings.expectedLossPercent, settings.fec),
        }),
        settings,
      ),
    createDecoder: () => new OpusDecoder(backend.createDecoder(), backend.fec),
  };
}

function validate(options: OpusCodecOptions): OpusEncoderSettings {
  const s = { ...OPUS_DEFAULTS, ...definedOnly(options) };
  checkChoice('application', s.application, OPUS_APPLICATION_CODES);
  checkChoice('signal', s.signal, OPUS_SIGNAL_CODES);
  checkInt('bitrate', s.bitrate, 6000, 128_000);
  checkInt('complexity', s.complexity, 0, 10);
  checkInt('expectedLossPercent', s.expectedLossPercent, 0, 100);
  for (const key of ['vbr', 'fec', 'dtx'] as const) {
    if (typeof s[key] !== 'boolean') {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `Opus option ${key} must be a boolean`);
    }
  }
  return s;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkChoice(name: string, value: unknown, choices: Readonly<Record<string, number>>): void {
  if (typeof value !== 'string' || !Object.hasOwn(choices, value)) {
    throw new AudioError(
      'AUDIO_ERR_INVALID_ARGUMENT',
      `Opus option ${name} must be one of ${Object.keys(choices).join(', ')}`,
    );
  }
}

function checkInt(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AudioError(
      'AUDIO_ERR_INVALID_ARGUMENT',
      `Opus option ${name} must be an integer in ${min}–${max}`,
    );
  }
}

class OpusEncoder implements AudioEncoder {
  readonly codec = 'opus';
  readonly lookaheadSamples: number;
  readonly #handle: OpusEncoderHandle;
  readonly #dtx: boolean;
  readonly #fec: boolean;
  #closed = false;

  constructor(handle: OpusEncoderHandle, settings: OpusEncoderSettings) {
    this.#handle = handle;
    this.#dtx = settings.dtx;
    this.#fec = settings.fec;
    this.lookaheadSamples = handle.lookahead;
  }

  encode(pcm: Int16Array): EncodedFrame {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the Opus encoder is closed');
    assertFrame(pcm);
    const data = wrapCodecFailure(() => this.#handle.encode(pcm));
    // opus_encode(): "If the return value is 2 bytes or less, then the packet does not need to be transmitted".
    return { data, dtx: this.#dtx && data.length <= 2 };
  }

  setExpectedLossPercent(percent: number): void {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the Opus encoder is closed');
    checkInt('expectedLossPercent', percent, 0, 100);
    wrapCodecFailure(() => this.#handle.setPacketLossPercent(plannedLossPercent(percent, this.#fec)));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handle.close();
  }
}

class OpusDecoder implements AudioDecoder {
  readonly codec = 'opus';
  readonly supportsFec: boolean;
  readonly #handle: OpusDecoderHandle;
  #closed = false;

  constructor(handle: OpusDecoderHandle, fec: boolean) {
    this.#handle = handle;
    this.supportsFec = fec;
  }

  decode(data: Uint8Array): Int16Array {
    this.#assertOpen();
    if (!(data instanceof Uint8Array) || data.length === 0) {
      throw new AudioError('AUDIO_ERR_CODEC_FAILURE', 'an Opus packet has at least one byte');
    }
    return wrapCodecFailure(() => this.#handle.decode(data, false));
  }

  conceal(next?: Uint8Array): ConcealedFrame {
    this.#assertOpen();
    if (this.supportsFec && next !== undefined && opusPacketHasFec(next)) {
      try {
        return { pcm: this.#handle.decode(next, true), method: 'fec' };
      } catch {
        // A corrupt next packet must not stop playout: fall through to plain concealment.
      }
    }
    try {
      return { pcm: this.#handle.decode(null, false), method: 'plc' };
    } catch {
      return { pcm: new Int16Array(FRAME_SAMPLES), method: 'silence' };
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handle.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the Opus decoder is closed');
  }
}

function wrapCodecFailure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof AudioError) throw cause;
    throw new AudioError('AUDIO_ERR_CODEC_FAILURE', 'libopus rejected the frame', { cause });
  }
}
