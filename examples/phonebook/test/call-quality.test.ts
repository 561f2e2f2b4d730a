/**
 * Call quality never describes audio that did not arrive: CallMedia over a media transport that delivers
 * no frame reports "no audio" (no loss, no MOS), and one whose frames stop (the relay died) turns to
 * `stalled` within a second, again without figures; the final statistics of a call with no frame carry no
 * MOS either. The loss measured here is also what the encoder plans its FEC for.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, MediaFrame } from '@leitung/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallMedia } from '../src/media/call-media.js';
import { loadCodecs } from '../src/media/codecs.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leitung-quality-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The parts of a Client that CallMedia uses; frames sent are looped back while `looping` is on. */
function fakeClient() {
  const listeners = new Set<(frame: MediaFrame) => void>();
  const state = { looping: false, dropEvery: 0 };
  let sent = 0;
  const client = {
    relay: undefined,
    relayStatus: () => [],
    mediaStats: () => undefined,
    mediaTransport: () => ({
      send: (frame: MediaFrame) => {
        sent++;
        if (state.dropEvery > 0 && sent % state.dropEvery === 0) return;
        if (state.looping) for (const l of listeners) l(frame);
      },
      onFrame: (listener: (frame: MediaFrame) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: () => listeners.clear(),
    }),
  };
  return { client: client as unknown as Client, state };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function callMedia(client: Client): CallMedia {
  const codecs = loadCodecs('opus');
  return new CallMedia({
    client,
    codec: codecs.send,
    receiveCodecs: codecs.receive,
    audio: { input: undefined, output: join(dir, 'heard.wav'), tone: true },
    notify: () => undefined,
  });
}

describe('call quality over nothing', () => {
  it('0 frames received: "no audio", no loss or MOS, live and in the final statistics', async () => {
    const { client } = fakeClient();
    const media = callMedia(client);
    await media.start();
    await sleep(300);
    const live = media.quality();
    expect(live).toMatchObject({ audio: 'none', packetsReceived: 0 });
    expect(live.mos).toBeUndefined();
    expect(live.lossPercent).toBeUndefined();
    const final = await media.stop();
    expect(final.quality.mos).toBeUndefined();
    expect(final.quality.lossPercent).toBeUndefined();
  });

  it('frames that stop arriving: `stalled` within a second, without figures; the final MOS covers what came', async () => {
    const { client, state } = fakeClient();
    const media = callMedia(client);
    state.looping = true;
    await media.start();
    await sleep(600);
    const flowing = media.quality();
    expect(flowing.audio).toBe('flowing');
    expect(flowing.mos).toBeGreaterThan(3.5);
    state.looping = false; // the relay died: nothing arrives any more
    const stoppedAt = Date.now();
    let live = media.quality();
    while (live.audio === 'flowing' && Date.now() - stoppedAt < 3000) {
      await sleep(50);
      live = media.quality();
    }
    expect(live.audio).toBe('stalled');
    expect(Date.now() - stoppedAt).toBeLessThan(1300);
    expect(live.mos).toBeUndefined();
    expect(live.lossPercent).toBeUndefined();
    const final = await media.stop();
    expect(final.quality.mos).toBeGreaterThan(3.5);
    expect(final.quality.packetsReceived).toBeGreaterThan(10);
  });
});

describe('loss feedback to the encoder', () => {
  it('the loss this side measures sets the Opus FEC planning: 0 on a clean loop, about the loss on a lossy one', async () => {
    const clean = fakeClient();
    clean.state.looping = true;
    const a = callMedia(clean.client);
    await a.start();
    await sleep(1300);
    expect((await a.stop()).send.expectedLossPercent).toBe(0);

    const lossy = fakeClient();
    lossy.state.looping = true;
    lossy.state.dropEvery = 8; // 12.5 % loss
    const b = callMedia(lossy.client);
    await b.start();
    await sleep(2300);
    const final = await b.stop();
    expect(final.receive.packetsLost).toBeGreaterThan(5);
    expect(final.send.expectedLossPercent).toBeGreaterThanOrEqual(8);
    expect(final.send.expectedLossPercent).toBeLessThanOrEqual(20);
  });
});
