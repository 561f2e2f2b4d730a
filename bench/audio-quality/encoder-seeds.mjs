// Encoder settings over many loss patterns: run.mjs scores one seeded drop pattern per condition, so an
// encoder setting can win or lose there by where its few dozen lost frames happen to fall. This script
// encodes the same espeak-ng sentence with each setting (and opusenc, as run.mjs does), drops frames
// independently at each loss rate with SEEDS different seeds, decodes like run.mjs's ideal receiver (the
// next packet's FEC when it arrived, else PLC) and prints the mean STOI. Codec only, no pipeline.
// Imports the BUILT packages. Usage: node bench/audio-quality/encoder-seeds.mjs [--seeds=N]   (6 seeds by
//        default, about 1 min; 24: about 3 min)
//        needs espeak-ng, sox and opus-tools
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpusCodec, decodeWav, FRAME_SAMPLES } from '@leitung/audio';
import { Resampler } from '@leitung/audio/core';
import { loadOpusBackend } from '@leitung/audio/node';
import { seeded } from './impairment.mjs';
import { readOggOpus } from './ogg-opus.mjs';
import { STOI_RATE, stoi } from './stoi.mjs';

const SEEDS = Number(process.argv.find((a) => a.startsWith('--seeds='))?.slice(8) ?? 6);
const LOSS_PERCENT = [5, 10, 15, 20, 30];
const SETTINGS = [
  { label: 'default (VoIP)', options: {} },
  { label: 'audio application', options: { application: 'audio' } },
  { label: 'audio application, FEC off', options: { application: 'audio', fec: false } },
  { label: 'VoIP, FEC off', options: { fec: false } },
  { label: 'opus-tools', opusenc: true },
];
const TEXT =
  'Guten Tag. Die Leitung verbindet Sprachanrufe über Relais, und jedes Paket ist versiegelt. ' +
  'Bitte bleiben Sie am Apparat, während wir Sie mit Ihrem Gesprächspartner verbinden.';

const dir = mkdtempSync(join(tmpdir(), 'leitung-bench-seeds-'));
try {
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'de', '-w', join(dir, 'espeak.wav'), TEXT], { stdio: 'ignore' });
  execFileSync('sox', [join(dir, 'espeak.wav'), '-D', '-r', '48000', '-c', '1', '-b', '16', wav]);
  const input = (await decodeWav(readFileSync(wav))).samples;
  const reference = to10k(input);
  const backend = loadOpusBackend();
  console.log(`mean STOI over ${SEEDS} independent loss patterns per rate; opus backend ${backend.name}\n`);
  console.log(`| loss | ${SETTINGS.map((s) => s.label).join(' | ')} |`);
  console.log(`|---:|${SETTINGS.map(() => '---:').join('|')}|`);
  for (const loss of LOSS_PERCENT) {
    const means = SETTINGS.map((setting) => {
      const { preSkip, packets } = setting.opusenc
        ? opusenc(wav, loss)
        : encode(input, backend, { ...setting.options, expectedLossPercent: loss });
      let sum = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = seeded(1000 * loss + seed);
        const drop = packets.map(() => r() < loss / 100);
        const decoded = decode(packets, drop, backend).subarray(preSkip, preSkip + input.length);
        sum += stoi(reference, to10k(decoded));
      }
      return (sum / SEEDS).toFixed(3);
    });
    console.log(`| ${loss} % | ${means.join(' | ')} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function encode(input, backend, options) {
  const encoder = createOpusCodec(backend, { bitrate: 24_000, ...options }).createEncoder();
  const packets = [];
  for (let k = 0; k * FRAME_SAMPLES < input.length + encoder.lookaheadSamples; k++) {
    const pcm = new Int16Array(FRAME_SAMPLES);
    pcm.set(input.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
    packets.push(encoder.encode(pcm).data);
  }
  const preSkip = encoder.lookaheadSamples;
  encoder.close();
  return { preSkip, packets };
}

function opusenc(wav, loss) {
  const out = join(dir, `ref-${loss}.opus`);
  const args = [
    '--quiet',
    '--bitrate',
    '24',
    '--hard-cbr',
    '--framesize',
    '20',
    '--expect-loss',
    String(loss),
  ];
  execFileSync('opusenc', [...args, wav, out]);
  return readOggOpus(readFileSync(out));
}

function decode(packets, drop, backend) {
  const decoder = createOpusCodec(backend).createDecoder();
  const output = new Int16Array(packets.length * FRAME_SAMPLES);
  packets.forEach((packet, k) => {
    const next = k + 1 < packets.length && !drop[k + 1] ? packets[k + 1] : undefined;
    output.set(drop[k] ? decoder.conceal(next).pcm : decoder.decode(packet), k * FRAME_SAMPLES);
  });
  decoder.close();
  return output;
}

function to10k(samples) {
  const r = new Resampler(48_000, STOI_RATE);
  return Float64Array.from([...r.process(Float64Array.from(samples)), ...r.flush()]);
}
