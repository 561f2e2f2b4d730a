/**
 * The codecs of a call: Opus at 24 kbit/s (docs/design.md §8) on libopus from @evan/opus (native encoder
 * where it loads, wasm otherwise), PCM16 for the seed's raw mode. The receiver decodes both, whichever
 * the other side sends (the payload's codec id byte says which).
 */
import { type AudioCodec, createOpusCodec, createPcm16Codec, FRAME_SAMPLES } from '@leitung/audio';
import { loadOpusBackend } from '@leitung/audio/node';
import type { CodecChoice } from '../cli/args.js';

export interface CallCodecs {
  readonly send: AudioCodec;
  readonly receive: readonly AudioCodec[];
}

export function loadCodecs(choice: CodecChoice): CallCodecs {
  const opus = createOpusCodec(loadOpusBackend());
  const pcm16 = createPcm16Codec();
  warmUp(opus);
  return { send: choice === 'pcm16' ? pcm16 : opus, receive: [opus, pcm16] };
}

/**
 * Encodes and decodes one frame of silence at start-up: libopus's first encode and decode compile and
 * initialise code (several ms with the wasm build), which would otherwise land in the first call's setup.
 */
function warmUp(codec: AudioCodec): void {
  const encoder = codec.createEncoder();
  const decoder = codec.createDecoder();
  try {
    decoder.decode(encoder.encode(new Int16Array(FRAME_SAMPLES)).data);
  } finally {
    encoder.close();
    decoder.close();
  }
}
