/**
 * Codecs of a call (docs/session-protocol.md §3 `codecs`, §4 "Media payload"): `--codec pcm16` carries
 * audio end to end through a real leitung-relay (24 kHz PCM16 fits the relay's 1 200-byte packet limit);
 * the call offer lists the chosen codec first; a callee sends in a codec the caller offered.
 */
import { createOpusCodec, createPcm16Codec } from '@leitung/audio';
import { loadOpusBackend } from '@leitung/audio/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhonebookSession } from '../src/app/phonebook-session.js';
import type { StampedEvent } from '../src/app/session-events.js';
import { loadCodecs, sendCodecFor } from '../src/media/codecs.js';
import { RelayWorld } from './support/relay-world.js';

let world: RelayWorld;

beforeAll(async () => {
  world = await RelayWorld.start('codecs');
}, 60_000);

afterAll(async () => {
  await world.close();
});

async function start(
  name: string,
  codec: 'opus' | 'pcm16',
  offer?: readonly number[],
): Promise<{ session: PhonebookSession; events: StampedEvent[] }> {
  const s = await world.open(name, undefined, offer ? { codecs: offer } : {}, codec);
  const events: StampedEvent[] = [];
  s.session.onEvent((e) => events.push(e));
  await s.session.start();
  return { session: s.session, events };
}

const statsOf = (events: StampedEvent[]) =>
  events.find((e) => e.event === 'call:stats') as Extract<StampedEvent, { event: 'call:stats' }> | undefined;

async function waitFor(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('codecs of a call', () => {
  it('chooses the send codec from what the caller offered', () => {
    const opus = createOpusCodec(loadOpusBackend());
    const pcm16 = createPcm16Codec();
    expect(sendCodecFor(opus, [opus, pcm16], [2, 1])).toBe(opus);
    expect(sendCodecFor(opus, [opus, pcm16], [1])).toBe(pcm16);
    expect(sendCodecFor(opus, [opus, pcm16], undefined)).toBe(opus);
    expect(sendCodecFor(opus, [opus, pcm16], [9])).toBeUndefined();
    expect(loadCodecs('pcm16').offer).toEqual([1, 2]);
    expect(loadCodecs('opus').offer).toEqual([2, 1]);
  });

  it('--codec pcm16 carries audio through the relay; a callee offered only PCM16 answers in PCM16', async () => {
    // Alice offers only PCM16 (a peer without Opus); Bob would rather send Opus.
    const [alice, bob] = await Promise.all([start('alice', 'pcm16', [1]), start('bob', 'opus')]);
    alice.session.watch(['bob']);
    bob.session.watch(['alice']);
    bob.session.client.on('call:incoming', () => bob.session.answer());
    await alice.session.call('bob');
    await waitFor(
      () =>
        [alice, bob].every((p) => {
          const q = p.events.filter((e) => e.event === 'call:quality').at(-1) as
            | Extract<StampedEvent, { event: 'call:quality' }>
            | undefined;
          return q !== undefined && q.quality.packetsReceived >= 50;
        }),
      'PCM16 audio both ways',
    );
    alice.session.hangUp();
    await Promise.all([alice.session.settled(), bob.session.settled()]);
    await waitFor(() => statsOf(alice.events) !== undefined && statsOf(bob.events) !== undefined, 'stats');
    for (const side of [alice, bob]) {
      const stats = statsOf(side.events)!;
      // Both sent PCM16 (Bob because Alice offered nothing else), and the packets got through. (Loss as
      // packets that never arrived: `lossPercent` also counts frames that came late for playout, which a
      // loaded machine causes in a call this short while the jitter buffer starts at its 20 ms floor.)
      expect(stats.stats.codec).toBe('pcm16');
      const received = stats.stats.receive?.packetsReceived ?? 0;
      expect(received).toBeGreaterThanOrEqual(50);
      expect(stats.stats.quality.packetsLost / (received + stats.stats.quality.packetsLost)).toBeLessThan(
        0.05,
      );
    }
    // Nothing was dropped at the relay for its size.
    expect(await world.relay.metrics()).toMatch(/media_dropped_packets_total\{reason="oversize"\} 0\n/);
  }, 60_000);
});
