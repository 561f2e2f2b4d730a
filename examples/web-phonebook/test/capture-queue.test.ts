/**
 * The microphone's queue between the capture worklet and the send stream (src/audio/capture-queue.ts):
 * what was captured while the phone rang, and what goes out when the call's audio starts.
 */
import { describe, expect, it } from 'vitest';
import { CaptureQueue } from '../src/audio/capture-queue.js';

/** Whether `promise` has settled after pending microtasks, and with what. */
async function settled<T>(promise: Promise<T>): Promise<{ done: boolean; value?: T }> {
  let state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => {
    state = { done: true, value };
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return state;
}

describe('CaptureQueue', () => {
  it('sends the newest frame captured while ringing at once when the call starts, and nothing older', async () => {
    const queue = new CaptureQueue<string>(10);
    for (const f of ['rang 1', 'rang 2', 'rang 3']) queue.push(f);
    queue.keepNewest();
    expect(queue.size).toBe(1);
    // Read without waiting for the worklet's next frame: the first packet leaves as the lane is bound.
    expect(await settled(queue.read())).toEqual({ done: true, value: 'rang 3' });
    // Then the capture keeps the time: the next read waits for the next frame.
    const next = queue.read();
    expect((await settled(next)).done).toBe(false);
    queue.push('live 1');
    expect(await next).toBe('live 1');
  });

  it('keeps nothing when nothing was captured yet', async () => {
    const queue = new CaptureQueue<string>(10);
    queue.keepNewest();
    const first = queue.read();
    expect((await settled(first)).done).toBe(false);
    queue.push('live 1');
    expect(await first).toBe('live 1');
  });

  it('drops the oldest frames beyond its cap and hands frames out in order', async () => {
    const queue = new CaptureQueue<number>(3);
    for (let i = 1; i <= 5; i++) queue.push(i);
    expect(queue.size).toBe(3);
    expect([await queue.read(), await queue.read(), await queue.read()]).toEqual([3, 4, 5]);
  });

  it('ends a waiting read with null when closed and ignores frames after', async () => {
    const queue = new CaptureQueue<number>(3);
    const waiting = queue.read();
    queue.close();
    expect(await waiting).toBeNull();
    queue.push(1);
    expect(queue.size).toBe(0);
    expect(await queue.read()).toBeNull();
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new CaptureQueue(0)).toThrow(RangeError);
    expect(() => new CaptureQueue(1.5)).toThrow(RangeError);
  });
});
