/**
 * The codecs of a call: Opus at 24 kbit/s (docs/design.md §8) on libopus from @evan/opus (native encoder
 * where it loads, wasm otherwise), PCM16 for the seed's raw mode. The receiver decodes both, whichever
 * the other side sends (the payload's codec id byte says which). The call offer lists the chosen codec
 * first (docs/session-protocol.md §3 `codecs`); the callee sends in a codec the caller offered.
 */
import {
  type AudioCodec,
  assertCodecFits,
  createOpusCodec,
  createPcm16Codec,
  FRAME_SAMPLES,
} from '@leitung/audio';
import { loadOpusBackend } from '@leitung/audio/node';
import type { CodecChoice } from '../cli/args.js';

export interface CallCodecs {
  readonly send: AudioCodec;
  readonly receive: readonly AudioCodec[];
  /** Codec ids for the call offer, in preference order: the chosen one first. */
  readonly offer: readonly number[];
}

/**
 * Loads the codecs and checks at start-up, not in a call, that the chosen one's frames fit in a media
 * packet the relay forwards (AUDIO_ERR_PACKET_TOO_LARGE otherwise).
 */
export function loadCodecs(choice: CodecChoice): CallCodecs {
  const opus = createOpusCodec(loadOpusBackend());
  const pcm16 = createPcm16Codec();
  warmUp(opus);
  const send = choice === 'pcm16' ? pcm16 : opus;
  assertCodecFits(send);
  const receive = [opus, pcm16];
  return { send, receive, offer: [send.id, ...receive.filter((c) => c !== send).map((c) => c.id)] };
}

/**
 * The codec to send with: the chosen one when the peer offered it (or offered nothing: the caller learns
 * no list, CALL_RESPONSE carries none), else the first codec the peer offered that this program has.
 */
export function sendCodecFor(
  chosen: AudioCodec,
  available: readonly AudioCodec[],
  offered: readonly number[] | undefined,
): AudioCodec | undefined {
  if (offered === undefined || offered.includes(chosen.id)) return chosen;
  for (const id of offered) {
    const codec = available.find((c) => c.id === id);
    if (codec !== undefined) return codec;
  }
  return undefined;
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
