/**
 * Opus for Node: the encoder runs on @evan/opus's prebuilt native addon (libopus compiled to machine
 * code, about twice as fast as wasm, no build step), and the decoder on the libopus wasm build that
 * ships in the same package, because the addon's JavaScript API never sets opus_decode()'s `decode_fec`
 * flag and so cannot use in-band FEC. Where no prebuilt addon fits the platform, the encoder falls back
 * to wasm as well. The Opus bitstream (RFC 6716) makes any encoder/decoder pair interoperable.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AudioError } from '../errors.js';
import {
  OPUS_CTL,
  OPUS_SIGNAL_CODES,
  type OpusApplication,
  type OpusBackend,
  type OpusDecoderHandle,
  type OpusEncoderHandle,
  type OpusEncoderSettings,
} from '../opus-backend.js';
import { instantiateOpusWasmSync, opusWasmSimdSupported } from '../opus-wasm.js';

const require = createRequire(import.meta.url);

/**
 * Which libopus build encodes: the prebuilt `native` addon of @evan/opus (about 2.5× faster) or its `wasm`
 * build.
 */
export type OpusEncoderBuild = 'native' | 'wasm';

/**
 * Options of {@link loadOpusBackend}: which build encodes. Decoding always runs on the wasm build, the one that
 * can decode in-band FEC.
 */
export interface LoadOpusOptions {
  /** Which build encodes: `native` (fails if no addon fits), `wasm`, or `auto` (default: native if it loads). */
  readonly encoder?: OpusEncoderBuild | 'auto';
}

/** Absolute path of the libopus wasm build inside @evan/opus (SIMD variant where supported). */
export function opusWasmPath(): string {
  return require.resolve(`@evan/opus/wasm/${opusWasmSimdSupported() ? 'simd' : 'opus'}.wasm`);
}

let wasmBackend: OpusBackend | undefined;

/** The libopus wasm backend, loaded once per process from @evan/opus's files. */
export function loadOpusWasmBackend(): OpusBackend {
  if (wasmBackend === undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(opusWasmPath());
    } catch (cause) {
      throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'the libopus wasm build of @evan/opus is missing', {
        cause,
      });
    }
    wasmBackend = instantiateOpusWasmSync(bytes);
  }
  return wasmBackend;
}

/** The shape of @evan/opus's Encoder (lib.d.ts) that is used here. */
interface EvanEncoder {
  ctl(request: number, value?: number): number;
  encode(pcm: ArrayBufferView): Uint8Array;
  drop?(): void;
}
interface EvanOpus {
  Encoder: new (options: { channels: 1; sample_rate: 48000; application: OpusApplication }) => EvanEncoder;
}

function loadNativeEncoder(): EvanOpus | undefined {
  try {
    // The addon itself; @evan/opus's main entry would silently fall back to its own wasm copy.
    require('@evan/opus/node/index.js');
    return require('@evan/opus') as EvanOpus;
  } catch {
    return undefined;
  }
}

/**
 * The Opus backend for Node. Throws AUDIO_ERR_CODEC_UNAVAILABLE when the requested build cannot load.
 */
export function loadOpusBackend(options: LoadOpusOptions = {}): OpusBackend {
  const want = options.encoder ?? 'auto';
  if (want !== 'auto' && want !== 'native' && want !== 'wasm') {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'encoder must be native, wasm or auto');
  }
  const decoderBackend = loadOpusWasmBackend();
  if (want === 'wasm') return decoderBackend;
  const native = loadNativeEncoder();
  if (native === undefined) {
    if (want === 'native') {
      throw new AudioError(
        'AUDIO_ERR_CODEC_UNAVAILABLE',
        `no prebuilt Opus addon for ${process.platform}-${process.arch}`,
      );
    }
    return decoderBackend;
  }
  return {
    name: `libopus-native-encoder+${decoderBackend.name}-decoder`,
    fec: decoderBackend.fec,
    createEncoder: (settings) => nativeEncoder(native, settings),
    createDecoder: (): OpusDecoderHandle => decoderBackend.createDecoder(),
  };
}

function nativeEncoder(native: EvanOpus, settings: OpusEncoderSettings): OpusEncoderHandle {
  let encoder: EvanEncoder | undefined;
  try {
    encoder = new native.Encoder({ channels: 1, sample_rate: 48000, application: settings.application });
    encoder.ctl(OPUS_CTL.setSignal, OPUS_SIGNAL_CODES[settings.signal]);
    encoder.ctl(OPUS_CTL.setBitrate, settings.bitrate);
    encoder.ctl(OPUS_CTL.setComplexity, settings.complexity);
    encoder.ctl(OPUS_CTL.setVbr, settings.vbr ? 1 : 0);
    encoder.ctl(OPUS_CTL.setInbandFec, settings.fec ? 1 : 0);
    encoder.ctl(OPUS_CTL.setPacketLossPerc, settings.expectedLossPercent);
    encoder.ctl(OPUS_CTL.setDtx, settings.dtx ? 1 : 0);
  } catch (cause) {
    throw new AudioError('AUDIO_ERR_CODEC_FAILURE', 'the native Opus encoder rejected its settings', {
      cause,
    });
  }
  const lookahead = encoder.ctl(OPUS_CTL.getLookahead);
  return {
    lookahead,
    encode: (pcm) => {
      if (encoder === undefined) throw new AudioError('AUDIO_ERR_CLOSED', 'the Opus encoder is closed');
      return encoder.encode(pcm);
    },
    setPacketLossPercent: (percent) => {
      if (encoder === undefined) throw new AudioError('AUDIO_ERR_CLOSED', 'the Opus encoder is closed');
      encoder.ctl(OPUS_CTL.setPacketLossPerc, percent);
    },
    close: () => {
      encoder?.drop?.();
      encoder = undefined;
    },
  };
}
