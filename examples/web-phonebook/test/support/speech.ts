/**
 * Real speech for the fake microphone and the terminal phonebook's `--input`: espeak-ng, resampled by sox
 * to 48 kHz mono 16-bit without dither (every run gets the same samples). Without both tools the suites
 * skip with a notice.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeWav } from '@leitung/audio';

export const PAGE_TEXT =
  'Hello Bob, this is Alice in the browser, calling through the relay. Can you hear me clearly now?';
export const TERMINAL_TEXT =
  'Hi Alice, Bob here in the terminal. Yes, I can hear you very well, the line is clear.';

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const speechToolsAvailable = has('espeak-ng') && has('sox');

export interface Speech {
  readonly path: string;
  readonly samples: Int16Array;
}

export async function makeSpeech(dir: string, name: string, text: string, voice: string): Promise<Speech> {
  const raw = join(dir, `${name}-espeak.wav`);
  const path = join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', voice, '-s', '165', '-w', raw, text]);
  execFileSync('sox', [raw, '-D', '-r', '48000', '-c', '1', '-b', '16', path]);
  return { path, samples: (await decodeWav(new Uint8Array(await readFile(path)))).samples };
}
