/**
 * libopus compiled to WebAssembly, driven through its C API (opus_encode / opus_decode). It runs in
 * browsers and in Node and, unlike the JavaScript wrapper of @evan/opus, exposes opus_decode()'s
 * `decode_fec` flag, which in-band FEC needs (RFC 6716 §2.1.7). The module itself is the build that
 * ships inside @evan/opus (`@evan/opus/wasm/simd.wasm`, or `opus.wasm` where SIMD is missing); this file
 * only instantiates it, so it needs no file system: pass the bytes or a compiled module.
 */
import { FRAME_SAMPLES, SAMPLE_RATE } from './audio-format.js';
import { AudioError } from './errors.js';
import {
  OPUS_APPLICATION_CODES,
  OPUS_CTL,
  OPUS_SIGNAL_CODES,
  type OpusBackend,
  type OpusDecoderHandle,
  type OpusEncoderHandle,
  type OpusEncoderSettings,
} from './opus-backend.js';

/** Bytes of a libopus WebAssembly build, or a module compiled from them. */
export type OpusWasmSource = ArrayBuffer | ArrayBufferView | object;

interface OpusWasmExports {
  memory: { buffer: ArrayBuffer };
  malloc(size: number): number;
  free(ptr: number): void;
  opus_strerror(code: number): number;
  opus_encoder_get_size(channels: number): number;
  opus_encoder_init(st: number, fs: number, channels: number, application: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, request: number, value: number): number;
  opus_encoder_ctl_get(st: number, request: number): number;
  opus_decoder_get_size(channels: number): number;
  opus_decoder_init(st: number, fs: number, channels: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, fec: number): number;
}

/** The subset of the WebAssembly JS API used here (typed locally: the project's lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: ArrayBuffer | ArrayBufferView) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: ArrayBuffer | ArrayBufferView): boolean;
  compile(bytes: ArrayBuffer | ArrayBufferView): Promise<object>;
}

const REQUIRED_EXPORTS = [
  'malloc',
  'free',
  'opus_strerror',
  'opus_encoder_get_size',
  'opus_encoder_init',
  'opus_encode',
  'opus_encoder_ctl_set',
  'opus_encoder_ctl_get',
  'opus_decoder_get_size',
  'opus_decoder_init',
  'opus_decode',
] as const;

/** libopus's recommended output buffer for one packet (opus_encode() documentation). */
const MAX_PACKET_BYTES = 4000;

/** Smallest module using one SIMD instruction (i8x16.splat): validates only where wasm SIMD exists. */
const SIMD_PROBE = Uint8Array.of(
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  4,
  1,
  96,
  0,
  0,
  3,
  2,
  1,
  0,
  10,
  9,
  1,
  7,
  0,
  65,
  0,
  253,
  15,
  26,
  11,
);

function wasmApi(): WasmApi {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined) {
    throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'this runtime has no WebAssembly');
  }
  return api;
}

/** True when the runtime supports WebAssembly SIMD, i.e. the faster `simd.wasm` build can run. */
export function opusWasmSimdSupported(): boolean {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api?.validate(SIMD_PROBE) === true;
}

/** Instantiates the libopus wasm build; async, so browsers can compile modules of any size. */
export async function instantiateOpusWasm(source: OpusWasmSource): Promise<OpusBackend> {
  const api = wasmApi();
  const module = isBytes(source) ? await compileOrThrow(api, source) : source;
  return instantiate(api, module);
}

/**
 * Synchronous variant for Node (browsers refuse to compile large modules on the main thread; use
 * {@link instantiateOpusWasm} there).
 */
export function instantiateOpusWasmSync(source: OpusWasmSource): OpusBackend {
  const api = wasmApi();
  let module: object;
  if (isBytes(source)) {
    try {
      module = new api.Module(source);
    } catch (cause) {
      throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'the Opus wasm bytes do not compile', { cause });
    }
  } else {
    module = source;
  }
  return instantiate(api, module);
}

function isBytes(source: OpusWasmSource): source is ArrayBuffer | ArrayBufferView {
  return source instanceof ArrayBuffer || ArrayBuffer.isView(source);
}

async function compileOrThrow(api: WasmApi, bytes: ArrayBuffer | ArrayBufferView): Promise<object> {
  try {
    return await api.compile(bytes);
  } catch (cause) {
    throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'the Opus wasm bytes do not compile', { cause });
  }
}

function instantiate(api: WasmApi, module: object): OpusBackend {
  // The build imports a few WASI stubs and a memory-growth hook; it writes nothing, so stubs suffice.
  const imports = {
    wasi_snapshot_preview1: {
      fd_seek: () => 0,
      fd_write: () => 0,
      fd_close: () => 0,
      proc_exit: () => undefined,
    },
    env: { emscripten_notify_memory_growth: () => undefined },
  };
  let exports: Record<string, unknown>;
  try {
    exports = new api.Instance(module, imports).exports;
  } catch (cause) {
    throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'the Opus wasm module does not instantiate', {
      cause,
    });
  }
  for (const name of REQUIRED_EXPORTS) {
    if (typeof exports[name] !== 'function') {
      throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', `not a libopus build: no export ${name}`);
    }
  }
  if (!(typeof exports.memory === 'object' && exports.memory !== null)) {
    throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'not a libopus build: no memory export');
  }
  return new WasmOpusBackend(exports as unknown as OpusWasmExports, opusWasmSimdSupported());
}

class WasmOpusBackend implements OpusBackend {
  readonly name: string;
  readonly fec = true;
  readonly #w: OpusWasmExports;
  // Shared scratch space: JavaScript is single-threaded, so one pair serves every handle.
  readonly #pcmPtr: number;
  readonly #packetPtr: number;

  constructor(w: OpusWasmExports, simd: boolean) {
    this.#w = w;
    this.name = simd ? 'libopus-wasm-simd' : 'libopus-wasm';
    this.#pcmPtr = w.malloc(FRAME_SAMPLES * 2);
    this.#packetPtr = w.malloc(MAX_PACKET_BYTES);
    if (this.#pcmPtr === 0 || this.#packetPtr === 0) {
      throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'the Opus wasm module is out of memory');
    }
  }

  createEncoder(settings: OpusEncoderSettings): OpusEncoderHandle {
    const w = this.#w;
    const st = this.#alloc(w.opus_encoder_get_size(1));
    this.#check(
      w.opus_encoder_init(st, SAMPLE_RATE, 1, OPUS_APPLICATION_CODES[settings.application]),
      'encoder init',
      st,
    );
    const set = (request: number, value: number): void => {
      this.#check(w.opus_encoder_ctl_set(st, request, value), 'encoder ctl', st);
    };
    set(OPUS_CTL.setSignal, OPUS_SIGNAL_CODES[settings.signal]);
    set(OPUS_CTL.setBitrate, settings.bitrate);
    set(OPUS_CTL.setComplexity, settings.complexity);
    set(OPUS_CTL.setVbr, settings.vbr ? 1 : 0);
    set(OPUS_CTL.setInbandFec, settings.fec ? 1 : 0);
    set(OPUS_CTL.setPacketLossPerc, settings.expectedLossPercent);
    set(OPUS_CTL.setDtx, settings.dtx ? 1 : 0);
    const lookahead = w.opus_encoder_ctl_get(st, OPUS_CTL.getLookahead);
    let ptr = st;
    return {
      lookahead,
      encode: (pcm) => {
        if (ptr === 0) throw closedError();
        new Int16Array(w.memory.buffer, this.#pcmPtr, FRAME_SAMPLES).set(pcm);
        const n = w.opus_encode(ptr, this.#pcmPtr, FRAME_SAMPLES, this.#packetPtr, MAX_PACKET_BYTES);
        if (n < 0) throw this.#failure('opus_encode', n);
        return new Uint8Array(w.memory.buffer, this.#packetPtr, n).slice();
      },
      setPacketLossPercent: (percent) => {
        if (ptr === 0) throw closedError();
        const code = w.opus_encoder_ctl_set(ptr, OPUS_CTL.setPacketLossPerc, percent);
        if (code < 0) throw this.#failure('encoder ctl', code);
      },
      close: () => {
        if (ptr !== 0) w.free(ptr);
        ptr = 0;
      },
    };
  }

  createDecoder(): OpusDecoderHandle {
    const w = this.#w;
    const st = this.#alloc(w.opus_decoder_get_size(1));
    this.#check(w.opus_decoder_init(st, SAMPLE_RATE, 1), 'decoder init', st);
    let ptr = st;
    return {
      decode: (packet, fec) => {
        if (ptr === 0) throw closedError();
        let dataPtr = 0;
        let len = 0;
        if (packet !== null) {
          if (packet.length > MAX_PACKET_BYTES) {
            throw new AudioError('AUDIO_ERR_CODEC_FAILURE', 'Opus packet longer than 4000 bytes');
          }
          new Uint8Array(w.memory.buffer, this.#packetPtr, packet.length).set(packet);
          dataPtr = this.#packetPtr;
          len = packet.length;
        }
        const n = w.opus_decode(ptr, dataPtr, len, this.#pcmPtr, FRAME_SAMPLES, fec ? 1 : 0);
        if (n < 0) throw this.#failure('opus_decode', n);
        if (n !== FRAME_SAMPLES) {
          throw new AudioError(
            'AUDIO_ERR_CODEC_FAILURE',
            `Opus packet holds ${n} samples, not one 20 ms frame`,
          );
        }
        return new Int16Array(w.memory.buffer, this.#pcmPtr, FRAME_SAMPLES).slice();
      },
      close: () => {
        if (ptr !== 0) w.free(ptr);
        ptr = 0;
      },
    };
  }

  #alloc(size: number): number {
    const ptr = this.#w.malloc(size);
    if (ptr === 0)
      throw new AudioError('AUDIO_ERR_CODEC_UNAVAILABLE', 'the Opus wasm module is out of memory');
    return ptr;
  }

  #check(code: number, what: string, ptr: number): void {
    if (code < 0) {
      this.#w.free(ptr);
      throw this.#failure(what, code);
    }
  }

  #failure(what: string, code: number): AudioError {
    return new AudioError('AUDIO_ERR_CODEC_FAILURE', `${what} failed: ${this.#errorText(code)}`);
  }

  #errorText(code: number): string {
    const bytes = new Uint8Array(this.#w.memory.buffer);
    let text = '';
    for (let i = this.#w.opus_strerror(code); i < bytes.length && bytes[i] !== 0 && text.length < 80; i++) {
      text += String.fromCharCode(bytes[i]!);
    }
    return text || `libopus error ${code}`;
  }
}

function closedError(): AudioError {
  return new AudioError('AUDIO_ERR_CLOSED', 'the Opus encoder or decoder is closed');
}
