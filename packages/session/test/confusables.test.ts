import { describe, expect, it } from 'vitest';
import { nameKey, nameSkeletons, namesConfusable, skeleton } from '../src/index.js';

describe('UTS #39 skeletons (docs/key-transparency.md, "Names")', () => {
  it('maps look-alikes from other scripts and symbols to one skeleton', () => {
    // Cyrillic А/а/е/о/р/с, Greek Ο: each maps to its Latin prototype.
    expect(skeleton('Аlice')).toBe(skeleton('Alice'));
    expect(skeleton('аре')).toBe(skeleton('ape'));
    expect(skeleton('Οscar')).toBe(skeleton('Oscar'));
    expect(skeleton('сорy')).toBe(skeleton('copy'));
    // Mathematical letters and multi-character prototypes ("m" → "rn").
    expect(skeleton('𝔭𝒶𝕪𝕡𝕒𝕝')).toBe(skeleton('paypal'));
    expect(skeleton('rnary')).toBe(skeleton('mary'));
  });

  it('is idempotent and NFD on both ends', () => {
    for (const text of ['Zoë', 'Zoe\u0308', 'Аlice', 'straße']) {
      expect(skeleton(skeleton(text))).toBe(skeleton(text));
      expect(skeleton(text)).toBe(skeleton(text).normalize('NFD'));
    }
    expect(skeleton('Zoë')).toBe(skeleton('Zoe\u0308'));
  });

  it('finds confusables across case: "0scar"/"oscar", "aIice"/"alice", "Аlice"/"alice"', () => {
    expect(namesConfusable('0scar', 'oscar')).toBe(true);
    expect(namesConfusable('aIice', 'alice')).toBe(true);
    expect(namesConfusable('Аlice', 'alice')).toBe(true);
    expect(namesConfusable('аlice', 'ALICE')).toBe(true);
    expect(namesConfusable('ｂｏｂ', 'bob')).toBe(true);
    // Case variants of one name share a skeleton (and a nameKey).
    expect(namesConfusable('Bob', 'bob')).toBe(true);
  });

  it('keeps distinct names apart: accents, other letters, other words', () => {
    const distinct: Array<[string, string]> = [
      ['Zoë', 'Zoe'],
      ['alice', 'alicia'],
      ['bob', 'rob'],
      ['Jürgen', 'Jurgen'],
      ['anna', 'hanna'],
      ['Łukasz', 'Lukasz'],
    ];
    for (const [a, b] of distinct) {
      expect(nameKey(a)).not.toBe(nameKey(b));
      expect(namesConfusable(a, b), `${a} / ${b}`).toBe(false);
    }
  });

  it('gives at most three skeletons per name, without duplicates', () => {
    expect(nameSkeletons('alice')).toHaveLength(2);
    expect(nameSkeletons('123')).toHaveLength(1);
    expect(new Set(nameSkeletons('Mixed Case')).size).toBe(nameSkeletons('Mixed Case').length);
  });
});
