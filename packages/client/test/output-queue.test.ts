/**
 * The Client shell's order guarantee (src/shell/output-queue.ts): outputs a core input returns while
 * earlier ones are still being carried out — a listener calling back into the client — wait behind them.
 */
import { describe, expect, it } from 'vitest';
import { OutputQueue } from '../src/shell/output-queue.js';

describe('OutputQueue', () => {
  it('carries out outputs fed back while running after the ones still waiting', () => {
    const done: string[] = [];
    const queue: OutputQueue<string> = new OutputQueue((output) => {
      done.push(output);
      // A listener of the first output acts on the client: the core returns two more outputs.
      if (output === 'a1') expect(queue.run(['b1', 'b2'])).toBe(false);
    });
    expect(queue.run(['a1', 'a2'])).toBe(true);
    expect(done).toEqual(['a1', 'a2', 'b1', 'b2']);
  });

  it('keeps what a throwing output left for the next run', () => {
    const done: string[] = [];
    const queue = new OutputQueue<string>((output) => {
      if (output === 'bad') throw new Error('listener failed');
      done.push(output);
    });
    expect(() => queue.run(['a', 'bad', 'b'])).toThrow('listener failed');
    expect(queue.run(['c'])).toBe(true);
    expect(done).toEqual(['a', 'b', 'c']);
  });
});
