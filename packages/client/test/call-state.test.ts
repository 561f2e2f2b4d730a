/**
 * The call snapshot against the real `leitung-relay` program (docs/client.md "Call state"): when the relay
 * is SIGKILLed during a call, both sides show `reconnecting` within 1 s and, with no relay to take the call
 * over, end with CLIENT_ERR_CALL_LOST; when the peer's audio stops while the relay lives, the call shows
 * `reconnecting` (cause `media`) within 1 s and `active` again when audio returns. Skipped with a notice
 * when the relay program or its build is missing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallSnapshot, CallStateEvent, Client } from '../src/index.js';
import { ClientPool, key, waitFor } from './support/fixtures.js';
import { RealRelay, realRelayAvailable } from './support/real-relay.js';

if (!realRelayAvailable) {
  console.warn(
    'call-state: examples/relay or the built @leitung/relay is missing — run `npm run build`; skipped',
  );
}

let aliceKey: RsaPrivateKey;
let bobKey: RsaPrivateKey;
let base: string;
const pool = new ClientPool();
const relays: RealRelay[] = [];
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  [aliceKey, bobKey] = await Promise.all([key('alice'), key('bob')]);
  base = await mkdtemp(join(tmpdir(), 'leitung-call-state-'));
});

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  await pool.closeAll();
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Every snapshot a client showed, with the wall-clock time it arrived. */
function record(client: Client): { at: number; call: CallSnapshot }[] {
  const seen: { at: number; call: CallSnapshot }[] = [];
  client.on('call:state', (e: CallStateEvent) => seen.push({ at: Date.now(), call: e.call }));
  return seen;
}

/** Sends one frame every 20 ms, as a send stream does; returns a switch to pause it. */
function talk(client: Client): { paused: boolean } {
  const state = { paused: false };
  let sequence = 0;
  const timer = setInterval(() => {
    if (state.paused) return;
    client.sendFrame({ sequence, timestamp: sequence * 960, payload: new Uint8Array([sequence & 0xff]) });
    sequence += 1;
  }, 20);
  timers.push(timer);
  return state;
}

async function callWithAudio(relay: RealRelay) {
  const options = { timing: { resumeTimeoutMs: 2_000 } };
  const alice = pool.make(aliceKey, 'alice', [relay.entry], options);
  const bob = pool.make(bobKey, 'bob', [relay.entry], options);
  const seen = { alice: record(alice), bob: record(bob) };
  await Promise.all([alice.start(), bob.start()]);
  bob.once('call:incoming', () => bob.answer());
  await alice.call('bob');
  const voices = { alice: talk(alice), bob: talk(bob) };
  await waitFor(
    () => alice.currentCall?.phase === 'active' && bob.currentCall?.phase === 'active',
    5_000,
    'audio flowing both ways',
  );
  return { alice, bob, seen, voices };
}

const firstAt = (seen: { at: number; call: CallSnapshot }[], phase: CallSnapshot['phase'], after: number) =>
  seen.find((s) => s.at >= after && s.call.phase === phase);

describe.skipIf(!realRelayAvailable)('call snapshot against the real leitung-relay', () => {
  it('relay SIGKILL during a call: reconnecting within 1 s on both sides, then ended with CLIENT_ERR_CALL_LOST', async () => {
    const relay = await RealRelay.start(join(base, 'kill'), 'relay');
    relays.push(relay);
    const { alice, bob, seen } = await callWithAudio(relay);
    const killedAt = Date.now();
    await relay.kill();
    await waitFor(
      () => alice.currentCall?.phase === 'reconnecting' && bob.currentCall?.phase === 'reconnecting',
      3_000,
      'both sides reconnecting',
    );
    for (const side of [seen.alice, seen.bob]) {
      const reconnecting = firstAt(side, 'reconnecting', killedAt);
      expect(reconnecting).toBeDefined();
      expect(reconnecting!.at - killedAt).toBeLessThanOrEqual(1_000);
    }
    // No relay takes the call over: it ends with a reason that says so, never "connected".
    await waitFor(
      () => alice.currentCall?.phase === 'ended' && bob.currentCall?.phase === 'ended',
      6_000,
      'both calls ended',
    );
    for (const client of [alice, bob]) {
      expect(client.currentCall).toMatchObject({
        phase: 'ended',
        reason: 'error',
        code: 'CLIENT_ERR_CALL_LOST',
      });
    }
    // Nothing showed "active" between the kill and the end.
    expect(seen.alice.filter((s) => s.at > killedAt + 50 && s.call.phase === 'active')).toEqual([]);
  });

  it('the peer’s audio stops while the relay lives: reconnecting (media) within 1 s, active again when it returns', async () => {
    const relay = await RealRelay.start(join(base, 'stall'), 'relay');
    relays.push(relay);
    const { alice, bob, seen, voices } = await callWithAudio(relay);
    const stoppedAt = Date.now();
    voices.bob.paused = true;
    await waitFor(() => alice.currentCall?.phase === 'reconnecting', 2_000, 'alice sees the stall');
    const stalled = firstAt(seen.alice, 'reconnecting', stoppedAt);
    expect(stalled!.call).toMatchObject({ cause: 'media', audio: 'stalled', media: 'bound' });
    expect(stalled!.at - stoppedAt).toBeLessThanOrEqual(1_000);
    // Bob still hears Alice.
    expect(bob.currentCall?.phase).toBe('active');
    voices.bob.paused = false;
    await waitFor(() => alice.currentCall?.phase === 'active', 2_000, 'alice hears bob again');
  });
});
