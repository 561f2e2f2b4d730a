/**
 * The page's sound: one AudioContext at 48 kHz with the two AudioWorklet processors of worklet.ts, the
 * microphone as an @leitung/audio `AudioSource` and the speaker as an `AudioSink`. The call's pipeline
 * (call-audio.ts) reads 20 ms frames from the one and writes 20 ms frames into the other, exactly as the
 * terminal phonebook does with its devices.
 *
 * With `record` on, what the speaker plays is also tapped after the player (a second capture processor on
 * the player's output) and kept from the start of a call's audio, up to {@link RECORD_LIMIT_FRAMES}: the
 * tests read it back to check what the page's user heard.
 */
import {
  AudioError,
  type AudioSink,
  type AudioSource,
  MAX_PLAYOUT_SAMPLES,
  MIN_PLAYOUT_SAMPLES,
} from '@leitung/audio';
import { CaptureQueue } from './capture-queue.js';
import { floatToPcm16, pcm16ToFloat } from './pcm.js';
import {
  CAPTURE_PROCESSOR,
  CONTEXT_SAMPLE_RATE,
  FRAME_SAMPLES,
  PLAYBACK_PREBUFFER_FRAMES,
  PLAYBACK_PROCESSOR,
  PLAYBACK_RESET,
  type PlaybackReport,
} from './worklet-protocol.js';

/** Frames of microphone audio that may wait for the send stream; older ones are dropped (200 ms). */
const CAPTURE_MAX_FRAMES = 10;
/** At most 2 minutes of played audio are kept when recording. */
const RECORD_LIMIT_FRAMES = 6000;

export interface Microphone extends AudioSource {
  readonly label: string;
  /** Drops the frames captured but not read yet, except the newest (capture-queue.ts). */
  keepNewest(): void;
}

export class BrowserAudio {
  readonly #context: AudioContext;
  readonly #player: AudioWorkletNode;
  readonly #recorded: Int16Array[] = [];
  #playback: PlaybackReport = { underruns: 0, dropped: 0, targetFrames: PLAYBACK_PREBUFFER_FRAMES };
  /** The microphone opened ahead of a call (at dial), for that call's `microphone()` to take. */
  #early: Promise<Microphone> | undefined;

  private constructor(context: AudioContext, player: AudioWorkletNode) {
    this.#context = context;
    this.#player = player;
    player.port.onmessage = (event: MessageEvent<PlaybackReport>) => {
      this.#playback = event.data;
    };
  }

  /** Creates the context and loads the worklet module from `workletUrl`. */
  static async open(workletUrl: string, record: boolean): Promise<BrowserAudio> {
    const context = new AudioContext({ sampleRate: CONTEXT_SAMPLE_RATE, latencyHint: 'interactive' });
    await context.audioWorklet.addModule(workletUrl);
    const player = new AudioWorkletNode(context, PLAYBACK_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    player.connect(context.destination);
    const audio = new BrowserAudio(context, player);
    if (record) {
      // A processor without outputs is pulled by the rendering thread on its own (Web Audio's
      // "actively processing" rule), so the tap needs no path to the destination.
      const tap = new AudioWorkletNode(context, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 0 });
      player.connect(tap);
      tap.port.onmessage = (event: MessageEvent<Float32Array>) => {
        if (audio.#recorded.length < RECORD_LIMIT_FRAMES) audio.#recorded.push(floatToPcm16(event.data));
      };
    }
    return audio;
  }

  /** A context created before a user gesture starts suspended: the first click resumes it. */
  resume(): Promise<void> {
    return this.#context.resume();
  }

  /** Stops the rendering thread while no call needs it (opened ahead of the first call); `resume` restarts. */
  suspend(): Promise<void> {
    return this.#context.state === 'running' ? this.#context.suspend() : Promise.resolve();
  }

  /**
   * Opens the microphone now for the call whose offer just went out (phone.ts), so that the call's
   * `microphone()` finds it open: getUserMedia and the capture worklet take tens of ms, which otherwise
   * fall between the callee's answer and the first frame. Of what it captures before the call runs,
   * only the newest frame is sent (CallAudio.start, capture-queue.ts).
   */
  openMicrophoneEarly(): void {
    if (this.#early !== undefined) return;
    const early = this.#openMicrophone();
    this.#early = early;
    early.catch(() => {
      if (this.#early === early) this.#early = undefined;
    });
  }

  /** The call ended before it took the early microphone: close it. */
  async closeEarlyMicrophone(): Promise<void> {
    const early = this.#early;
    this.#early = undefined;
    const microphone = await early?.catch(() => undefined);
    await microphone?.close();
  }

  /** The microphone opened early for this call, or a newly opened one (asks for permission the first time). */
  microphone(): Promise<Microphone> {
    const early = this.#early;
    this.#early = undefined;
    return early ?? this.#openMicrophone();
  }

  /** Opens the microphone as a source of 20 ms frames. */
  async #openMicrophone(): Promise<Microphone> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const track = stream.getAudioTracks()[0];
    const input = this.#context.createMediaStreamSource(stream);
    const capture = new AudioWorkletNode(this.#context, CAPTURE_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
    });
    input.connect(capture);
    const queue = new CaptureQueue<Int16Array>(CAPTURE_MAX_FRAMES);
    capture.port.onmessage = (event: MessageEvent<Float32Array>) => queue.push(floatToPcm16(event.data));
    let closed = false;
    return {
      label: track?.label ?? 'microphone',
      keepNewest: () => queue.keepNewest(),
      read: () => queue.read(),
      close: async () => {
        if (closed) return;
        closed = true;
        input.disconnect();
        capture.port.onmessage = null;
        for (const t of stream.getTracks()) t.stop();
        queue.close();
      },
    };
  }

  /** The speaker: each written frame is queued in the player worklet. The player and the recording start anew. */
  speaker(): AudioSink {
    let closed = false;
    this.#recorded.length = 0;
    this.#player.port.postMessage(PLAYBACK_RESET);
    return {
      write: async (frame) => {
        if (closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the speaker is closed');
        // 20 ms, or 15–25 ms while the receiver resizes frames to move its delay (`variableFrames`); the
        // player plays them back to back whatever their length.
        if (frame.length < MIN_PLAYOUT_SAMPLES || frame.length > MAX_PLAYOUT_SAMPLES) {
          throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'a frame is 720–1200 samples (15–25 ms)');
        }
        const samples = pcm16ToFloat(frame);
        this.#player.port.postMessage(samples, [samples.buffer]);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  /** The player's counters since the context was opened, as of the last time it ran dry. */
  playback(): PlaybackReport {
    return this.#playback;
  }

  /** What the speaker played since the last call's audio started (with `record` on), 48 kHz mono. */
  recording(): Int16Array {
    const out = new Int16Array(this.#recorded.length * FRAME_SAMPLES);
    this.#recorded.forEach((frame, i) => {
      out.set(frame, i * FRAME_SAMPLES);
    });
    return out;
  }
}
