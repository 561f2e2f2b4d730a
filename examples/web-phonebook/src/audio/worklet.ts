/**
 * The page's two AudioWorklet processors, loaded into the audio rendering thread with
 * `audioWorklet.addModule('worklet.js')`. They move samples only — no codec, no keys: Opus, the jitter
 * buffer and the packet cipher run on the page's main thread, where @leitung/audio and @leitung/client
 * live (README "Architecture").
 *
 * - `leitung-capture`: mixes its input down to mono and posts 20 ms frames (960 samples at the context's
 *   48 kHz) to the main thread — the microphone, and the tap that records what is played.
 * - `leitung-playback`: plays 20 ms frames posted from the main thread, with a small pre-buffer against the
 *   main thread's timer jitter and a cap on what may queue (late audio is useless in a call).
 */
import { FRAME_SAMPLES, PLAYBACK_MAX_FRAMES, PLAYBACK_PREBUFFER_FRAMES } from './worklet-protocol.js';

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
  readonly #queue: Float32Array[] = [];
  #current: Float32Array | undefined;
  #offset = 0;
  #primed = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<Float32Array>) => {
      this.#queue.push(event.data);
      // Beyond the cap the oldest frames go: the delay stays bounded if the main thread runs ahead.
      while (this.#queue.length > PLAYBACK_MAX_FRAMES) this.#queue.shift();
      if (this.#queue.length >= PLAYBACK_PREBUFFER_FRAMES) this.#primed = true;
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (out === undefined) return true;
    let i = 0;
    while (i < out.length) {
      if (this.#current === undefined || this.#offset >= this.#current.length) {
        this.#current = this.#primed ? this.#queue.shift() : undefined;
        this.#offset = 0;
        if (this.#current === undefined) {
          // Ran dry: silence until the pre-buffer has filled again.
          this.#primed = false;
          out.fill(0, i);
          break;
        }
      }
      const n = Math.min(out.length - i, this.#current.length - this.#offset);
      out.set(this.#current.subarray(this.#offset, this.#offset + n), i);
      this.#offset += n;
      i += n;
    }
    for (let c = 1; c < (outputs[0]?.length ?? 0); c++) outputs[0]![c]!.set(out);
    return true;
  }
}

registerProcessor('leitung-capture', CaptureProcessor);
registerProcessor('leitung-playback', PlaybackProcessor);
