/**
 * The public key cache (docs/crypto.md "Public key cache"): a key imported again from the same bytes is the
 * one already checked; bytes that differ anywhere, or a caller's array changed after the import, are never
 * answered from it; the least recently used key goes first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import { PublicKeyCache } from '../src/public-key-cache.js';
import { BACKENDS, cryptoFor, native } from './helpers.js';

let pems: string[];
let ders: Uint8Array[];

beforeAll(async () => {
  pems = await Promise.all(['alice', 'bob', 'carol'].map(async (n) => (await testKeyPair(n)).publicKeyPem));
  ders = pems.map((pem) => native.importRsaPublicKey(pem).toDer());
});

/** `der` with one byte of the modulus flipped far from the end (outside the bytes that index the cache). */
function flippedInTheMiddle(der: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(der);
  copy[200] = (copy[200] ?? 0) ^ 0x10;
  return copy;
}

describe.each(BACKENDS.map((b) => [b.name, b] as const))('public key cache (%s)', (_name, backend) => {
  it('hands out the key already checked for the same bytes, from DER or PEM', () => {
    const c = cryptoFor(backend);
    const first = c.importRsaPublicKey(ders[0]!);
    expect(c.importRsaPublicKey(Uint8Array.from(ders[0]!))).toBe(first);
    expect(c.importRsaPublicKey(pems[0]!)).toBe(first);
    expect(c.importRsaPublicKey(ders[1]!)).not.toBe(first);
  });

  it('never answers bytes that differ from the cached key, even where they share its index', () => {
    const c = cryptoFor(backend);
    const original = c.importRsaPublicKey(ders[0]!);
    let other: ReturnType<typeof c.importRsaPublicKey> | undefined;
    try {
      other = c.importRsaPublicKey(flippedInTheMiddle(ders[0]!));
    } catch {
      other = undefined; // rejected by the checks: also not the cached key
    }
    expect(other).not.toBe(original);
    if (other !== undefined) expect(other.equals(original)).toBe(false);
  });

  it('keeps its own copy: the caller changing its array after the import changes nothing', () => {
    const c = cryptoFor(backend);
    const mine = Uint8Array.from(ders[0]!);
    const original = c.importRsaPublicKey(mine);
    // The outer length changed, the index bytes kept: never a valid key, so nothing new enters the cache (a
    // valid key sharing the index would take the original's place, a miss later and no error).
    mine[3] = (mine[3] ?? 0) ^ 0x01;
    let again: ReturnType<typeof c.importRsaPublicKey> | undefined;
    try {
      again = c.importRsaPublicKey(mine);
    } catch {
      again = undefined;
    }
    expect(again).not.toBe(original);
    expect(c.importRsaPublicKey(ders[0]!)).toBe(original);
  });
});

describe('PublicKeyCache', () => {
  it('drops the least recently used key first', () => {
    const keys = ders.map((der) => native.importRsaPublicKey(der));
    const cache = new PublicKeyCache(2);
    cache.set(ders[0]!, keys[0]!);
    cache.set(ders[1]!, keys[1]!);
    expect(cache.get(ders[0]!)).toBe(keys[0]); // alice is now the most recent
    cache.set(ders[2]!, keys[2]!);
    expect(cache.size).toBe(2);
    expect(cache.get(ders[1]!)).toBeUndefined();
    expect(cache.get(ders[0]!)).toBe(keys[0]);
    expect(cache.get(ders[2]!)).toBe(keys[2]);
  });
});
