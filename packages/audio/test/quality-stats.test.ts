import { describe, expect, it } from 'vitest';
import {
  eModel,
  LEITUNG_MEDIA_OVERHEAD,
  mediaPacketSize,
  mosFromR,
  OPUS_IMPAIRMENT,
  PCM16_IMPAIRMENT,
} from '../src/analysis.js';
import { InterarrivalJitter } from '../src/core.js';
import {
  AudioReceiver,
  AudioSender,
  createOpusCodec,
  createPcm16Codec,
  FRAME_SAMPLES,
} from '../src/index.js';
import { loadOpusBackend } from '../src/node/index.js';
import { syntheticSpeech } from './support/speech.js';

describe('E-model (ITU-T G.107, simplified)', () => {
  it('gives R = 93.2 and MOS 4.41 for a perfect connection', () => {
    const q = eModel({ oneWayDelayMs: 0, packetLossPercent: 0, impairment: OPUS_IMPAIRMENT });
    expect(q.r).toBeCloseTo(93.2, 5);
    expect(q.mos).toBeCloseTo(4.41, 2);
  });

  it('applies Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl)', () => {
    const opus = eModel({ oneWayDelayMs: 0, packetLossPercent: 5, impairment: OPUS_IMPAIRMENT });
    expect(opus.ieEff).toBeCloseTo((95 * 5) / (5 + 25.1), 6);
    const pcm = eModel({ oneWayDelayMs: 0, packetLossPercent: 5, impairment: PCM16_IMPAIRMENT });
    expect(pcm.ieEff).toBeCloseTo((95 * 5) / (5 + 4.3), 6);
    expect(pcm.mos).toBeLessThan(opus.mos);
    const bursty = eModel({
      oneWayDelayMs: 0,
      packetLossPercent: 5,
      burstRatio: 2,
      impairment: OPUS_IMPAIRMENT,
    });
    expect(bursty.ieEff).toBeCloseTo((95 * 5) / (2.5 + 25.1), 6);
    expect(bursty.mos).toBeLessThan(opus.mos);
  });

  it('applies the delay impairment with its knee at 177.3 ms', () => {
    expect(eModel({ oneWayDelayMs: 100, packetLossPercent: 0, impairment: OPUS_IMPAIRMENT }).id).toBeCloseTo(
      2.4,
      6,
    );
    expect(eModel({ oneWayDelayMs: 300, packetLossPercent: 0, impairment: OPUS_IMPAIRMENT }).id).toBeCloseTo(
      0.024 * 300 + 0.11 * (300 - 177.3),
      6,
    );
  });

  it('maps R to MOS by G.107 Annex B and clamps the ends', () => {
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(50)).toBeCloseTo(1 + 0.035 * 50 + 50 * -10 * 50 * 7e-6, 9);
    expect(mosFromR(Number.NaN)).toBe(1);
    const extreme = eModel({
      oneWayDelayMs: Number.NaN,
      packetLossPercent: 400,
      impairment: PCM16_IMPAIRMENT,
    });
    expect(extreme.mos).toBeGreaterThanOrEqual(1);
  });
});

describe('wire size of a media packet', () => {
  it('adds the 14-byte header, PKCS#7 padding to 16 bytes, the 16-byte tag and IPv4/UDP', () => {
    expect(LEITUNG_MEDIA_OVERHEAD).toMatchObject({ headerBytes: 14, blockBytes: 16, tagBytes: 16 });
    expect(mediaPacketSize(15)).toMatchObject({ packetBytes: 14 + 16 + 16, ipBytes: 46 + 28, fragments: 1 });
    // A full block still gets a whole block of padding.
    expect(mediaPacketSize(16)).toMatchObject({ packetBytes: 14 + 32 + 16 });
    // Opus at 24 kbit/s: 60 codec bytes + 1 codec id → 64 ciphertext → 94 bytes, 122 with IPv4/UDP.
    expect(mediaPacketSize(61)).toMatchObject({ packetBytes: 94, ipBytes: 122 });
  });

  it('counts a second IPv4 header when a raw PCM packet exceeds the 1500-byte MTU', () => {
    // PCM16 at 48 kHz: 1920 + 1 bytes → 1936 ciphertext → 1966-byte packet → 2 fragments.
    expect(mediaPacketSize(1921)).toEqual({ packetBytes: 1966, ipBytes: 1966 + 8 + 2 * 20, fragments: 2 });
  });
});

describe('send and receive statistics', () => {
  const speech = syntheticSpeech(2);
  const frames = Array.from({ length: 100 }, (_, k) =>
    speech.slice(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES),
  );

  it('reports the bitrate of Opus at 24 kbit/s on the wire: 37.6 kbit/s, 48.8 kbit/s with IPv4/UDP', () => {
    const sender = new AudioSender({ codec: createOpusCodec(loadOpusBackend()) });
    for (const f of frames) sender.encode(f);
    const s = sender.stats();
    expect(s).toMatchObject({ framesEncoded: 100, packetsSent: 100, framesSkipped: 0, codec: 'opus' });
    expect(s.bitrateKbps.payload).toBeCloseTo(24.4, 6);
    expect(s.bitrateKbps.packet).toBeCloseTo(37.6, 6);
    expect(s.bitrateKbps.ip).toBeCloseTo(48.8, 6);
    sender.close();
    expect(() => sender.encode(frames[0]!)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }));
  });

  it('never reports a MOS or a loss over nothing, and says when audio stops arriving', () => {
    const codec = createPcm16Codec();
    const sender = new AudioSender({ codec });
    const receiver = new AudioReceiver({ codecs: [codec], jitterBuffer: { initialDelayMs: 20 } });
    // Pulled for a second with no frame at all: no audio, and no figures computed over zero packets.
    for (let k = 0; k < 50; k++) receiver.pull(k * 20);
    const empty = receiver.stats(1000);
    expect(empty).toMatchObject({ audio: 'none', silentForMs: undefined, packetsReceived: 0 });
    expect(empty.mos).toBeUndefined();
    expect(empty.rFactor).toBeUndefined();
    expect(empty.effectiveLossPercent).toBeUndefined();
    // Frames arrive for a second: flowing, with figures.
    for (const [k, f] of frames.slice(0, 50).entries()) receiver.receive(sender.encode(f)!, 1000 + k * 20);
    const flowing = receiver.stats(2000);
    expect(flowing.audio).toBe('flowing');
    expect(flowing.mos).toBeGreaterThan(4);
    // Then nothing (the relay died): stalled once the last frame is a second old.
    expect(receiver.stats(2900).audio).toBe('flowing');
    const stalled = receiver.stats(3000);
    expect(stalled).toMatchObject({ audio: 'stalled', silentForMs: 1020 });
    expect(receiver.stats(2500, 400).audio).toBe('stalled');
  });

  it('counts received bytes, losses and the E-model inputs on the receive side', () => {
    const codec = createPcm16Codec();
    const sender = new AudioSender({ codec });
    const receiver = new AudioReceiver({ codecs: [codec], jitterBuffer: { initialDelayMs: 20 } });
    frames.forEach((f, k) => {
      const frame = sender.encode(f)!;
      if (k % 10 !== 3) receiver.receive(frame, k * 20 + 30);
      receiver.pull(k * 20 + 45);
    });
    const s = receiver.stats(100 * 20 + 45);
    expect(s.packetsReceived).toBe(90);
    expect(s.packetsLost).toBe(10);
    expect(s.effectiveLossPercent).toBeCloseTo(10, 6);
    expect(s.framesPlc).toBe(10);
    // PCM16 on the wire: 480 samples at 24 kHz = 960 bytes + the codec id byte (384 kbit/s).
    expect(s.payloadBytes).toBe(90 * 961);
    expect(s.bitrateKbps.payload).toBeGreaterThan(300);
    expect(s.oneWayDelayMs).toBeCloseTo(s.bufferDelayMs + codec.algorithmicDelayMs, 6);
    receiver.setNetworkDelay(150);
    const later = receiver.stats(100 * 20 + 45);
    expect(later.oneWayDelayMs).toBeCloseTo(s.oneWayDelayMs + 150, 6);
    expect(later.mos).toBeLessThan(s.mos!);
    expect(() => receiver.setNetworkDelay(-1)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
    receiver.close();
    expect(() => receiver.pull(0)).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }));
  });

  it('conceals payloads it cannot decode (unknown codec, corrupt bytes) and counts them', () => {
    const codec = createPcm16Codec();
    const sender = new AudioSender({ codec });
    const receiver = new AudioReceiver({ codecs: [codec], jitterBuffer: { initialDelayMs: 20 } });
    const sources: string[] = [];
    frames.slice(0, 6).forEach((f, k) => {
      const frame = sender.encode(f)!;
      const payload = k === 2 ? Uint8Array.of(2, 1, 2, 3) : k === 3 ? Uint8Array.of(1, 9) : frame.payload;
      receiver.receive({ ...frame, payload }, k * 20);
      sources.push(receiver.pull(k * 20 + 10).source);
    });
    expect(sources).toEqual(['decoded', 'decoded', 'fade', 'fade', 'decoded', 'decoded']);
    expect(receiver.stats(200).framesCorrupt).toBe(2);
    expect(() => new AudioReceiver({ codecs: [] })).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('RFC 3550 interarrival jitter', () => {
  it('converges to the mean transit deviation with gain 1/16', () => {
    const j = new InterarrivalJitter();
    // Transit alternates 0 and 10 ms: every |D| is 10 ms.
    for (let k = 0; k < 200; k++) j.update(k * 20 + (k % 2) * 10, k * FRAME_SAMPLES);
    expect(j.valueMs).toBeCloseTo(10, 3);
    const steady = new InterarrivalJitter();
    for (let k = 0; k < 50; k++) steady.update(k * 20 + 30, k * FRAME_SAMPLES);
    expect(steady.valueMs).toBe(0);
  });
});
