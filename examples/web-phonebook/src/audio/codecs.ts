/**
 * The page's codecs: Opus at 24 kbit/s (docs/design.md §8) on libopus compiled to WebAssembly — the SIMD
 * build where the browser validates wasm SIMD — and PCM16, which the receiver also decodes. The wasm file
 * is fetched from the page's own origin (build.mjs copies it from @evan/opus).
 */
import {
  type AudioCodec,
  createOpusCodec,
  createPcm16Codec,
  FRAME_SAMPLES,
  instantiateOpusWasm,
  opusWasmSimdSupported,
} from '@leitung/audio';

export interface PageCodecs {
  readonly send: AudioCodec;
  readonly receive: readonly AudioCodec[];
  /** Ids for the call offer, preference order. */
  readonly offer: readonly number[];
}

export async function loadCodecs(baseUrl: URL): Promise<PageCodecs> {
  const file = opusWasmSimdSupported() ? 'opus-simd.wasm' : 'opus.wasm';
  const response = await fetch(new URL(file, baseUrl));
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  const opus = createOpusCodec(await instantiateOpusWasm(await response.arrayBuffer()));
  const pcm16 = createPcm16Codec();
  // libopus's first encode and decode initialise code: done now, not in the first call's setup.
  const encoder = opus.createEncoder();
  const decoder = opus.createDecoder();
  try {
    decoder.decode(encoder.encode(new Int16Array(FRAME_SAMPLES)).data);
  } finally {
    encoder.close();
    decoder.close();
  }
  return { send: opus, receive: [opus, pcm16], offer: [opus.id, pcm16.id] };
}
