/**
 * The audio of one call in the page: @leitung/audio's send and receive streams (Opus, jitter buffer,
 * concealment, E-model) between the Client's media transport (authenticated, decrypted frames) and the
 * page's microphone and speaker (browser-audio.ts) — the same composition as the terminal phonebook's
 * CallMedia, with the browser's devices. It also keeps the moments the benchmarks read: when the first
 * authenticated frame was decoded (call setup, docs/design.md §9).
 */
import {
  type AudioCodec,
  AudioReceiver,
  AudioReceiveStream,
  AudioSender,
  AudioSendStream,
} from '@leitung/audio';
import { decodePayload } from '@leitung/audio/core';
import type { MediaTransport } from '@leitung/client/browser';
import type { BrowserAudio, Microphone } from './browser-audio.js';

/** Live figures of the call for the call screen, never computed over nothing (undefined while no audio). */
export interface LiveQuality {
  readonly audio: 'none' | 'stalled' | 'flowing';
  readonly lossPercent: number | undefined;
  readonly jitterMs: number;
  readonly bufferDelayMs: number;
  readonly sendKbps: number;
  readonly receiveKbps: number;
  readonly mos: number | undefined;
  readonly packetsReceived: number;
  readonly packetsSent: number;
}

export interface CallAudioOptions {
  readonly transport: MediaTransport;
  readonly audio: BrowserAudio;
  readonly codec: AudioCodec;
  readonly receiveCodecs: readonly AudioCodec[];
  /** Called once with `performance.timeOrigin + performance.now()` when the first frame is decoded. */
  readonly onFirstFrame?: (decodedAt: number) => void;
  readonly onFailure: (error: unknown) => void;
}

export class CallAudio {
  readonly #o: CallAudioOptions;
  readonly #sender: AudioSender;
  readonly #receiver: AudioReceiver;
  #streams: { send: AudioSendStream; receive: AudioReceiveStream } | undefined;
  #prepared: Promise<void> | undefined;
  #running: Promise<unknown> | undefined;
  #microphone: Microphone | undefined;
  #stopped = false;
  #unsubscribe: () => void;

  constructor(options: CallAudioOptions) {
    this.#o = options;
    this.#sender = new AudioSender({ codec: options.codec });
    // Frames of 15–25 ms while the jitter buffer moves its delay, so it moves by part of a frame
    // (packages/audio/README.md, "Jitter buffer"); the speaker worklet plays them back to back.
    this.#receiver = new AudioReceiver({ codecs: options.receiveCodecs, variableFrames: true });
    this.#unsubscribe = options.transport.onFrame((frame) => {
      this.#unsubscribe();
      this.#probeDecode(frame.payload);
      options.onFirstFrame?.(performance.timeOrigin + performance.now());
    });
  }

  /**
   * Opens the microphone and builds both streams without running them — at `call:accepted`, so that the
   * first frame goes out as soon as the media lane is bound instead of after the microphone opens (tens
   * of ms in a browser), as the terminal phonebook does with its devices.
   */
  prepare(): Promise<void> {
    this.#prepared ??= this.#prepare();
    return this.#prepared;
  }

  /**
   * Runs both streams (at `media:bound`). Of what the microphone captured before, only the newest frame
   * is sent, at once: the last ≤ 20 ms said, not a backlog sent late (capture-queue.ts).
   */
  async start(): Promise<void> {
    await this.prepare();
    if (this.#streams === undefined || this.#running !== undefined || this.#stopped) return;
    this.#microphone?.keepNewest();
    this.#running = Promise.all([this.#streams.send.run(), this.#streams.receive.run()]);
  }

  async #prepare(): Promise<void> {
    const microphone = await this.#o.audio.microphone();
    if (this.#stopped) {
      await microphone.close();
      return;
    }
    this.#microphone = microphone;
    const send = new AudioSendStream({
      source: microphone,
      sender: this.#sender,
      transport: this.#o.transport,
      // The capture worklet delivers a frame every 20 ms of audio clock: no pacing on top.
      paceMs: 0,
    });
    const receive = new AudioReceiveStream({
      receiver: this.#receiver,
      transport: this.#o.transport,
      sink: this.#o.audio.speaker(),
    });
    // Loss feedback for Opus FEC, as in the terminal phonebook: plan for the loss this side measures.
    receive.on('stats:update', (s) => {
      if (s.audio !== 'flowing' || this.#stopped) return;
      try {
        this.#sender.setExpectedLossPercent(s.recentLossPercent);
      } catch {
        // The send stream already ended and closed the sender.
      }
    });
    send.on('stream:failed', this.#o.onFailure);
    receive.on('stream:failed', this.#o.onFailure);
    this.#streams = { send, receive };
  }

  quality(): LiveQuality {
    const receive = this.#receiver.stats(performance.now());
    const send = this.#sender.stats();
    const flowing = receive.audio === 'flowing';
    return {
      audio: receive.audio,
      lossPercent: flowing ? receive.effectiveLossPercent : undefined,
      jitterMs: receive.interarrivalJitterMs,
      bufferDelayMs: receive.bufferDelayMs,
      sendKbps: send.bitrateKbps.packet,
      receiveKbps: receive.bitrateKbps.packet,
      mos: flowing ? receive.mos : undefined,
      packetsReceived: receive.packetsReceived,
      packetsSent: send.packetsSent,
    };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe();
    await this.#prepared?.catch(() => undefined);
    if (this.#streams === undefined) {
      this.#sender.close();
      this.#receiver.close();
    } else {
      // Streams that never ran release their source, sink, sender and receiver in stop() too.
      await Promise.all([this.#streams.send.stop(), this.#streams.receive.stop()]);
      await this.#running;
    }
    this.#o.transport.close();
  }

  /** Decodes the first frame once, to time "first decoded audio frame" without waiting for playout. */
  #probeDecode(payload: Uint8Array): void {
    try {
      const { codecId, data } = decodePayload(payload);
      const codec = this.#o.receiveCodecs.find((c) => c.id === codecId);
      if (codec === undefined) return;
      const decoder = codec.createDecoder();
      try {
        decoder.decode(data);
      } finally {
        decoder.close();
      }
    } catch {
      // An undecodable first frame is concealed by the receiver like any other.
    }
  }
}
