/**
 * Receive side of one audio stream, sans-I/O: transport frames in (`receive`), one 20 ms PCM frame out
 * per `pull`, plus call-quality statistics. Combines the jitter buffer, one decoder per codec id seen,
 * concealment (Opus FEC/PLC, PCM fade) and the E-model.
 */
import { FRAME_MS, FRAME_SAMPLES, SAMPLES_PER_MS } from './audio-format.js';
import type { AudioCodec, AudioDecoder, ConcealMethod } from './codec.js';
import { eModel } from './e-model.js';
import { AudioError } from './errors.js';
import type { MediaFrame } from './frame-transport.js';
import {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type PlayoutDecision,
  type PushResult,
} from './jitter-buffer.js';
import { type DecodedPayload, decodePayload } from './packetizer.js';
import type { BitrateKbps } from './sender.js';
import { timeStretch } from './time-stretch.js';
import { LEITUNG_MEDIA_OVERHEAD, type MediaPacketOverhead, mediaPacketSize } from './wire-overhead.js';

/**
 * Options of {@link AudioReceiver}: the codecs the stream may carry (a decoder is made per codec on first use),
 * jitter-buffer tuning (`@leitung/audio/core`'s `JitterBufferOptions`), the wire-overhead model for the bitrate
 * figures (`@leitung/audio/analysis`; default: the Leitung media packet) and the initial one-way network delay
 * for the E-model.
 */
export interface AudioReceiverOptions {
  /** Codecs this stream may carry; a decoder is made for each on first use. */
  readonly codecs: readonly AudioCodec[];
  readonly jitterBuffer?: JitterBufferOptions;
  readonly overhead?: MediaPacketOverhead;
  /** One-way network delay for the E-model (e.g. half the relay RTT); default 0 until set. */
  readonly networkDelayMs?: number;
  /**
   * Whether the jitter buffer's moves during speech are played by time-stretching a few frames (WSOLA)
   * instead of inserting or skipping a whole frame; default true. A clean network never moves, so its
   * audio is the decoder's output either way.
   */
  readonly timeStretch?: boolean;
  /**
   * Whether `pull` may return frames of 15–25 ms (`MIN_PLAYOUT_SAMPLES`–`MAX_PLAYOUT_SAMPLES`):
   * the caller then plays each at its length and pulls again once it has played, as `AudioReceiveStream`
   * does, and the jitter buffer moves its delay by resizing single frames by up to 5 ms instead of by whole
   * frames, so the delay is held within a few ms of what the jitter needs rather than on a 20 ms grid.
   * Default false: every frame is 20 ms. Needs `timeStretch`; a clean network never moves either way.
   */
  readonly variableFrames?: boolean;
}

/** Where a played frame came from. */
export type PlayoutSource = 'decoded' | ConcealMethod;

/**
 * One frame of audio for the speaker, as {@link AudioReceiver.pull} returns it — 20 ms, or 15–25 ms with
 * `variableFrames` while the buffer moves its delay: the samples, where they
 * came from (decoded, FEC, PLC, fade or silence), the jitter buffer's decision and the media timestamp of the
 * slot it fills.
 */
export interface PlayoutFrame {
  readonly pcm: Int16Array;
  readonly source: PlayoutSource;
  readonly decision: PlayoutDecision['kind'];
  /**
   * Media timestamp (uint32, 48 kHz) of the slot this frame fills — while the buffer moves by time-scaling,
   * of the slot that fills most of it; undefined for silence.
   */
  readonly timestamp: number | undefined;
  /**
   * Set when the slot that fills most of this frame filled most of the one before too (a time-stretched
   * slot): source, decision and timestamp repeat that frame's.
   */
  readonly continued?: true;
}

/**
 * Call-quality figures of the receive direction at one moment ({@link AudioReceiver.stats}): the jitter
 * buffer's counters (RFC 3550 loss and jitter, late, duplicate, discarded frames, buffer delay), decoding and
 * concealment counts, bytes and bitrates, whether audio is flowing, effective loss and the E-model R and MOS.
 */
export interface ReceiveStats extends JitterBufferStats {
  readonly framesDecoded: number;
  /** Missing frames rebuilt from the next packet's in-band FEC. */
  readonly framesRecoveredFec: number;
  /** Frames produced by codec concealment (Opus PLC or PCM fade). */
  readonly framesPlc: number;
  /** Played frames whose payload failed to decode (concealed instead). */
  readonly framesCorrupt: number;
  readonly payloadBytes: number;
  readonly packetBytes: number;
  readonly ipBytes: number;
  /** Averages over the time since the first frame arrived. */
  readonly bitrateKbps: BitrateKbps;
  /**
   * Whether audio is arriving: `none` — no frame ever arrived; `stalled` — none for `stallMs` (default
   * 1 000 ms), e.g. the relay or the other side went away; `flowing` otherwise. While audio is not
   * flowing, the figures below describe the past, not what is heard now (a UI says "no audio").
   */
  readonly audio: 'none' | 'stalled' | 'flowing';
  /** Time since the last frame arrived, ms; undefined before the first. */
  readonly silentForMs: number | undefined;
  /**
   * Ppl for the E-model: (lost + late − FEC-recovered) / expected, in percent; undefined before the first
   * frame arrived (there is nothing to measure).
   */
  readonly effectiveLossPercent: number | undefined;
  /** Mouth-to-ear estimate: network + jitter buffer + codec delay, ms. */
  readonly oneWayDelayMs: number;
  /** E-model R and MOS over the frames received; undefined before the first frame — never a MOS over nothing. */
  readonly rFactor: number | undefined;
  readonly mos: number | undefined;
}

/** No frame for this long means audio has stopped arriving (ReceiveStats `audio: 'stalled'`). */
export const DEFAULT_STALL_MS = 1000;

/** RMS below which a decoded frame counts as quiet (−40 dBFS), so the buffer may drop it unheard. */
const QUIET_RMS = 32768 * 10 ** (-40 / 20);
/** Most a frame is lengthened or shortened while a move is played: 25 % of 20 ms. */
const MAX_STEP_SAMPLES = FRAME_SAMPLES / 4;
/** How far a step may miss its length to line up a period (the stretcher's default tolerance, 2.5 ms). */
const MAX_SLACK_SAMPLES = 120;

/** Time-scaled audio not yet played, with where it came from. */
interface Queued {
  readonly frame: PlayoutFrame;
  offset: number;
}

/**
 * The receive side of one audio stream, sans-I/O: transport frames go in with `receive(frame, now)`, and
 * `pull(now)` once per 20 ms returns the audio to play, decoded or concealed (Opus FEC or PLC, PCM fade).
 * `stats(now)` reports call quality with an E-model MOS. The caller owns the clock; see {@link
 * AudioReceiveStream} for the shell that runs it in real time.
 */
export class AudioReceiver {
  readonly #codecs = new Map<number, AudioCodec>();
  readonly #decoders = new Map<number, AudioDecoder>();
  readonly #jitter: JitterBuffer;
  readonly #overhead: MediaPacketOverhead;
  #networkDelayMs: number;
  #current: { codec: AudioCodec; decoder: AudioDecoder } | undefined;
  #quiet = false;
  #firstArrival: number | undefined;
  #lastArrival: number | undefined;
  #payloadBytes = 0;
  #packetBytes = 0;
  #ipBytes = 0;
  #decoded = 0;
  #fec = 0;
  #plc = 0;
  #corrupt = 0;
  #closed = false;
  readonly #timeStretch: boolean;
  readonly #variableFrames: boolean;
  /** Audio made but not yet played: frames a move lengthened or shortened, so pulls and slots part ways. */
  readonly #queue: Queued[] = [];
  #queuedSamples = 0;
  /** Samples still to add (> 0) or remove (< 0) by time-scaling for the move in progress. */
  #moveLeft = 0;
  /** The queued slot the last frame reported, so that a slot filling two frames is reported once. */
  #reported: Queued | undefined;

  constructor(options: AudioReceiverOptions) {
    if (!Array.isArray(options.codecs) || options.codecs.length === 0) {
      throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'the receiver needs at least one codec');
    }
    for (const codec of options.codecs) this.#codecs.set(codec.id, codec);
    this.#jitter = new JitterBuffer(options.jitterBuffer);
    this.#overhead = options.overhead ?? LEITUNG_MEDIA_OVERHEAD;
    this.#networkDelayMs = checkDelay(options.networkDelayMs ?? 0);
    this.#timeStretch = options.timeStretch ?? true;
    this.#variableFrames = this.#timeStretch && (options.variableFrames ?? false);
  }

  /** Takes one frame from the transport at time `now` (ms). Bad frames are counted, never thrown. */
  receive(frame: MediaFrame, now: number): PushResult {
    this.#assertOpen();
    const result = this.#jitter.push(frame, now);
    if (result !== 'invalid' && result !== 'duplicate') {
      this.#firstArrival ??= now;
      this.#lastArrival = now;
      const size = mediaPacketSize(frame.payload.length, this.#overhead);
      this.#payloadBytes += frame.payload.length;
      this.#packetBytes += size.packetBytes;
      this.#ipBytes += size.ipBytes;
    }
    return result;
  }

  /**
   * Produces the next 20 ms of audio. Call once per frame period, driven by the playout clock. While the
   * jitter buffer moves by time-scaling, a pull may take two slots or none (the frame then reports the slot
   * that fills most of it); otherwise each pull plays exactly one slot, as decoded. With `variableFrames`
   * each pull plays exactly one slot, 15–25 ms long while the buffer moves: call again once it has played.
   */
  pull(now: number): PlayoutFrame {
    this.#assertOpen();
    if (this.#variableFrames) return this.#playSlot(now);
    while (this.#queuedSamples < FRAME_SAMPLES) {
      const frame = this.#playSlot(now);
      const pcm = this.#scale(frame.pcm);
      if (this.#queuedSamples === 0 && pcm === frame.pcm) return frame;
      this.#queue.push({ frame: { ...frame, pcm }, offset: 0 });
      this.#queuedSamples += pcm.length;
    }
    return this.#dequeue();
  }

  /**
   * Lengthens or shortens a slot's audio by one step of the move in progress (WSOLA); else returns it. A
   * step may miss its length by what the steps after it can make up, and the last is exact: a move adds or
   * removes exactly one frame, so the pulls and slots meet again at a frame's edge and no delay is left
   * over.
   */
  #scale(pcm: Int16Array): Int16Array {
    if (this.#moveLeft === 0) return pcm;
    const step = Math.max(-MAX_STEP_SAMPLES, Math.min(MAX_STEP_SAMPLES, this.#moveLeft));
    const slack = Math.min(MAX_SLACK_SAMPLES, Math.abs(this.#moveLeft) - Math.abs(step));
    const scaled = timeStretch(pcm, pcm.length + step, { toleranceSamples: slack });
    this.#moveLeft -= scaled.length - pcm.length;
    return scaled;
  }

  /** The next 20 ms of the queue, reported as the slot that fills most of it. */
  #dequeue(): PlayoutFrame {
    let most: Queued | undefined;
    let mostSamples = 0;
    const pcm = new Int16Array(FRAME_SAMPLES);
    for (let filled = 0; filled < FRAME_SAMPLES; ) {
      const head = this.#queue[0]!;
      const take = Math.min(FRAME_SAMPLES - filled, head.frame.pcm.length - head.offset);
      pcm.set(head.frame.pcm.subarray(head.offset, head.offset + take), filled);
      if (take > mostSamples) {
        most = head;
        mostSamples = take;
      }
      filled += take;
      head.offset += take;
      if (head.offset === head.frame.pcm.length) this.#queue.shift();
    }
    this.#queuedSamples -= FRAME_SAMPLES;
    const continued = most === this.#reported;
    this.#reported = most;
    return continued ? { ...most!.frame, pcm, continued: true } : { ...most!.frame, pcm };
  }

  /** One slot of the jitter buffer, decoded or concealed. */
  #playSlot(now: number): PlayoutFrame {
    const decision = this.#jitter.pull(now, {
      quiet: this.#quiet,
      fec: this.#current?.decoder.supportsFec ?? true,
      timeScale: this.#timeStretch,
      variableLength: this.#variableFrames,
    });
    switch (decision.kind) {
      case 'play': {
        const payload = this.#split(decision.payload);
        const decoder = payload === undefined ? undefined : this.#decoderFor(payload.codecId);
        if (payload !== undefined && decoder !== undefined) {
          try {
            const pcm = spliceAfterSkip(
              this.#decodeSkipped(decision.skipped, payload.codecId),
              decoder.decode(payload.data),
            );
            this.#decoded++;
            this.#quiet = rms(pcm) < QUIET_RMS;
            if (decision.timeScale !== undefined)
              this.#moveLeft += decision.timeScale === 'stretch' ? FRAME_SAMPLES : -FRAME_SAMPLES;
            return {
              pcm: resize(pcm, decision.resizeSamples),
              source: 'decoded',
              decision: decision.kind,
              timestamp: decision.timestamp,
            };
          } catch {
            // A payload that does not decode is concealed like a lost one.
          }
        }
        this.#corrupt++;
        return this.#conceal(undefined, decision.kind, decision.timestamp);
      }
      case 'conceal':
        return this.#conceal(decision.next, decision.kind, decision.timestamp);
      case 'silence':
        return {
          pcm: new Int16Array(FRAME_SAMPLES),
          source: 'silence',
          decision: decision.kind,
          timestamp: undefined,
        };
      default:
        return assertNever(decision);
    }
  }

  /** Updates the one-way network delay used by the E-model (e.g. from relay RTT / 2). */
  setNetworkDelay(ms: number): void {
    this.#networkDelayMs = checkDelay(ms);
  }

  /** Statistics at `now` (ms); `stallMs`: how long without a frame counts as `audio: 'stalled'`. */
  stats(now: number, stallMs = DEFAULT_STALL_MS): ReceiveStats {
    const jb = this.#jitter.stats();
    const expected = jb.packetsReceived + jb.packetsLost;
    const lossPackets = Math.max(0, jb.packetsLost + jb.packetsLate - this.#fec);
    const effectiveLossPercent = expected > 0 ? (100 * lossPackets) / expected : 0;
    const silentForMs = this.#lastArrival === undefined ? undefined : Math.max(0, now - this.#lastArrival);
    const audio = silentForMs === undefined ? 'none' : silentForMs >= stallMs ? 'stalled' : 'flowing';
    const measured = audio !== 'none';
    const codec = this.#current?.codec ?? this.#codecs.values().next().value!;
    // Audio already made but not yet played (a move in progress) delays the next slot by as much.
    const bufferDelayMs = jb.bufferDelayMs + this.#queuedSamples / SAMPLES_PER_MS;
    const oneWayDelayMs = this.#networkDelayMs + bufferDelayMs + codec.algorithmicDelayMs;
    const quality = eModel({
      oneWayDelayMs,
      packetLossPercent: effectiveLossPercent,
      burstRatio: jb.burstRatio,
      impairment: codec.impairment,
    });
    const seconds = this.#firstArrival === undefined ? 0 : (now - this.#firstArrival + FRAME_MS) / 1000;
    const kbps = (bytes: number) => (seconds > 0 ? (bytes * 8) / seconds / 1000 : 0);
    return {
      ...jb,
      bufferDelayMs,
      framesDecoded: this.#decoded,
      framesRecoveredFec: this.#fec,
      framesPlc: this.#plc,
      framesCorrupt: this.#corrupt,
      payloadBytes: this.#payloadBytes,
      packetBytes: this.#packetBytes,
      ipBytes: this.#ipBytes,
      bitrateKbps: {
        payload: kbps(this.#payloadBytes),
        packet: kbps(this.#packetBytes),
        ip: kbps(this.#ipBytes),
      },
      audio,
      silentForMs,
      effectiveLossPercent: measured ? effectiveLossPercent : undefined,
      oneWayDelayMs,
      rFactor: measured ? quality.r : undefined,
      mos: measured ? quality.mos : undefined,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const decoder of this.#decoders.values()) decoder.close();
    this.#decoders.clear();
  }

  #conceal(next: Uint8Array | undefined, decision: PlayoutDecision['kind'], timestamp: number): PlayoutFrame {
    const current = this.#current;
    if (current === undefined)
      return { pcm: new Int16Array(FRAME_SAMPLES), source: 'silence', decision, timestamp };
    const following = next === undefined ? undefined : this.#split(next);
    const nextData = following?.codecId === current.codec.id ? following.data : undefined;
    const { pcm, method } = current.decoder.conceal(nextData);
    if (method === 'fec') this.#fec++;
    else if (method === 'plc' || method === 'fade') this.#plc++;
    this.#quiet = rms(pcm) < QUIET_RMS;
    return { pcm, source: method, decision, timestamp };
  }

  /**
   * Decodes the frame the jitter buffer skipped to shrink its delay, so that the decoder's state follows
   * every packet (a decoder that misses one jumps, and is heard doing so); its audio only serves the splice.
   */
  #decodeSkipped(skipped: Uint8Array | undefined, codecId: number): Int16Array | undefined {
    const payload = skipped === undefined ? undefined : this.#split(skipped);
    if (payload === undefined || payload.codecId !== codecId) return undefined;
    try {
      return this.#decoders.get(codecId)?.decode(payload.data);
    } catch {
      return undefined;
    }
  }

  #split(payload: Uint8Array): DecodedPayload | undefined {
    try {
      return decodePayload(payload);
    } catch {
      return undefined;
    }
  }

  #decoderFor(codecId: number): AudioDecoder | undefined {
    const codec = this.#codecs.get(codecId);
    if (codec === undefined) return undefined;
    let decoder = this.#decoders.get(codecId);
    if (decoder === undefined) {
      decoder = codec.createDecoder();
      this.#decoders.set(codecId, decoder);
    }
    this.#current = { codec, decoder };
    return decoder;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AudioError('AUDIO_ERR_CLOSED', 'the audio receiver is closed');
  }
}

/** Samples (2.5 ms) over which a skipped frame's start fades into the frame played in its place. */
const SPLICE_SAMPLES = 120;

/**
 * When a frame was skipped, the audio just played continues into the skipped frame, not into this one: fade
 * from the skipped frame's first samples into this frame's, so that the 20 ms jump makes no click.
 */
function spliceAfterSkip(skipped: Int16Array | undefined, pcm: Int16Array): Int16Array {
  if (skipped === undefined) return pcm;
  const out = pcm.slice();
  for (let i = 0; i < SPLICE_SAMPLES; i++) {
    const w = (i + 0.5) / SPLICE_SAMPLES;
    out[i] = Math.round(skipped[i]! * (1 - w) + pcm[i]! * w);
  }
  return out;
}

/**
 * A frame lengthened or shortened by `samples` (WSOLA), within half of that of the length asked: the stretcher
 * may miss it to line up a period, and the jitter buffer measures the delay that results at the next pull.
 */
function resize(pcm: Int16Array, samples: number | undefined): Int16Array {
  if (samples === undefined || samples === 0) return pcm;
  const slack = Math.min(MAX_SLACK_SAMPLES, Math.floor(Math.abs(samples) / 2));
  return timeStretch(pcm, pcm.length + samples, { toleranceSamples: slack });
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / pcm.length);
}

function checkDelay(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', 'network delay must be a finite number ≥ 0 ms');
  }
  return ms;
}

function assertNever(x: never): never {
  throw new AudioError('AUDIO_ERR_INVALID_ARGUMENT', `unexpected playout decision ${JSON.stringify(x)}`);
}
