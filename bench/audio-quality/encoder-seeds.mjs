// Encoder settings over many loss patterns: run.mjs scores one seeded drop pattern per condition, so an
// encoder setting can win or lose there by where its few dozen lost frames happen to fall. This script
// encodes the same espeak-ng sentence with each setting (and opusenc, as run.mjs does), drops frames
// independently at each loss rate with SEEDS different seeds, decodes like run.mjs's ideal receiver (the
// next packet's FEC when it arrived, else PLC) and prints the mean STOI. Codec only, no pipeline. Each
// setting is told the rate as expectedLossPercent, which createOpusCodec plans as Leitung does (with FEC on,
// at least 10 % from 3 %: docs/benchmarks.md, "Loss planning and FEC detection").
// Imports the BUILT packages. Usage: node bench/audio-quality/encoder-seeds.mjs [--seeds=N]   (6 seeds by
//        default, about 1 min; 24: about 3 min)
//        needs espeak-ng, sox and opus-tools
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpusCodec, decodeWav } from '@leitung/audio';
import { loadOpusBackend } from '@leitung/audio/node';
import { decodeIdeal, encodeFrames, opusencPackets, speechWav, to10k } from './codec-paths.mjs';
import { seeded } from './impairment.mjs';
import { stoi } from './stoi.mjs';

const SEEDS = Number(process.argv.find((a) => a.startsWith('--seeds='))?.slice(8) ?? 6);
const LOSS_PERCENT = [5, 10, 15, 20, 30];
const SETTINGS = [
  { label: 'default (VoIP)', options: {} },
  { label: 'audio application', options: { application: 'audio' } },
  { label: 'audio application, FEC off', options: { application: 'audio', fec: false } },
  { label: 'VoIP, FEC off', options: { fec: false } },
  { label: 'opus-tools', opusenc: true },
];

const dir = mkdtempSync(join(tmpdir(), 'leitung-bench-seeds-'));
try {
  const wav = speechWav(dir);
  const input = (await decodeWav(readFileSync(wav))).samples;
  const reference = to10k(input);
  const backend = loadOpusBackend();
  console.log(`mean STOI over ${SEEDS} independent loss patterns per rate; opus backend ${backend.name}\n`);
  console.log(`| loss | ${SETTINGS.map((s) => s.label).join(' | ')} |`);
  console.log(`|---:|${SETTINGS.map(() => '---:').join('|')}|`);
  for (const loss of LOSS_PERCENT) {
    const means = SETTINGS.map((setting) => {
      const { preSkip, packets } = setting.opusenc
        ? opusencPackets(wav, join(dir, `ref-${loss}.opus`), 24_000, loss)
        : encodeFrames(input, createOpusCodec(backend, { ...setting.options, expectedLossPercent: loss }));
      let sum = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = seeded(1000 * loss + seed);
        const drop = packets.map(() => r() < loss / 100);
        const decoded = decodeIdeal(packets, (k) => drop[k], backend).subarray(
          preSkip,
          preSkip + input.length,
        );
        sum += stoi(reference, to10k(decoded));
      }
      return (sum / SEEDS).toFixed(3);
    });
    console.log(`| ${loss} % | ${means.join(' | ')} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
