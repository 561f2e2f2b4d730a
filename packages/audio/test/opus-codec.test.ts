import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { barkSpectralDistance, envelopeCorrelation, estimateDelay } from '../src/analysis.js';
import {
  instantiateOpusWasmSync,
  OPUS_FEC_PLANNING,
  type OpusEncoderSettings,
  opusPacketHasFec,
  opusPacketMode,
  plannedLossPercent,
} from '../src/core.js';
import {
  type AudioCodec,
  createOpusCodec,
  FRAME_SAMPLES,
  instantiateOpusWasm,
  type OpusBackend,
} from '../src/index.js';
import { loadOpusBackend, loadOpusWasmBackend, opusWasmPath } from '../src/node/index.js';
import { syntheticSpeech } from './support/speech.js';

const speech = syntheticSpeech(4);
const frames = Array.from({ length: speech.length / FRAME_SAMPLES }, (_, k) =>
  speech.slice(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES),
);

function roundTrip(codec: AudioCodec): { packets: Uint8Array[]; output: Int16Array } {
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const packets = frames.map((f) => enc.encode(f).data);
  const output = new Int16Array(speech.length);
  packets.forEach((p, k) => {
    output.set(dec.decode(p), k * FRAME_SAMPLES);
  });
  enc.close();
  dec.close();
  return { packets, output };
}

const backends: [string, () => OpusBackend][] = [
  ['native encoder + wasm decoder', () => loadOpusBackend()],
  ['wasm only', () => loadOpusWasmBackend()],
];

describe.each(backends)('Opus on %s', (_name, load) => {
  const backend = load();

  it('codes 20 ms frames at a constant 24 kbit/s (60-byte packets): hybrid with no loss planned, SILK wideband with FEC for 10 %', () => {
    const planned = roundTrip(createOpusCodec(backend, { expectedLossPercent: 10 })).packets;
    expect(planned.every((p) => opusPacketMode(p) === 'silk')).toBe(true);
    const { packets, output } = roundTrip(createOpusCodec(backend));
    expect(new Set(packets.map((p) => p.length))).toEqual(new Set([60]));
    expect(packets.every((p) => opusPacketMode(p) === 'hybrid')).toBe(true);
    const lag = estimateDelay(speech, output, 960).lagSamples;
    expect(Math.abs(lag - 312)).toBeLessThanOrEqual(12);
    const aligned = output.subarray(lag);
    expect(envelopeCorrelation(speech, aligned)).toBeGreaterThan(0.98);
    expect(barkSpectralDistance(speech, aligned)).toBeLessThan(4.5);
  });

  it('passes the application on to libopus: the audio application codes the same frames differently, at the same lookahead', () => {
    const voip = roundTrip(createOpusCodec(backend)).packets;
    const audio = roundTrip(createOpusCodec(backend, { application: 'audio' })).packets;
    expect(audio.map((p) => p.length)).toEqual(voip.map((p) => p.length));
    expect(audio.some((p, k) => !Buffer.from(p).equals(Buffer.from(voip[k] as Uint8Array)))).toBe(true);
    const enc = createOpusCodec(backend, { application: 'audio' }).createEncoder();
    expect(enc.lookaheadSamples).toBe(312);
    enc.close();
  });

  it('reports the encoder lookahead (6.5 ms) and the codec delay', () => {
    const codec = createOpusCodec(backend);
    const enc = codec.createEncoder();
    expect(enc.lookaheadSamples).toBe(312);
    expect(codec.algorithmicDelayMs).toBe(26.5);
    enc.close();
  });

  it('follows the bitrate setting and, with VBR on, varies packet sizes', () => {
    const at16 = roundTrip(createOpusCodec(backend, { bitrate: 16_000 })).packets;
    expect(at16.every((p) => p.length === 40)).toBe(true);
    const vbr = roundTrip(createOpusCodec(backend, { vbr: true })).packets;
    expect(new Set(vbr.map((p) => p.length)).size).toBeGreaterThan(5);
  });

  it('carries in-band FEC only when enabled and loss is planned, and conceals a loss from it better than PLC does', () => {
    const withFec = roundTrip(createOpusCodec(backend, { expectedLossPercent: 10 })).packets;
    const withoutFec = roundTrip(createOpusCodec(backend, { fec: false, expectedLossPercent: 10 })).packets;
    const noLossPlanned = roundTrip(createOpusCodec(backend)).packets;
    expect(withFec.filter(opusPacketHasFec).length).toBeGreaterThan(withFec.length / 4);
    expect(withoutFec.filter(opusPacketHasFec)).toEqual([]);
    expect(noLossPlanned.filter(opusPacketHasFec)).toEqual([]);

    const codec = createOpusCodec(backend);
    let fecError = 0;
    let plcError = 0;
    let trials = 0;
    for (let k = 20; k < withFec.length - 1 && trials < 12; k += 7) {
      if (!opusPacketHasFec(withFec[k + 1]!)) continue;
      trials++;
      const [truth, viaFec, viaPlc] = [0, 1, 2].map((mode) => {
        const dec = codec.createDecoder();
        for (let i = 0; i < k; i++) dec.decode(withFec[i]!);
        const c =
          mode === 0
            ? { pcm: dec.decode(withFec[k]!), method: 'decoded' }
            : mode === 1
              ? dec.conceal(withFec[k + 1]!)
              : dec.conceal();
        dec.close();
        if (mode === 1) expect(c.method).toBe('fec');
        if (mode === 2) expect(c.method).toBe('plc');
        return c.pcm;
      });
      fecError += squaredError(truth!, viaFec!);
      plcError += squaredError(truth!, viaPlc!);
    }
    expect(trials).toBeGreaterThanOrEqual(5);
    expect(fecError).toBeLessThan(plcError / 2);
  });

  it('marks tiny packets as DTX only when DTX is on', () => {
    const silence = new Int16Array(FRAME_SAMPLES);
    for (const dtx of [true, false]) {
      const enc = createOpusCodec(backend, { dtx }).createEncoder();
      const out = Array.from({ length: 40 }, () => enc.encode(silence));
      expect(out.some((f) => f.dtx)).toBe(dtx);
      if (dtx) expect(out.filter((f) => f.dtx).every((f) => f.data.length <= 2)).toBe(true);
      enc.close();
    }
  });

  it('rejects a corrupt packet with AUDIO_ERR_CODEC_FAILURE and keeps working', () => {
    const dec = createOpusCodec(backend).createDecoder();
    expect(() => dec.decode(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CODEC_FAILURE' }),
    );
    expect(() => dec.decode(new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CODEC_FAILURE' }),
    );
    // A 40 ms packet (TOC config 10: SILK WB 40 ms) is not one frame.
    expect(() => dec.decode(Uint8Array.of(10 << 3, 0, 0, 0))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CODEC_FAILURE' }),
    );
    expect(dec.decode(roundTrip(createOpusCodec(backend)).packets[5]!)).toHaveLength(FRAME_SAMPLES);
    dec.close();
  });

  it('refuses wrong frames and use after close with typed errors', () => {
    const codec = createOpusCodec(backend);
    const enc = codec.createEncoder();
    expect(() => enc.encode(new Int16Array(480))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_FRAME' }),
    );
    expect(() => enc.encode(new Float32Array(960) as unknown as Int16Array)).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_FRAME' }),
    );
    enc.close();
    enc.close();
    expect(() => enc.encode(new Int16Array(960))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }),
    );
    const dec = codec.createDecoder();
    dec.close();
    expect(() => dec.conceal()).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }));
  });
});

describe('Opus codec options and backends', () => {
  it('validates options with AUDIO_ERR_INVALID_ARGUMENT', () => {
    const backend = loadOpusWasmBackend();
    for (const bad of [
      { bitrate: 5000 },
      { bitrate: 24_000.5 },
      { complexity: 11 },
      { expectedLossPercent: -1 },
      { dtx: 'yes' as unknown as boolean },
      { application: 'restricted_lowdelay' as 'voip' },
      { application: 'toString' as 'voip' },
      { signal: 'music' as 'voice' },
    ]) {
      expect(() => createOpusCodec(backend, bad)).toThrow(
        expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
      );
    }
  });

  it('hands the backend the chosen defaults: VoIP application, voice signal, complexity 9, CBR, FEC, no DTX', () => {
    // The in-process quality bench (docs/benchmarks.md, "Encoder settings against opus-tools") found the
    // audio application, complexity 10 and the automatic signal no better on every condition: keep these.
    const wasm = loadOpusWasmBackend();
    const seen: OpusEncoderSettings[] = [];
    const spy: OpusBackend = {
      name: 'spy',
      fec: wasm.fec,
      createEncoder: (settings) => {
        seen.push(settings);
        return wasm.createEncoder(settings);
      },
      createDecoder: () => wasm.createDecoder(),
    };
    createOpusCodec(spy).createEncoder().close();
    createOpusCodec(spy, { application: 'audio', signal: 'auto', complexity: 10 }).createEncoder().close();
    expect(seen).toHaveLength(2);
    const [chosen, other] = seen as [OpusEncoderSettings, OpusEncoderSettings];
    // Spelled out, not OPUS_DEFAULTS: changing a default must fail here.
    const { application, signal, bitrate, complexity, vbr, fec, expectedLossPercent, dtx } = chosen;
    expect([application, signal, complexity]).toEqual(['voip', 'voice', 9]);
    expect([bitrate, vbr, fec, expectedLossPercent, dtx]).toEqual([24_000, false, true, 0, false]);
    expect([other.application, other.signal, other.complexity]).toEqual(['audio', 'auto', 10]);
  });

  it('plans at least 10 % loss for FEC once 3 % is measured, and hands loss on unchanged without FEC', () => {
    // The quality bench (docs/benchmarks.md, "Loss planning and FEC detection"): at 3–5 % real loss the
    // SILK-with-FEC mode that libopus picks from 6 % planned loss conceals far better than hybrid without FEC.
    expect(OPUS_FEC_PLANNING).toEqual({ fromPercent: 3, floorPercent: 10 });
    expect([0, 1, 2, 3, 5, 10, 15].map((p) => plannedLossPercent(p, true))).toEqual([
      0, 1, 2, 10, 10, 10, 15,
    ]);
    expect(plannedLossPercent(5, false)).toBe(5);
    const wasm = loadOpusWasmBackend();
    const created: number[] = [];
    const set: number[] = [];
    const spy: OpusBackend = {
      name: 'spy',
      fec: wasm.fec,
      createEncoder: (settings) => {
        created.push(settings.expectedLossPercent);
        const handle = wasm.createEncoder(settings);
        return {
          lookahead: handle.lookahead,
          encode: (pcm) => handle.encode(pcm),
          setPacketLossPercent: (percent) => {
            set.push(percent);
            handle.setPacketLossPercent(percent);
          },
          close: () => handle.close(),
        };
      },
      createDecoder: () => wasm.createDecoder(),
    };
    const enc = createOpusCodec(spy, { expectedLossPercent: 5 }).createEncoder();
    for (const p of [2, 4, 12, 0]) enc.setExpectedLossPercent?.(p);
    enc.close();
    const noFec = createOpusCodec(spy, { fec: false, expectedLossPercent: 5 }).createEncoder();
    noFec.setExpectedLossPercent?.(4);
    noFec.close();
    expect(created).toEqual([10, 5]);
    expect(set).toEqual([2, 10, 12, 0, 4]);
  });

  it('rates Opus below 16 kbit/s with the narrowband impairment values', () => {
    const backend = loadOpusWasmBackend();
    expect(createOpusCodec(backend).impairment).toEqual({ ie: 0, bpl: 25.1 });
    expect(createOpusCodec(backend, { bitrate: 12_000 }).impairment).toEqual({ ie: 11, bpl: 19 });
  });

  it('instantiates the wasm build asynchronously (the browser path) from bytes', async () => {
    const backend = await instantiateOpusWasm(readFileSync(opusWasmPath()));
    expect(backend.fec).toBe(true);
    const { packets } = roundTrip(createOpusCodec(backend));
    expect(packets).toHaveLength(frames.length);
  });

  it('refuses bytes that are not a libopus build with AUDIO_ERR_CODEC_UNAVAILABLE', async () => {
    expect(() => instantiateOpusWasmSync(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_CODEC_UNAVAILABLE' }),
    );
    await expect(instantiateOpusWasm(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).rejects.toMatchObject({
      code: 'AUDIO_ERR_CODEC_UNAVAILABLE',
    });
    expect(() => loadOpusBackend({ encoder: 'fast' as 'native' })).toThrow(
      expect.objectContaining({ code: 'AUDIO_ERR_INVALID_ARGUMENT' }),
    );
  });

  it('loads the native encoder where @evan/opus ships a prebuilt addon', () => {
    const backend = loadOpusBackend({ encoder: 'native' });
    expect(backend.name).toMatch(/^libopus-native-encoder\+libopus-wasm/);
    expect(backend.fec).toBe(true);
  });
});

describe('Opus packet inspection', () => {
  it('reads the mode from the TOC byte and never claims FEC for packets that cannot carry it', () => {
    expect(opusPacketMode(new Uint8Array(0))).toBeUndefined();
    expect(opusPacketMode(Uint8Array.of(0 << 3))).toBe('silk');
    expect(opusPacketMode(Uint8Array.of(12 << 3))).toBe('hybrid');
    expect(opusPacketMode(Uint8Array.of(31 << 3))).toBe('celt');
    expect(opusPacketHasFec(Uint8Array.of(31 << 3, 0xff, 0xff))).toBe(false); // CELT
    expect(opusPacketHasFec(Uint8Array.of((9 << 3) | 4, 0xff, 0xff))).toBe(false); // stereo
    expect(opusPacketHasFec(Uint8Array.of((9 << 3) | 1, 0xff, 0xff))).toBe(false); // two frames
    expect(opusPacketHasFec(Uint8Array.of(9 << 3))).toBe(false); // too short
    expect(opusPacketHasFec(Uint8Array.of((9 << 3) | 3, 0x02, 0xff, 0xff))).toBe(false); // code 3, two frames
  });

  // libopus pads a CBR packet whose frame came out short into a code 3 packet (RFC 6716 §3.2.5): at 24 kbit/s
  // most SILK frames with FEC are sent that way (docs/benchmarks.md, "Loss planning and FEC detection").
  const backend = loadOpusWasmBackend();
  const withFec = roundTrip(createOpusCodec(backend, { expectedLossPercent: 10 })).packets;

  it('finds the LBRR flag of a frame behind a code 3 header and its padding length, as libopus reads the frame', () => {
    const codes = withFec.map((p) => p[0]! & 3);
    expect(codes.filter((c) => c === 3).length).toBeGreaterThan(withFec.length / 4);
    const plain = withFec.filter((p) => (p[0]! & 3) === 0);
    const flagged = plain.find(opusPacketHasFec);
    const unflagged = plain.find((p) => !opusPacketHasFec(p));
    expect(flagged).toBeDefined();
    expect(unflagged).toBeDefined();
    for (const packet of [flagged!, unflagged!]) {
      const toc = (packet[0]! & ~3) | 3;
      const frame = packet.subarray(1);
      const shapes = [
        Uint8Array.of(toc, 0x01, ...frame), // one frame, no padding
        Uint8Array.of(toc, 0x41, 3, ...frame, 0, 0, 0), // padded by 3 bytes
        Uint8Array.of(toc, 0x41, 255, 255, 4, ...frame, ...new Uint8Array(512)), // 254 + 254 + 4
      ];
      const dec = createOpusCodec(backend).createDecoder();
      const expected = dec.decode(packet);
      dec.close();
      for (const shaped of shapes) {
        expect(opusPacketHasFec(shaped)).toBe(opusPacketHasFec(packet));
        const d = createOpusCodec(backend).createDecoder();
        expect(d.decode(shaped)).toEqual(expected);
        d.close();
      }
    }
  });

  it('conceals a lost frame from the FEC of the next packet when libopus padded that packet', () => {
    const k = withFec.findIndex((p, i) => i > 20 && (p[0]! & 3) === 3 && opusPacketHasFec(p)) - 1;
    expect(k).toBeGreaterThan(19);
    const dec = createOpusCodec(backend).createDecoder();
    for (let i = 0; i < k; i++) dec.decode(withFec[i]!);
    expect(dec.conceal(withFec[k + 1]!).method).toBe('fec');
    dec.close();
  });
});

function squaredError(a: Int16Array, b: Int16Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e += (a[i]! - b[i]!) ** 2;
  return e;
}
