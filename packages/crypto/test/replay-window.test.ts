/** The replay window against a naive model (RFC 3711 §3.3.2 semantics), with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoErrorCode, type ReplayVerdict, ReplayWindow } from '../src/index.js';
import { caught } from './helpers.js';

/** Remembers everything: the verdict the window must give, without any bitmap cleverness. */
class Model {
  readonly seen = new Set<number>();
  highest = -1;
  constructor(readonly size: number) {}

  verdict(seq: number): ReplayVerdict {
    if (seq > this.highest) return 'fresh';
    if (seq <= this.highest - this.size) return 'too-old';
    return this.seen.has(seq) ? 'duplicate' : 'fresh';
  }

  accept(seq: number): void {
    this.seen.add(seq);
    this.highest = Math.max(this.highest, seq);
  }
}

describe('ReplayWindow', () => {
  it('matches the model on arbitrary arrival orders, sizes and jumps', () => {
    const arrival = fc.oneof(
      fc.integer({ min: -3, max: 3 }), // near the top: duplicates and small reorderings
      fc.integer({ min: -300, max: 300 }), // around and beyond the window
      fc.integer({ min: 1000, max: 100_000 }), // big jumps forward
    );
    fc.assert(
      fc.property(
        fc.constantFrom(64, 65, 100, 128, 1000),
        fc.array(arrival, { maxLength: 400 }),
        (size, steps) => {
          const window = new ReplayWindow(size);
          const model = new Model(size);
          let cursor = 500;
          for (const step of steps) {
            cursor = Math.max(0, cursor + step);
            const expected = model.verdict(cursor);
            expect(window.check(cursor)).toBe(expected);
            if (expected === 'fresh') {
              window.accept(cursor);
              model.accept(cursor);
            }
            expect(window.highest).toBe(model.highest < 0 ? undefined : model.highest);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts every number once in any order within the window, then refuses them', () => {
    const window = new ReplayWindow(128);
    const order = Array.from({ length: 128 }, (_, i) => (i * 37) % 128);
    for (const seq of order) {
      expect(window.check(seq)).toBe('fresh');
      window.accept(seq);
    }
    for (const seq of order) expect(window.check(seq)).toBe('duplicate');
    window.accept(128);
    expect(window.check(0)).toBe('too-old');
    expect(window.check(1)).toBe('duplicate');
  });

  it('handles sequence numbers up to 2^53 − 1', () => {
    const window = new ReplayWindow();
    const top = Number.MAX_SAFE_INTEGER;
    window.accept(top - 5);
    window.accept(top);
    expect(window.check(top - 5)).toBe('duplicate');
    expect(window.check(top - 4)).toBe('fresh');
    expect(window.check(top - 128)).toBe('too-old');
  });

  it('refuses bad sizes, bad sequence numbers and accepting a non-fresh number', () => {
    for (const size of [63, 0, 64.5, Number.NaN, 1 << 17]) {
      expect(caught(() => new ReplayWindow(size)).code).toBe(CryptoErrorCode.InvalidArgument);
    }
    const window = new ReplayWindow(64);
    expect(window.size).toBe(64);
    for (const seq of [-1, 1.5, 2 ** 53])
      expect(caught(() => window.check(seq)).code).toBe(CryptoErrorCode.InvalidArgument);
    window.accept(3);
    expect(caught(() => window.accept(3)).code).toBe(CryptoErrorCode.InvalidArgument);
  });
});
