import { describe, expect, it } from 'vitest';
import {
  type AudioError,
  AudioReceiver,
  AudioReceiveStream,
  AudioSender,
  AudioSendStream,
  type AudioSink,
  createPcm16Codec,
  createPcmSink,
  createToneSource,
  FRAME_SAMPLES,
  MAX_PLAYOUT_SAMPLES,
  type MediaFrame,
  MIN_PLAYOUT_SAMPLES,
  type PlayoutFrame,
  type ReceiveStats,
  type SendStats,
  type StreamClock,
} from '../src/index.js';
import { createMemoryTransportPair } from '../src/testing.js';
import { runReceiveStreamUntil } from './support/receive-stream.js';

/** Virtual time: sleeps resolve in deadline order, one per macrotask, so the streams interleave. */
function virtualClock(): StreamClock {
  let now = 0;
  const waiters: { at: number; seq: number; resolve: () => void }[] = [];
  let seq = 0;
  const tick = () => {
    waiters.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = waiters.shift();
    if (next === undefined) return;
    now = Math.max(now, next.at);
    next.resolve();
  };
  return {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        waiters.push({ at: now + ms, seq: seq++, resolve });
        setImmediate(tick);
      }),
  };
}

describe('send and receive streams (shells)', () => {
  it('carry a tone end to end over a transport on virtual time, with stats events, and close cleanly', async () => {
    const clock = virtualClock();
    const codec = createPcm16Codec();
    const [a, b] = createMemoryTransportPair();
    const source = createToneSource({ frequency: 500, durationMs: 1000 });
    let sourceClosed = false;
    const watchedSource = {
      read: () => source.read(),
      close: async () => {
        sourceClosed = true;
        await source.close();
      },
    };
    const sink = createPcmSink();
    const send = new AudioSendStream({
      source: watchedSource,
      sender: new AudioSender({ codec }),
      transport: a,
      clock,
      statsIntervalMs: 200,
    });
    const receive = new AudioReceiveStream({
      receiver: new AudioReceiver({ codecs: [codec] }),
      transport: b,
      sink,
      clock,
      statsIntervalMs: 200,
    });
    const sendStats: SendStats[] = [];
    const receiveStats: ReceiveStats[] = [];
    let ended: SendStats | undefined;
    send.on('stats:update', (s) => sendStats.push(s));
    send.on('stream:ended', (s) => {
      ended = s;
    });
    receive.on('stats:update', (s) => receiveStats.push(s));

    const receiving = receive.run();
    await send.run();
    expect(clock.now()).toBeGreaterThanOrEqual(980);
    await clock.sleep(300);
    await receive.stop();
    await receiving;

    expect(ended?.packetsSent).toBe(50);
    expect(sendStats.length).toBeGreaterThanOrEqual(4);
    expect(receiveStats.length).toBeGreaterThanOrEqual(4);
    const counts = receiveStats.map((s) => s.framesDecoded);
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
    const final = receive.stats();
    expect(final.framesDecoded).toBe(50);
    expect(final.packetsLost).toBe(0);
    expect(sink.frames).toBeGreaterThanOrEqual(60);
    expect(sourceClosed).toBe(true);
    await expect(sink.write(new Int16Array(960))).rejects.toMatchObject({ code: 'AUDIO_ERR_CLOSED' });
    expect(() => send.run()).toThrow(expect.objectContaining({ code: 'AUDIO_ERR_CLOSED' }));
    a.close();
  });

  it('pulls each time the last frame has played: resized frames move the schedule by their length', async () => {
    const clock = virtualClock();
    const lengths = [FRAME_SAMPLES, MAX_PLAYOUT_SAMPLES, MIN_PLAYOUT_SAMPLES, FRAME_SAMPLES + 100];
    const pulls: number[] = [];
    class Resizing extends AudioReceiver {
      override pull(now: number): PlayoutFrame {
        const frame = super.pull(now);
        const pcm = new Int16Array(lengths[pulls.length % lengths.length]!);
        pulls.push(now);
        return { ...frame, pcm };
      }
    }
    const sink = createPcmSink();
    const receiver = new Resizing({ codecs: [createPcm16Codec()] });
    await runReceiveStreamUntil({ receiver, sink, clock }, () => pulls.length >= 8, 5);
    // 20, 25, 15 and 22.08 ms frames played back to back: each pull when the frames before it have played.
    let at = 0;
    const due = Array.from({ length: 8 }, (_, k) => {
      const t = at / 48;
      at += lengths[k % lengths.length]!;
      return expect.closeTo(t, 9);
    });
    expect(pulls.slice(0, 8)).toEqual(due);
    // The sink keeps them back to back, whatever their lengths.
    const written = Array.from({ length: sink.frames }, (_, k) => lengths[k % lengths.length]!);
    expect(sink.samples().length).toBe(written.reduce((a, n) => a + n, 0));
    await expect(createPcmSink().write(new Int16Array(MIN_PLAYOUT_SAMPLES - 1))).rejects.toMatchObject({
      code: 'AUDIO_ERR_INVALID_FRAME',
    });
  });

  it('reports a failing sink as stream:failed and releases everything', async () => {
    const clock = virtualClock();
    const codec = createPcm16Codec();
    const [, b] = createMemoryTransportPair();
    let closed = false;
    let writes = 0;
    const sink: AudioSink = {
      write: async () => {
        if (++writes === 3) throw new Error('speaker unplugged');
      },
      close: async () => {
        closed = true;
      },
    };
    const receive = new AudioReceiveStream({
      receiver: new AudioReceiver({ codecs: [codec] }),
      transport: b,
      sink,
      clock,
    });
    const failures: AudioError[] = [];
    receive.on('stream:failed', (e) => failures.push(e));
    await receive.run();
    expect(failures.map((e) => e.code)).toEqual(['AUDIO_ERR_DEVICE_FAILED']);
    expect(closed).toBe(true);
  });

  it('reports a sink that fails to close as stream:failed instead of rejecting run()', async () => {
    const clock = virtualClock();
    const [, b] = createMemoryTransportPair();
    const sink: AudioSink = {
      write: async () => undefined,
      close: async () => {
        throw new Error('device vanished');
      },
    };
    const receive = new AudioReceiveStream({
      receiver: new AudioReceiver({ codecs: [createPcm16Codec()] }),
      transport: b,
      sink,
      clock,
    });
    const failures: string[] = [];
    receive.on('stream:failed', (e) => failures.push(e.code));
    const running = receive.run();
    await clock.sleep(100);
    await receive.stop();
    await running;
    expect(failures).toEqual(['AUDIO_ERR_DEVICE_FAILED']);
  });

  it('stop before run releases the source and sender', async () => {
    const source = createToneSource({ frequency: 500 });
    const send = new AudioSendStream({
      source,
      sender: new AudioSender({ codec: createPcm16Codec() }),
      transport: { send: (_f: MediaFrame) => undefined },
    });
    await send.stop();
    expect(await source.read()).toBeNull();
  });

  it('delivers in-memory frames asynchronously, never inside send', async () => {
    const [a, b] = createMemoryTransportPair();
    const got: number[] = [];
    const off = b.onFrame((f) => got.push(f.sequence));
    a.send({ sequence: 1, timestamp: 0, payload: Uint8Array.of(1, 0) });
    expect(got).toEqual([]);
    await Promise.resolve();
    expect(got).toEqual([1]);
    off();
    a.send({ sequence: 2, timestamp: 960, payload: Uint8Array.of(1, 0) });
    await Promise.resolve();
    expect(got).toEqual([1]);
    a.close();
  });
});
