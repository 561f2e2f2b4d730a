/**
 * Test signals. Real speech comes from espeak-ng (resampled to 48 kHz mono by sox) into a temporary
 * directory that is removed afterwards; where either tool is missing the tests that need it skip with
 * a one-line notice. A synthetic vowel-like signal (glottal pulse train through formant resonators,
 * syllable envelope, pauses) covers the same paths everywhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, SAMPLE_RATE } from '../../src/index.js';
import { findExecutable } from '../../src/node/index.js';

export const hasSpeechTools =
  findExecutable('espeak-ng') !== undefined && findExecutable('sox') !== undefined;
export const hasSox = findExecutable('sox') !== undefined;

const warned = new Set<string>();
/** Prints a skip notice once per reason. */
export function skipNotice(reason: string): void {
  if (warned.has(reason)) return;
  warned.add(reason);
  console.warn(`[@leitung/audio tests] skipped: ${reason}`);
}

const TEXT =
  'The quick brown fox jumps over the lazy dog. Leitung carries voice calls through relays, ' +
  'and every packet is sealed. Please hold the line while we connect you.';

/** espeak-ng speech at 48 kHz mono (about 9 s), generated in a temporary directory. */
export async function makeSpeech(): Promise<Int16Array> {
  const dir = mkdtempSync(join(tmpdir(), 'leitung-audio-speech-'));
  try {
    const raw = join(dir, 'speech-22k.wav');
    const wav = join(dir, 'speech-48k.wav');
    execFileSync('espeak-ng', ['-w', raw, TEXT], { stdio: 'ignore' });
    // -D: no dither, so the signal (and every measurement on it) is the same on every run.
    execFileSync('sox', [raw, '-D', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', wav], {
      stdio: 'ignore',
    });
    const { format, samples } = await decodeWav(readFileSync(wav));
    if (format.sampleRate !== SAMPLE_RATE || format.channels !== 1) throw new Error('sox did not resample');
    return samples;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Vowel-like synthetic speech: deterministic, about `seconds` long, peaks near −6 dBFS. */
export function syntheticSpeech(seconds: number): Int16Array {
  const n = Math.round(seconds * SAMPLE_RATE);
  const out = new Int16Array(n);
  const vowels = [
    [730, 1090, 2440],
    [270, 2290, 3010],
    [530, 1840, 2480],
    [570, 840, 2410],
    [300, 870, 2240],
  ];
  const state = vowels[0]!.map(() => [0, 0]);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    const syllable = Math.floor(t / 0.25);
    const inSyllable = (t % 0.25) / 0.25;
    const pause = syllable % 7 === 6;
    const env = pause ? 0 : Math.sin(Math.PI * inSyllable) ** 2;
    const f0 = 110 + 30 * Math.sin(2 * Math.PI * 0.7 * t) + 10 * (syllable % 3);
    phase += f0 / SAMPLE_RATE;
    let excitation = 0;
    if (phase >= 1) {
      phase -= 1;
      excitation = 1;
    }
    const formants = vowels[syllable % vowels.length]!;
    let y = 0;
    formants.forEach((f, k) => {
      // Two-pole resonator, 80 Hz bandwidth.
      const r = Math.exp((-Math.PI * 80) / SAMPLE_RATE);
      const c = 2 * r * Math.cos((2 * Math.PI * f) / SAMPLE_RATE);
      const s = state[k]!;
      const v = excitation + c * s[0]! - r * r * s[1]!;
      s[1] = s[0]!;
      s[0] = v;
      y += v / (k + 1);
    });
    out[i] = Math.max(-32768, Math.min(32767, Math.round(y * env * 1200)));
  }
  return out;
}
