/**
 * Speech samples for the demo and the end-to-end test. Real speech comes from espeak-ng, resampled to
 * 48 kHz mono 16-bit by sox (no dither, so every run gets the same samples). Where either tool is
 * missing, a speech-like signal is synthesised instead — a glottal pulse train through three formant
 * resonators with a syllable envelope and pauses — and the caller is told which one it got.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeWav, SAMPLE_RATE } from '@leitung/audio';
import { findExecutable } from '@leitung/audio/node';

const run = promisify(execFile);

export const ALICE_TEXT = 'Hello Bob, this is Alice, calling through the relay. Can you hear me clearly?';
export const BOB_TEXT = 'Hi Alice, Bob here. Yes, I can hear you very well, the line is clear.';

export type SpeechKind = 'espeak-ng' | 'synthetic';

export interface SpeechSample {
  readonly path: string;
  readonly kind: SpeechKind;
  readonly durationMs: number;
}

export function hasSpeechTools(): boolean {
  return findExecutable('espeak-ng') !== undefined && findExecutable('sox') !== undefined;
}

/**
 * Writes `name`.wav in `dir`: espeak-ng speaking `text` (voice `voice`) when espeak-ng and sox are
 * installed, else `seconds` of synthetic speech-like sound (`seed` varies pitch and vowels).
 */
export async function makeSpeechSample(
  dir: string,
  name: string,
  text: string,
  voice: string,
  seed: number,
): Promise<SpeechSample> {
  const path = join(dir, `${name}.wav`);
  if (hasSpeechTools()) {
    const raw = join(dir, `${name}-espeak.wav`);
    await run('espeak-ng', ['-v', voice, '-s', '165', '-w', raw, text]);
    await run('sox', [raw, '-D', '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', path]);
    const { stdout } = await run('sox', ['--i', '-s', path]);
    return { path, kind: 'espeak-ng', durationMs: (Number(stdout.trim()) / SAMPLE_RATE) * 1000 };
  }
  const samples = syntheticSpeech(5, seed);
  await writeFile(path, encodeWav(samples));
  return { path, kind: 'synthetic', durationMs: (samples.length / SAMPLE_RATE) * 1000 };
}

/** Vowel-like synthetic speech, about `seconds` long, peaks near −6 dBFS; deterministic per seed. */
export function syntheticSpeech(seconds: number, seed = 0): Int16Array {
  const n = Math.round(seconds * SAMPLE_RATE);
  const out = new Int16Array(n);
  const vowels = [
    [730, 1090, 2440],
    [270, 2290, 3010],
    [530, 1840, 2480],
    [570, 840, 2410],
    [300, 870, 2240],
  ];
  const state = [
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  const syllableS = 0.22 + 0.03 * (seed % 3);
  const baseF0 = 110 + 60 * (seed % 2);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    const syllable = Math.floor(t / syllableS);
    const inSyllable = (t % syllableS) / syllableS;
    const pause = (syllable + seed) % 7 === 6;
    const envelope = pause ? 0 : Math.sin(Math.PI * inSyllable) ** 2;
    const f0 = baseF0 + 25 * Math.sin(2 * Math.PI * 0.7 * t) + 8 * (syllable % 3);
    phase += f0 / SAMPLE_RATE;
    let excitation = 0;
    if (phase >= 1) {
      phase -= 1;
      excitation = 1;
    }
    const formants = vowels[(syllable + seed) % vowels.length]!;
    let y = 0;
    for (let k = 0; k < 3; k++) {
      // Two-pole resonator with 80 Hz bandwidth at each formant.
      const r = Math.exp((-Math.PI * 80) / SAMPLE_RATE);
      const c = 2 * r * Math.cos((2 * Math.PI * formants[k]!) / SAMPLE_RATE);
      const s = state[k]!;
      const v = excitation + c * s[0]! - r * r * s[1]!;
      s[1] = s[0]!;
      s[0] = v;
      y += v / (k + 1);
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(y * envelope * 1200)));
  }
  return out;
}
