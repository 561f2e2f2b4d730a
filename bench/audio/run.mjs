// Audio benchmark: per-stream CPU (encode + decode per 20 ms frame), wire bitrate per direction with
// every header, and realtime streams per core, for Opus (several bitrates and builds) side by side with
// PCM16 (24 kHz on the wire) and the seed's raw 44.1 kHz PCM mode. Imports the BUILT package: run `npx tsup` in
// packages/audio first. Usage: node bench/audio/run.mjs   (about a minute)
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AudioReceiver,
  AudioSender,
  createOpusCodec,
  createPcm16Codec,
  decodeWav,
  FRAME_SAMPLES,
} from '@leitung/audio';
import {
  barkSpectralDistance,
  estimateDelay,
  LEITUNG_MEDIA_OVERHEAD,
  mediaPacketSize,
} from '@leitung/audio/analysis';
import { findExecutable, loadOpusBackend, loadOpusWasmBackend } from '@leitung/audio/node';

const FRAMES_PER_SECOND = 50;
const MEASURE_FRAMES = 1500; // 30 s of audio per measurement
const REPEATS = 3; // report the median: the 2 cores are shared, single runs are noisy

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

// ---------------------------------------------------------------- the test signal
function speechSignal() {
  if (findExecutable('espeak-ng') && findExecutable('sox')) {
    const dir = mkdtempSync(join(tmpdir(), 'leitung-bench-audio-'));
    try {
      const text =
        'The quick brown fox jumps over the lazy dog. Leitung carries voice calls through relays, ' +
        'and every packet is sealed. Please hold the line while we connect you.';
      execFileSync('espeak-ng', ['-w', join(dir, 'a.wav'), text], { stdio: 'ignore' });
      execFileSync(
        'sox',
        [join(dir, 'a.wav'), '-D', '-r', '48000', '-c', '1', '-b', '16', join(dir, 'b.wav')],
        {
          stdio: 'ignore',
        },
      );
      return {
        name: 'espeak-ng speech (9.2 s, resampled to 48 kHz by sox)',
        samples: null,
        file: join(dir, 'b.wav'),
        dir,
      };
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    name: 'synthetic vowels (espeak-ng/sox missing)',
    samples: syntheticFallback(10),
    file: null,
    dir: null,
  };
}

/** A vowel-like fallback: pulse train through three formant resonators, syllable envelope. */
function syntheticFallback(seconds) {
  const n = seconds * 48_000;
  const out = new Int16Array(n);
  const formants = [700, 1200, 2600];
  const state = formants.map(() => [0, 0]);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / 48_000;
    phase += (110 + 20 * Math.sin(2 * Math.PI * 0.5 * t)) / 48_000;
    const pulse = phase >= 1 ? 1 : 0;
    if (phase >= 1) phase -= 1;
    let y = 0;
    formants.forEach((f, k) => {
      const r = Math.exp((-Math.PI * 80) / 48_000);
      const c = 2 * r * Math.cos((2 * Math.PI * f) / 48_000);
      const v = pulse + c * state[k][0] - r * r * state[k][1];
      state[k][1] = state[k][0];
      state[k][0] = v;
      y += v / (k + 1);
    });
    out[i] = Math.max(
      -32768,
      Math.min(32767, Math.round(y * 1200 * Math.sin(Math.PI * ((t % 0.25) / 0.25)) ** 2)),
    );
  }
  return out;
}

const signal = speechSignal();
const speech = signal.file ? (await decodeWav(readFileSync(signal.file))).samples : signal.samples;
if (signal.dir) rmSync(signal.dir, { recursive: true, force: true });
const frames = [];
for (let k = 0; (k + 1) * FRAME_SAMPLES <= speech.length; k++) {
  frames.push(speech.slice(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
}

// ---------------------------------------------------------------- an emulated packet cipher
// Not @leitung/client (it does not exist yet): node:crypto AES-256-CBC + HMAC-SHA256 truncated to 16
// bytes over header and ciphertext, the shape docs/design.md §5 describes, to show what encryption adds.
const encKey = randomBytes(32);
const macKey = randomBytes(32);
function seal(sequence, payload) {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(sequence, 12);
  const c = createCipheriv('aes-256-cbc', encKey, iv);
  const ct = Buffer.concat([c.update(payload), c.final()]);
  const header = Buffer.alloc(14);
  header.writeUInt32BE(sequence, 6);
  const tag = createHmac('sha256', macKey).update(header).update(ct).digest().subarray(0, 16);
  return Buffer.concat([header, ct, tag]);
}

// ---------------------------------------------------------------- CPU
function cpuMicros(fn) {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function measureCodec(codec) {
  const runs = Array.from({ length: REPEATS }, () => measureCodecOnce(codec));
  return { encode: median(runs.map((r) => r.encode)), decode: median(runs.map((r) => r.decode)) };
}

function measureCodecOnce(codec) {
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const packets = [];
  for (let i = 0; i < 100; i++) dec.decode(enc.encode(frames[i % frames.length]).data); // warm-up
  const encodeUs = cpuMicros(() => {
    for (let i = 0; i < MEASURE_FRAMES; i++) packets.push(enc.encode(frames[i % frames.length]).data);
  });
  const decodeUs = cpuMicros(() => {
    for (let i = 0; i < MEASURE_FRAMES; i++) dec.decode(packets[i]);
  });
  enc.close();
  dec.close();
  return { encode: encodeUs / MEASURE_FRAMES, decode: decodeUs / MEASURE_FRAMES };
}

/** Sender + receiver cores end to end (packetize, jitter buffer, decode), optionally with the cipher. */
function measurePipeline(makeCodec, withCipher) {
  return median(Array.from({ length: REPEATS }, () => measurePipelineOnce(makeCodec(), withCipher)));
}

function measurePipelineOnce(codec, withCipher) {
  const sender = new AudioSender({ codec });
  const receiver = new AudioReceiver({ codecs: [codec] });
  let t = 0;
  const step = (i) => {
    const frame = sender.encode(frames[i % frames.length]);
    if (withCipher) seal(frame.sequence, frame.payload);
    receiver.receive(frame, t + 30);
    receiver.pull(t + 47);
    t += 20;
  };
  for (let i = 0; i < 100; i++) step(i);
  const us = cpuMicros(() => {
    for (let i = 0; i < MEASURE_FRAMES; i++) step(i);
  });
  sender.close();
  receiver.close();
  return us / MEASURE_FRAMES;
}

function decodeWithEvanNative(codecOptions) {
  // The addon's own decoder, for comparison: faster, but its API cannot decode in-band FEC.
  const require = createRequire(import.meta.url);
  const { Decoder } = require('@evan/opus');
  const codec = createOpusCodec(backend, codecOptions);
  const enc = codec.createEncoder();
  const packets = frames.map((f) => enc.encode(f).data);
  const d = new Decoder({ channels: 1, sample_rate: 48000 });
  for (let i = 0; i < 100; i++) d.decode(packets[i % packets.length]);
  const us = median(
    Array.from({ length: REPEATS }, () =>
      cpuMicros(() => {
        for (let i = 0; i < MEASURE_FRAMES; i++) d.decode(packets[i % packets.length]);
      }),
    ),
  );
  enc.close();
  return us / MEASURE_FRAMES;
}

// ---------------------------------------------------------------- bitrate and quality
function wire(codec) {
  const sender = new AudioSender({ codec });
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const out = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, k) => {
    sender.encode(f);
    out.set(dec.decode(enc.encode(f).data), k * FRAME_SAMPLES);
  });
  const lag = estimateDelay(speech.subarray(0, out.length), out, 960).lagSamples;
  const bark = barkSpectralDistance(speech.subarray(0, out.length - lag), out.subarray(lag));
  const s = sender.stats();
  sender.close();
  enc.close();
  dec.close();
  return { ...s.bitrateKbps, bark };
}

const backend = loadOpusBackend();
const wasm = loadOpusWasmBackend();

const cpuConfigs = [
  { label: 'Opus 24 kbit/s CBR (default)', codec: () => createOpusCodec(backend) },
  { label: 'Opus 24 kbit/s CBR, wasm encoder', codec: () => createOpusCodec(wasm) },
  { label: 'Opus 24 kbit/s CBR, complexity 5', codec: () => createOpusCodec(backend, { complexity: 5 }) },
  { label: 'Opus 24 kbit/s CBR, complexity 10', codec: () => createOpusCodec(backend, { complexity: 10 }) },
  {
    label: 'Opus 24 kbit/s CBR, audio application',
    codec: () => createOpusCodec(backend, { application: 'audio' }),
  },
  { label: 'Opus 24 kbit/s VBR', codec: () => createOpusCodec(backend, { vbr: true }) },
  { label: 'Opus 16 kbit/s CBR', codec: () => createOpusCodec(backend, { bitrate: 16_000 }) },
  { label: 'Opus 32 kbit/s CBR', codec: () => createOpusCodec(backend, { bitrate: 32_000 }) },
  { label: 'PCM16 24 kHz wire', codec: () => createPcm16Codec() },
];
const wireConfigs = [16, 18, 20, 24, 32].map((k) => ({
  label: `Opus ${k} kbit/s CBR${k === 24 ? ' (default)' : ''}`,
  codec: () => createOpusCodec(backend, { bitrate: k * 1000 }),
}));
wireConfigs.splice(4, 0, {
  label: 'Opus 24 kbit/s VBR',
  codec: () => createOpusCodec(backend, { vbr: true }),
});
wireConfigs.push({ label: 'PCM16 24 kHz wire', codec: () => createPcm16Codec() });

console.log(`# @leitung/audio benchmark`);
console.log(`node ${process.version}, ${process.platform}-${process.arch}; Opus backend: ${backend.name}`);
console.log(
  `signal: ${signal.name}; CPU time from process.cpuUsage, median of ${REPEATS} runs of ${MEASURE_FRAMES} frames (30 s of audio)\n`,
);

console.log('## CPU per 20 ms frame, one stream (encode at the sender + decode at the receiver)\n');
console.log(
  '| codec | encode µs | decode µs | encode+decode µs | % of one core | realtime streams per core | full pipeline µs | + packet cipher µs |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const cpuRows = [];
for (const c of cpuConfigs) {
  const codec = c.codec();
  const m = measureCodec(codec);
  const total = m.encode + m.decode;
  const pipeline = measurePipeline(c.codec, false);
  const sealed = measurePipeline(c.codec, true);
  cpuRows.push({ label: c.label, total });
  console.log(
    `| ${c.label} | ${m.encode.toFixed(1)} | ${m.decode.toFixed(1)} | ${total.toFixed(1)} | ${((100 * total) / 20_000).toFixed(2)} % | ${Math.floor(20_000 / total)} | ${pipeline.toFixed(1)} | ${sealed.toFixed(1)} |`,
  );
}
const nativeDecode = decodeWithEvanNative({});
console.log(
  `\nReference: the @evan/opus native decoder (no FEC possible through its API) decodes a 24 kbit/s frame in ${nativeDecode.toFixed(1)} µs.`,
);
const pcm = cpuRows.find((r) => r.label.startsWith('PCM16'));
const opus = cpuRows.find((r) => r.label.includes('(default)'));
console.log(`Opus 24 kbit/s costs ${(opus.total / pcm.total).toFixed(1)}× the CPU of PCM16 per stream.\n`);

console.log('## Wire bitrate per direction (50 packets/s)\n');
console.log(
  '| codec | codec payload kbit/s | + header, padding, tag (UDP payload) kbit/s | + IPv4/UDP kbit/s | seed ÷ this (with IPv4/UDP) | ≤ 48 kbit/s without / with IPv4/UDP | Bark distance dB |',
);
console.log('|---|---:|---:|---:|---:|---|---:|');
// The seed: raw 44.1 kHz 16-bit mono = 705.6 kbit/s; framed here as 20 ms frames (882 samples, 1764
// bytes) in a Leitung packet. 1806-byte packets exceed the 1500-byte MTU: two IPv4 fragments each.
const seedPayload = 1764 + 1;
const seedSize = mediaPacketSize(seedPayload);
const seed = {
  payload: (seedPayload * 8 * FRAMES_PER_SECOND) / 1000,
  packet: (seedSize.packetBytes * 8 * FRAMES_PER_SECOND) / 1000,
  ip: (seedSize.ipBytes * 8 * FRAMES_PER_SECOND) / 1000,
};
const yesNo = (kbps) => (kbps <= 48 ? 'yes' : 'no');
for (const c of wireConfigs) {
  const w = wire(c.codec());
  console.log(
    `| ${c.label} | ${w.payload.toFixed(1)} | ${w.packet.toFixed(1)} | ${w.ip.toFixed(1)} | ${(seed.ip / w.ip).toFixed(2)} | ${yesNo(w.packet)} / ${yesNo(w.ip)} | ${w.bark.toFixed(2)} |`,
  );
}
console.log(
  `| seed raw PCM 44.1 kHz (computed) | ${seed.payload.toFixed(1)} | ${seed.packet.toFixed(1)} | ${seed.ip.toFixed(1)} | 1 | no / no | — |`,
);
console.log(
  `\nOverhead model: ${LEITUNG_MEDIA_OVERHEAD.headerBytes}-byte media header + AES-CBC PKCS#7 padding to ${LEITUNG_MEDIA_OVERHEAD.blockBytes} bytes + ${LEITUNG_MEDIA_OVERHEAD.tagBytes}-byte tag; IPv4 ${LEITUNG_MEDIA_OVERHEAD.ipHeaderBytes} + UDP ${LEITUNG_MEDIA_OVERHEAD.udpHeaderBytes} bytes, one more IPv4 header per fragment above the ${LEITUNG_MEDIA_OVERHEAD.mtu}-byte MTU.`,
);
console.log(
  'Payload = 1 codec id byte + codec bytes. Bark distance: codec alone on the signal (lower is closer).',
);
