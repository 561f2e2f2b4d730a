/**
 * The vault's base64 (src/vault/base64.ts) is plain Uint8Array code so the browser vault shares it
 * (docs/client.md "In a browser"); it must read and write exactly what Node's Buffer did, or vault files
 * written before would no longer open. Strict: only the canonical padded form is accepted.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../src/vault/base64.js';

/** Deterministic bytes of every length class (n mod 3) with every byte value over the lengths. */
function sample(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff);
}

describe('vault base64', () => {
  it('encodes and decodes as Node Buffer does', () => {
    for (let n = 0; n <= 260; n++) {
      const bytes = sample(n);
      const text = Buffer.from(bytes).toString('base64');
      expect(toBase64(bytes)).toBe(text);
      expect(fromBase64(text)).toEqual(bytes);
    }
  });

  it('refuses anything but canonical padded base64', () => {
    for (const bad of ['QQ', 'QR==', 'QUI=x', '====', 'A===', 'QUJD\n', 'QU=J', 'QUJ-', 'Q Q==']) {
      expect(fromBase64(bad), bad).toBeUndefined();
    }
    expect(fromBase64('')).toEqual(new Uint8Array(0));
  });
});
