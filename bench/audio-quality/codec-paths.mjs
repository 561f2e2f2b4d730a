// The codec-only paths shared by run.mjs and encoder-seeds.mjs: the benchmark sentence, Opus encoding frame
// by frame, opusenc, and decoding with drops by an ideal receiver. Imports the BUILT packages.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOpusCodec, FRAME_SAMPLES } from '@leitung/audio';
import { Resampler } from '@leitung/audio/core';
import { readOggOpus } from './ogg-opus.mjs';
import { STOI_RATE } from './stoi.mjs';

const TEXT =
  'Guten Tag. Die Leitung verbindet Sprachanrufe über Relais, und jedes Paket ist versiegelt. ' +
  'Bitte bleiben Sie am Apparat, während wir Sie mit Ihrem Gesprächspartner verbinden.';

/** The German sentence from espeak-ng, resampled to 48 kHz mono 16-bit by sox; returns the WAV's path. */
export function speechWav(dir) {
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', 'de', '-w', join(dir, 'espeak.wav'), TEXT], { stdio: 'ignore' });
  execFileSync('sox', [join(dir, 'espeak.wav'), '-D', '-r', '48000', '-c', '1', '-b', '16', wav]);
  return wav;
}

/** Encodes the signal frame by frame (through the lookahead), as an Ogg file would hold it. */
export function encodeFrames(input, codec) {
  const encoder = codec.createEncoder();
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

/** opusenc at a constant bitrate in 20 ms frames, planning for `expectLoss` %; its packets and pre-skip. */
export function opusencPackets(wav, out, bitrate, expectLoss) {
  const rate = String(bitrate / 1000);
  const args = [
    '--quiet',
    '--bitrate',
    rate,
    '--hard-cbr',
    '--framesize',
    '20',
    '--expect-loss',
    String(expectLoss),
  ];
  execFileSync('opusenc', [...args, wav, out]);
  return readOggOpus(readFileSync(out));
}

/**
 * libopus decoding with packets dropped where `dropped(k)` says, by an ideal receiver: no jitter, and the
 * next packet's FEC for every lost frame whenever that packet arrived.
 */
export function decodeIdeal(packets, dropped, backend) {
  const decoder = createOpusCodec(backend).createDecoder();
  const output = new Int16Array(packets.length * FRAME_SAMPLES);
  packets.forEach((packet, k) => {
    const next = k + 1 < packets.length && !dropped(k + 1) ? packets[k + 1] : undefined;
    output.set(dropped(k) ? decoder.conceal(next).pcm : decoder.decode(packet), k * FRAME_SAMPLES);
  });
  decoder.close();
  return output;
}

/** 48 kHz samples resampled to STOI's 10 kHz. */
export function to10k(samples) {
  const r = new Resampler(48_000, STOI_RATE);
  return Float64Array.from([...r.process(Float64Array.from(samples)), ...r.flush()]);
}
