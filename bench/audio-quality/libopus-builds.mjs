// Encoder settings on two libopus builds: @evan/opus's (what Leitung runs on: the native addon's encoder,
// and its wasm build) and the system's libopus (Debian's libopus-dev, the build opusenc links), the latter
// through opus-harness.c, compiled here with `cc -lopus`. Each setting encodes the bench's espeak-ng
// sentence frame by frame at 24 kbit/s CBR; every path is decoded by the same ideal receiver as
// encoder-seeds.mjs (@evan/opus's wasm decoder; the next packet's FEC when it arrived, else PLC), on
// run.mjs's drop pattern for 5 % and 10 % random loss and on SEEDS further independent patterns per rate.
// Also checks whether the harness, doing what libopusenc does (with and without its 2 s of samples ahead),
// makes opusenc's packets bit for bit, and decodes with the system's decoder too. Codec only, no pipeline (docs/benchmarks.md, "audio quality").
// Imports the BUILT packages. Usage: node bench/audio-quality/libopus-builds.mjs [--seeds=N]   (24 seeds by
//        default, about 5 min) — needs espeak-ng, sox, opus-tools, a C compiler and libopus-dev; without
//        the last two it says so and stops
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav, FRAME_SAMPLES } from '@leitung/audio';
import { plannedLossPercent } from '@leitung/audio/core';
import { loadOpusBackend } from '@leitung/audio/node';
import { decodeIdeal, encodeFrames, opusencPackets, speechWav, to10k } from './codec-paths.mjs';
import { CONDITIONS, seeded } from './impairment.mjs';
import { stoi } from './stoi.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEEDS = Number(process.argv.find((a) => a.startsWith('--seeds='))?.slice(8) ?? 24);
const LOSS_PERCENT = [5, 10];
// One row per setting: libopus application, complexity, in-band FEC, OPUS_SET_PACKET_LOSS_PERC as a function
// of the condition's loss N (an oracle; N itself unless a row says otherwise), signal hint, and how samples
// reach libopus. Both builds get exactly these CTLs (@evan/opus's through the backend handle, bypassing
// createOpusCodec's loss planning).
const SETTINGS = [
  { label: 'VoIP, complexity 9, FEC on, loss N (Leitung before)', app: 'voip', complexity: 9, fec: 1 },
  {
    label: 'VoIP, complexity 9, FEC on, loss max(N, 10) (Leitung now)',
    app: 'voip',
    complexity: 9,
    fec: 1,
    loss: (n) => plannedLossPercent(n, true),
  },
  { label: 'VoIP, FEC off, loss N', app: 'voip', complexity: 9, fec: 0 },
  { label: 'VoIP, FEC off, loss 0', app: 'voip', complexity: 9, fec: 0, loss: () => 0 },
  { label: 'audio, FEC on, loss N', app: 'audio', complexity: 9, fec: 1 },
  { label: 'audio, FEC off, loss 0', app: 'audio', complexity: 9, fec: 0, loss: () => 0 },
  { label: "opusenc's CTLs: audio, complexity 10, auto, FEC off, loss N", ...opusencCtls() },
  { label: "opusenc's CTLs, float samples", ...opusencCtls(), input: 'float' },
  { label: "opusenc's CTLs, float, multistream", ...opusencCtls(), input: 'surround' },
  {
    label: "opusenc's CTLs, float, multistream, 2 s of samples ahead (as libopusenc)",
    ...opusencCtls(),
    input: 'delayed',
  },
];

function opusencCtls() {
  return { app: 'audio', complexity: 10, fec: 0, signal: 'auto' };
}

const dir = mkdtempSync(join(tmpdir(), 'leitung-bench-builds-'));
try {
  const harness = join(dir, 'opus-harness');
  try {
    execFileSync('cc', ['-O2', '-o', harness, join(HERE, 'opus-harness.c'), '-lopus'], { stdio: 'pipe' });
  } catch {
    console.error(
      'libopus-builds: needs a C compiler and libopus-dev (apt-get install libopus-dev); skipped',
    );
    process.exit(0);
  }
  const wav = speechWav(dir);
  const input = (await decodeWav(readFileSync(wav))).samples;
  const raw = join(dir, 'speech.raw');
  writeFileSync(raw, Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  const reference = to10k(input);
  const native = loadOpusBackend({ encoder: 'native' });
  const wasm = loadOpusBackend({ encoder: 'wasm' });
  const version = execFileSync(harness, ['version']).toString().trim();
  console.log(`system build: ${version}; @evan/opus: ${native.name}, ${wasm.name}\n`);

  const system = (s, loss) => {
    const out = join(dir, 'out.pkts');
    const args = [`app=${s.app}`, `complexity=${s.complexity}`, `fec=${s.fec}`, `loss=${lossOf(s, loss)}`];
    args.push(`signal=${s.signal ?? 'voice'}`, `input=${s.input ?? 'int16'}`);
    const preSkip = Number(execFileSync(harness, ['encode', raw, out, ...args]).toString());
    return { preSkip, packets: readPackets(readFileSync(out)) };
  };
  const evan = (backend, s, loss) => {
    if (s.input !== undefined) return undefined; // @evan/opus exposes no float encoding
    const settings = {
      application: s.app,
      signal: s.signal ?? 'voice',
      bitrate: 24_000,
      complexity: s.complexity,
      vbr: false,
      fec: s.fec === 1,
      expectedLossPercent: lossOf(s, loss),
      dtx: false,
    };
    return encodeFrames(input, {
      createEncoder: () => {
        const handle = backend.createEncoder(settings);
        return {
          lookaheadSamples: handle.lookahead,
          encode: (pcm) => ({ data: handle.encode(pcm) }),
          close: handle.close,
        };
      },
    });
  };
  const frames = Math.ceil(input.length / FRAME_SAMPLES);
  const patterns = (loss) => {
    const condition = CONDITIONS.find((c) => c.name === `${loss} % random loss`);
    const bench = condition.plan(frames).map((p) => p.drop);
    const seeds = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = seeded(1000 * loss + seed);
      seeds.push(Array.from({ length: frames + 1 }, () => r() < loss / 100));
    }
    return { bench, seeds };
  };
  const score = (encoded, drop) => {
    const decoded = decodeIdeal(encoded.packets, (k) => drop[k] ?? false, wasm);
    return stoi(reference, to10k(decoded.subarray(encoded.preSkip, encoded.preSkip + input.length)));
  };
  const systemScore = (encoded, drop, fec) => {
    const pkts = join(dir, 'dec.pkts');
    const drops = join(dir, 'drops');
    const out = join(dir, 'dec.raw');
    writeFileSync(pkts, writePackets(encoded.packets));
    writeFileSync(drops, encoded.packets.map((_, k) => (drop[k] ? '1' : '0')).join(''));
    execFileSync(harness, ['decode', pkts, drops, out, `fec=${fec}`]);
    const bytes = readFileSync(out);
    const decoded = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    return stoi(reference, to10k(decoded.subarray(encoded.preSkip, encoded.preSkip + input.length)));
  };
  const both = (encoded, p) => {
    if (encoded === undefined) return '–';
    const mean = p.seeds.reduce((sum, drop) => sum + score(encoded, drop), 0) / p.seeds.length;
    return `${score(encoded, p.bench).toFixed(3)} / ${mean.toFixed(3)}`;
  };

  console.log('Bit-identical packets (the whole sentence), per setting and loss:');
  for (const loss of LOSS_PERCENT) {
    const opusenc = opusencPackets(wav, join(dir, `ref-${loss}.opus`), 24_000, loss);
    const surround = system(SETTINGS.at(-2), loss);
    const delayed = system(SETTINGS.at(-1), loss);
    console.log(
      `- ${loss} %: opusenc = system multistream: ${same(surround, opusenc)}, ` +
        `= with 2 s ahead: ${same(delayed, opusenc)}`,
    );
    for (const s of SETTINGS.filter((x) => x.input === undefined)) {
      const sys = system(s, loss);
      const n = evan(native, s, loss);
      const w = evan(wasm, s, loss);
      console.log(
        `  ${s.label}: native = wasm ${same(n, w)}, native = system ${same(n, sys)}, ` +
          `system int16 = system float ${same(sys, system({ ...s, input: 'float' }, loss))}`,
      );
    }
  }

  console.log(
    `\nSTOI, run.mjs's drop pattern / mean of ${SEEDS} seeded patterns, decoded by @evan/opus's wasm decoder:\n`,
  );
  console.log('| setting | loss | @evan/opus native | system libopus |');
  console.log('|---|---:|---:|---:|');
  for (const loss of LOSS_PERCENT) {
    const p = patterns(loss);
    for (const s of SETTINGS) {
      console.log(
        `| ${s.label} | ${loss} % | ${both(evan(native, s, loss), p)} | ${both(system(s, loss), p)} |`,
      );
    }
    const opusenc = opusencPackets(wav, join(dir, `ref-${loss}.opus`), 24_000, loss);
    console.log(`| opus-tools (opusenc --expect-loss ${loss}) | ${loss} % | | ${both(opusenc, p)} |`);
  }

  console.log(
    '\nDecoders: the same packets decoded by the system decoder (ideal receiver, FEC per fec=) and by ' +
      "@evan/opus's wasm decoder; run.mjs's pattern / seed mean:\n",
  );
  console.log(
    '| packets | loss | wasm decoder | system, fec=flag | system, fec=always | system, fec=never |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const loss of LOSS_PERCENT) {
    const p = patterns(loss);
    const rows = [
      ['Leitung now (native encoder)', evan(native, SETTINGS[1], loss)],
      ['opus-tools', opusencPackets(wav, join(dir, `ref-${loss}.opus`), 24_000, loss)],
    ];
    for (const [label, encoded] of rows) {
      const sys = (fec) => {
        const mean = p.seeds.reduce((sum, d) => sum + systemScore(encoded, d, fec), 0) / p.seeds.length;
        return `${systemScore(encoded, p.bench, fec).toFixed(3)} / ${mean.toFixed(3)}`;
      };
      console.log(
        `| ${label} | ${loss} % | ${both(encoded, p)} | ${sys('flag')} | ${sys('always')} | ${sys('never')} |`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function lossOf(setting, loss) {
  return setting.loss === undefined ? loss : setting.loss(loss);
}

function same(a, b) {
  if (a === undefined || b === undefined) return '–';
  const n = Math.min(a.packets.length, b.packets.length);
  let differ = 0;
  for (let k = 0; k < n; k++) if (Buffer.compare(a.packets[k], b.packets[k]) !== 0) differ++;
  return differ === 0 ? `yes (${n} packets)` : `no (${differ} of ${n} differ)`;
}

function readPackets(bytes) {
  const packets = [];
  for (let at = 0; at + 2 <= bytes.length; ) {
    const n = bytes[at] | (bytes[at + 1] << 8);
    packets.push(new Uint8Array(bytes.subarray(at + 2, at + 2 + n)));
    at += 2 + n;
  }
  return packets;
}

function writePackets(packets) {
  return Buffer.concat(packets.flatMap((p) => [Buffer.from([p.length & 255, p.length >> 8]), p]));
}
