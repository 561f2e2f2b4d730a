/** The workspace's one hex encoding: lowercase out, either case in, and no guess on anything else. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/index.js';

describe('toHex / fromHex', () => {
  it('round-trips every byte value, lowercase out, either case in', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all);
    expect(hex).toBe(Buffer.from(all).toString('hex'));
    expect(fromHex(hex)).toEqual(all);
    expect(fromHex(hex.toUpperCase())).toEqual(all);
    expect(toHex(Buffer.from([0xca, 0xfe]))).toBe('cafe');
  });

  it.each(['abc', 'zz', '0g', ' 00', '00\n', 'é0'])('refuses %j with CRYPTO_ERR_INVALID_ARGUMENT', (text) => {
    expect(() => fromHex(text)).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_INVALID_ARGUMENT' }));
  });

  it('refuses what is not bytes', () => {
    expect(() => toHex([1, 2] as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: 'CRYPTO_ERR_INVALID_ARGUMENT' }),
    );
  });
});
