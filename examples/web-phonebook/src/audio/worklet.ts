/**
 * The page's two AudioWorklet processors, loaded into the audio rendering thread with
 * `audioWorklet.addModule('worklet.js')`. They move samples only — no codec, no keys: Opus, the jitter
 * buffer and the packet cipher run on the page's main thread, where @leitung/audio and @leitung/client
 * live (README "Architecture").
 *
 * - `leitung-capture`: mixes its input down to mono and posts 20 ms frames (960 samples at the context's
 *   48 kHz) to the main thread — the microphone, and the tap that records what is played.
 * - `leitung-playback`: plays 20 ms frames posted from the main thread, with a pre-buffer against the
 *   main thread's timer jitter that grows when it ran dry (playout-queue.ts) and a cap on what may queue
 *   (late audio is useless in a call). It posts its counters to the main thread each time it ran dry, and
 *   starts afresh when told a call's audio begins.
 */
import { PlayoutQueue } from './playout-queue.js';
import {
  FRAME_SAMPLES,
  PLAYBACK_MAX_FRAMES,
  PLAYBACK_MAX_PREBUFFER_FRAMES,
  PLAYBACK_PREBUFFER_FRAMES,
  PLAYBACK_RELAX_SAMPLES,
  PLAYBACK_RESET,
  type PlaybackReport,
} from './worklet-protocol.js';

/** The AudioWorkletGlobalScope's API used here (TypeScript's DOM library does not describe that scope). */
declare abstract class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new (options?: unknown) => AudioWorkletProcessor,
): void;

class CaptureProcessor extends AudioWorkletProcessor {
  #frame = new Float32Array(FRAME_SAMPLES);
  #filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0] ?? [];
    const first = channels[0];
    if (first === undefined) return true;
    const count = channels.length;
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (let c = 0; c < count; c++) sum += channels[c]![i]!;
      this.#frame[this.#filled++] = sum / count;
      if (this.#filled === FRAME_SAMPLES) {
        const full = this.#frame;
        this.port.postMessage(full, [full.buffer]);
        this.#frame = new Float32Array(FRAME_SAMPLES);
        this.#filled = 0;
      }
    }
    return true;
  }
}

class PlaybackProcessor extends AudioWorkletProcessor {
  readonly #queue = new PlayoutQueue({
    baseFrames: PLAYBACK_PREBUFFER_FRAMES,
    maxTargetFrames: PLAYBACK_MAX_PREBUFFER_FRAMES,
    capFrames: PLAYBACK_MAX_FRAMES,
    relaxSamples: PLAYBACK_RELAX_SAMPLES,
  });
  #underruns = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<Float32Array | typeof PLAYBACK_RESET>) => {
      if (event.data === PLAYBACK_RESET) this.#queue.reset();
      else this.#queue.push(event.data);
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (out === undefined) return true;
    this.#queue.fill(out);
    for (let c = 1; c < (outputs[0]?.length ?? 0); c++) outputs[0]![c]!.set(out);
    // Checked on every render quantum (128 samples): the report is built only when the queue ran dry again.
    if (this.#queue.underruns !== this.#underruns) {
      this.#underruns = this.#queue.underruns;
      const report: PlaybackReport = this.#queue.counters();
      this.port.postMessage(report);
    }
    return true;
  }
}

registerProcessor('leitung-capture', CaptureProcessor);
registerProcessor('leitung-playback', PlaybackProcessor);
