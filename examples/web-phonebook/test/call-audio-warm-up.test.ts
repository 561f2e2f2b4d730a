/**
 * The page's throw-away call after registration (src/audio/call-audio-warm-up.ts): it must run the code a
 * first call's audio runs — encoding, decoding, concealment of a lost packet, the jitter buffer's
 * time-scaling after a late burst — or it warms nothing; and it must give way to a real call. Run here on
 * the page's own codecs (libopus in WebAssembly, the build the page loads).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createOpusCodec, createPcm16Codec, instantiateOpusWasm } from '@leitung/audio';
import { describe, expect, it } from 'vitest';
import { warmUpCallAudio } from '../src/audio/call-audio-warm-up.js';
import type { PageCodecs } from '../src/audio/codecs.js';

async function pageCodecs(): Promise<PageCodecs> {
  const wasm = createRequire(import.meta.url).resolve('@evan/opus/wasm/opus.wasm');
  const opus = createOpusCodec(await instantiateOpusWasm(new Uint8Array(await readFile(wasm))));
  const pcm16 = createPcm16Codec();
  return { send: opus, receive: [opus, pcm16], offer: [opus.id, pcm16.id] };
}

describe('the call audio warm-up', () => {
  it('encodes and decodes a second of audio, conceals the lost packet and time-scales after the late burst', async () => {
    const stats = await warmUpCallAudio(await pageCodecs());
    expect(stats?.packetsReceived).toBe(49);
    expect(stats?.framesDecoded).toBeGreaterThan(40);
    expect((stats?.framesRecoveredFec ?? 0) + (stats?.framesPlc ?? 0)).toBeGreaterThan(0);
    expect(stats?.framesStretched).toBeGreaterThan(0);
  });

  it('runs in steps, each after the page had its turn, and ends at the first step after a call began', async () => {
    const codecs = await pageCodecs();
    let pauses = 0;
    const whole = await warmUpCallAudio(codecs, { pause: async () => void pauses++ });
    expect(whole).toBeDefined();
    expect(pauses).toBe(10);
    pauses = 0;
    let calling = false;
    const stopped = await warmUpCallAudio(codecs, {
      pause: async () => {
        pauses++;
        if (pauses === 3) calling = true;
      },
      stop: () => calling,
    });
    expect(stopped).toBeUndefined();
    expect(pauses).toBe(3);
  });
});
