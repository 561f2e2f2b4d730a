/**
 * The audio of one call: the Client's media channel (authenticated, decrypted frames; @leitung/client)
 * composed with @leitung/audio's send and receive streams (Opus, jitter buffer, concealment, E-model).
 * The client implements audio's FrameTransport structurally, so nothing here touches packets or keys.
 *
 * Besides playing and recording it keeps the timing marks the reports need: when the first authenticated
 * frame arrived and was decoded (call-setup time, docs/design.md §9), when audio first played out of the jitter
 * buffer, and when the first sample went out and the first sample came in (audio delay by
 * cross-correlation in the demo and the end-to-end test).
 */
import {
  type AudioCodec,
  AudioReceiver,
  AudioReceiveStream,
  AudioSender,
  AudioSendStream,
  type FrameTransport,
  type PlayoutFrame,
  type ReceiveStats,
  type SendStats,
} from '@leitung/audio';
import { decodePayload } from '@leitung/audio/core';
import type { Client, MediaChannelStats } from '@leitung/client';
import { describeError } from '../errors.js';
import { type AudioControls, mutable, withVolume } from './audio-controls.js';
import type { AudioChoice, Notify, OpenedSink, OpenedSource } from './audio-io.js';
import { openCallSink, openCallSource } from './audio-io.js';
import { WALL_STREAM_CLOCK, wallClock } from './clock.js';
import type { DeviceAccess } from './devices.js';
import { LevelMeter } from './level-meter.js';

/** Wall-clock times (ms, see clock.ts) of the moments a call's media passes. */
export interface CallMarks {
  /** This side's BIND was acknowledged: frames can flow. */
  boundAt?: number;
  /** The first frame was read from the source (sample n went out at sendStartedAt + n / 48 kHz). */
  sendStartedAt?: number;
  /** The first frame was written to the sink (sample n was played at receiveStartedAt + n / 48 kHz). */
  receiveStartedAt?: number;
  /** The first authenticated, decrypted frame arrived from the relay. */
  firstFrameAt?: number;
  /** … and its codec payload was decoded to PCM. */
  firstDecodedAt?: number;
  /** The jitter buffer played the first decoded (not concealed) frame. */
  firstPlayoutAt?: number;
}

/**
 * Live call quality, for the call screen and the `call:quality` events. Figures are never computed over
 * nothing: before the first frame, and (live) while no frame has arrived for a second, `lossPercent` and
 * `mos` are undefined and `audio` says why.
 */
export interface CallQuality {
  /** `none`: no frame arrived yet; `stalled`: none for a second (relay or peer gone); `flowing`. */
  readonly audio: 'none' | 'stalled' | 'flowing';
  /** Time since the last frame arrived, ms (undefined before the first). */
  readonly silentForMs: number | undefined;
  /** Lost + late − FEC-recovered, percent of expected (the E-model's Ppl). */
  readonly lossPercent: number | undefined;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly packetsLate: number;
  /** RFC 3550 interarrival jitter. */
  readonly jitterMs: number;
  /** Delay the jitter buffer adds now. */
  readonly bufferDelayMs: number;
  /** Smoothed round-trip time to this side's relay, when probed. */
  readonly rttMs: number | undefined;
  /** Media packets on the wire (UDP payload: header, ciphertext, tag), kbit/s. */
  readonly sendKbps: number;
  readonly receiveKbps: number;
  /** E-model MOS estimate (ITU-T G.107) of what this side hears. */
  readonly mos: number | undefined;
  /** Levels of the last frame out and in, dBFS (peak hold). */
  readonly levelOutDb: number;
  readonly levelInDb: number;
}

export interface CallStats {
  readonly codec: string;
  readonly source: string;
  readonly sink: string;
  readonly marks: CallMarks;
  readonly quality: CallQuality;
  readonly send: SendStats;
  readonly receive: ReceiveStats;
  /** The media channel's own counters (sent, received, dropped by reason). */
  readonly channel: MediaChannelStats | undefined;
}

export interface CallMediaOptions {
  readonly client: Client;
  /** Codec to send. */
  readonly codec: AudioCodec;
  /** Codecs the receiver decodes (by the id byte of each payload). */
  readonly receiveCodecs: readonly AudioCodec[];
  readonly audio: AudioChoice;
  /** Mute and volume, read at every frame (audio-controls.ts); default: unmuted at 100 %. */
  readonly controls?: AudioControls;
  /** The system's devices (default: arecord/aplay or sox); tests pass stand-ins. */
  readonly devices?: DeviceAccess;
  readonly notify: Notify;
  /** The microphone, opened while the callee's phone rang (early-microphone.ts); default: opened here. */
  readonly microphone?: Promise<OpenedSource> | undefined;
  /** Called once the first frame has arrived and been decoded. */
  readonly onFirstFrame?: (marks: CallMarks) => void;
}

/** A receiver that notes when the first decoded frame is played out. */
class MarkingReceiver extends AudioReceiver {
  firstPlayoutAt: number | undefined;

  override pull(now: number): PlayoutFrame {
    const frame = super.pull(now);
    if (this.firstPlayoutAt === undefined && frame.source === 'decoded') this.firstPlayoutAt = wallClock();
    return frame;
  }
}

export class CallMedia {
  readonly marks: CallMarks = {};
  readonly #o: CallMediaOptions;
  readonly #out = new LevelMeter(wallClock);
  readonly #in = new LevelMeter(wallClock);
  #transport: FrameTransport | undefined;
  readonly #sender: AudioSender;
  readonly #receiver: MarkingReceiver;
  #sendStream: AudioSendStream | undefined;
  #receiveStream: AudioReceiveStream | undefined;
  #prepared: Promise<void> | undefined;
  #running: Promise<unknown> | undefined;
  #channel: MediaChannelStats | undefined;
  #opened: { source: OpenedSource; sink: OpenedSink } | undefined;
  #stopped: Promise<CallStats> | undefined;

  readonly #controls: AudioControls;

  constructor(options: CallMediaOptions) {
    this.#o = options;
    this.#controls = options.controls ?? { muted: false, volume: 100 };
    this.#sender = new AudioSender({ codec: options.codec });
    // Frames of 15–25 ms while the jitter buffer moves its delay, so that it moves by part of a frame and
    // holds the delay near what the jitter needs (packages/audio/README.md, "Jitter buffer"); every sink here
    // (device, WAV file, discard) plays or stores frames back to back.
    this.#receiver = new MarkingReceiver({ codecs: options.receiveCodecs, variableFrames: true });
  }

  get sourceLabel(): string {
    return this.#opened?.source.label ?? '';
  }

  get sinkLabel(): string {
    return this.#opened?.sink.label ?? '';
  }

  /**
   * Opens source and sink and builds both streams, without running them: done when the call is accepted,
   * so that when the media binding is acknowledged the first frame goes out at once.
   */
  prepare(): Promise<void> {
    this.#prepared ??= this.#prepare();
    return this.#prepared;
  }

  /** Runs both streams on the call's media channel (at `media:bound`). */
  async start(): Promise<void> {
    await this.prepare();
    if (this.#stopped || !this.#sendStream || !this.#receiveStream || this.#running) return;
    // A microphone opened while the phone rang has recorded since: the call starts with its newest frame.
    this.#opened?.source.keepNewest?.();
    this.#running = Promise.all([this.#sendStream.run(), this.#receiveStream.run()]);
  }

  async #prepare(): Promise<void> {
    const { client, notify } = this.#o;
    const transport = client.mediaTransport();
    this.#transport = transport;
    const unsubscribe = transport.onFrame((frame) => {
      unsubscribe();
      this.marks.firstFrameAt = wallClock();
      this.#probeDecode(frame.payload);
      this.marks.firstDecodedAt = wallClock();
      this.#o.onFirstFrame?.({ ...this.marks });
    });
    const [source, sink] = await Promise.all([
      this.#o.microphone ?? openCallSource(this.#o.audio, notify, this.#o.devices),
      openCallSink(this.#o.audio, notify, this.#o.devices),
    ]);
    this.#opened = { source, sink };
    if (this.#stopped) {
      // Hung up while the devices were opening.
      await Promise.all([source.source.close(), sink.sink.close()]);
      return;
    }
    this.#sendStream = new AudioSendStream({
      // Muted frames are silence before the meter: the out meter shows what the other side receives.
      source: this.#out.source(mutable(source.source, this.#controls)),
      sender: this.#sender,
      transport,
      clock: WALL_STREAM_CLOCK,
    });
    this.#receiveStream = new AudioReceiveStream({
      receiver: this.#receiver,
      transport,
      // The in meter shows what arrives; the volume applies to what is played.
      sink: this.#in.sink(withVolume(sink.sink, this.#controls)),
      clock: WALL_STREAM_CLOCK,
    });
    // Loss feedback for Opus FEC: the media protocol carries no receiver report, so the encoder plans for
    // the loss this side measures on the incoming stream — both directions cross the same relay and
    // access links (packages/audio/README.md, "Loss robustness"). On a clean network that is 0 and the
    // encoder spends no bits on FEC.
    this.#receiveStream.on('stats:update', (s) => {
      if (s.audio !== 'flowing' || this.#stopped) return;
      try {
        this.#sender.setExpectedLossPercent(s.recentLossPercent);
      } catch {
        // The send stream already ended and closed the sender: nothing left to tune.
      }
    });
    const failed = (error: unknown) => notify(`audio stream failed: ${describeError(error)}`);
    this.#sendStream.on('stream:failed', failed);
    this.#receiveStream.on('stream:failed', failed);
  }

  /** The quality right now; also refreshes the network delay the E-model uses from the relay RTT. */
  quality(): CallQuality {
    const rttMs = this.#rtt();
    // One way through the relay is half this side's RTT plus half the other side's; with both legs on
    // similar paths that is about one RTT.
    if (rttMs !== undefined) this.#receiver.setNetworkDelay(rttMs);
    this.#channel = this.#o.client.mediaStats() ?? this.#channel;
    return this.#snapshot(rttMs, 'live').quality;
  }

  /** Stops both streams (the output WAV is complete once this resolves) and returns the final figures. */
  stop(): Promise<CallStats> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<CallStats> {
    this.#channel = this.#o.client.mediaStats() ?? this.#channel;
    const rttMs = this.#rtt();
    const snapshot = this.#snapshot(rttMs, 'final');
    // Let a preparation in flight finish (it sees #stopped and builds nothing more).
    await this.#prepared?.catch(() => undefined);
    // The streams own sender, receiver, source and sink and close them; without streams, close here.
    if (this.#sendStream === undefined) this.#sender.close();
    if (this.#receiveStream === undefined) this.#receiver.close();
    await Promise.all([this.#sendStream?.stop(), this.#receiveStream?.stop()]);
    await this.#running;
    this.#transport?.close();
    if (this.#receiver.firstPlayoutAt !== undefined)
      this.marks.firstPlayoutAt = this.#receiver.firstPlayoutAt;
    return {
      codec: this.#o.codec.name,
      source: this.sourceLabel,
      sink: this.sinkLabel,
      marks: { ...this.marks },
      quality: snapshot.quality,
      send: snapshot.send,
      receive: snapshot.receive,
      channel: this.#channel,
    };
  }

  /**
   * `live`: what is heard now — no loss or MOS while audio is not flowing. `final`: the whole call — figures
   * whenever any frame arrived (the last frames of a finished call are naturally a moment old).
   */
  #snapshot(
    rttMs: number | undefined,
    view: 'live' | 'final',
  ): { quality: CallQuality; send: SendStats; receive: ReceiveStats } {
    if (this.#receiver.firstPlayoutAt !== undefined)
      this.marks.firstPlayoutAt = this.#receiver.firstPlayoutAt;
    if (this.#out.firstAt !== undefined) this.marks.sendStartedAt ??= this.#out.firstAt;
    if (this.#in.firstAt !== undefined) this.marks.receiveStartedAt ??= this.#in.firstAt;
    const send = this.#sender.stats();
    const receive = this.#receiver.stats(wallClock());
    const measured = view === 'final' ? receive.audio !== 'none' : receive.audio === 'flowing';
    return {
      send,
      receive,
      quality: {
        audio: receive.audio,
        silentForMs: receive.silentForMs,
        lossPercent: measured ? receive.effectiveLossPercent : undefined,
        packetsReceived: receive.packetsReceived,
        packetsLost: receive.packetsLost,
        packetsLate: receive.packetsLate,
        jitterMs: receive.interarrivalJitterMs,
        bufferDelayMs: receive.bufferDelayMs,
        rttMs,
        sendKbps: send.bitrateKbps.packet,
        receiveKbps: receive.bitrateKbps.packet,
        mos: measured ? receive.mos : undefined,
        levelOutDb: this.#out.peakDb,
        levelInDb: this.#in.peakDb,
      },
    };
  }

  #rtt(): number | undefined {
    const relay = this.#o.client.relay;
    if (relay === undefined) return undefined;
    return this.#o.client.relayStatus().find((s) => s.entry.fingerprint === relay.fingerprint)?.rttMs;
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
      // An undecodable first frame is concealed by the receiver like any other; the mark still counts it.
    }
  }
}
