/**
 * Verified signatures (docs/crypto.md "Verified signatures"): a signature that verified once under a key is
 * not checked again — and nothing else is ever answered from that memory: another message, a signature that
 * differs in any byte, another key, or the caller's arrays changed after the check.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import type { CryptoBackend, LeitungCrypto, RsaPrivateKey, RsaPublicKey } from '../src/index.js';
import { createCrypto } from '../src/index.js';
import { BACKENDS } from './helpers.js';

const MESSAGE = new TextEncoder().encode('a signed tree head, shown again and again');

let pems: { alice: string; bob: string };

beforeAll(async () => {
  pems = { alice: (await testKeyPair('alice')).privateKeyPem, bob: (await testKeyPair('bob')).privateKeyPem };
});

/** A crypto object on `backend` that counts the backend's PSS verifications. */
function counting(backend: CryptoBackend): { crypto: LeitungCrypto; checks: () => number } {
  let checks = 0;
  const rsa = backend.rsa;
  const crypto = createCrypto({
    backend: {
      ...backend,
      rsa: {
        ...rsa,
        pssVerify: (handle, message, signature) => {
          checks++;
          return rsa.pssVerify(handle, message, signature);
        },
      },
    },
  });
  return { crypto, checks: () => checks };
}

describe.each(BACKENDS.map((b) => [b.name, b] as const))('verified signatures (%s)', (_name, backend) => {
  let c: ReturnType<typeof counting>;
  let alice: RsaPrivateKey;
  let bob: RsaPublicKey;
  let signature: Uint8Array;

  beforeAll(() => {
    c = counting(backend);
    alice = c.crypto.importRsaPrivateKey(pems.alice);
    bob = c.crypto.importRsaPrivateKey(pems.bob).publicKey;
    signature = c.crypto.sign(alice, MESSAGE);
  });

  it('checks a signature once, then answers the same triple from memory', () => {
    const before = c.checks();
    expect(c.crypto.verify(alice.publicKey, MESSAGE, signature)).toBe(true);
    expect(c.crypto.verify(alice.publicKey, Uint8Array.from(MESSAGE), Uint8Array.from(signature))).toBe(true);
    expect(c.checks() - before).toBe(1);
  });

  it('never answers another message, another key or a signature changed in one byte', () => {
    expect(c.crypto.verify(alice.publicKey, MESSAGE, signature)).toBe(true);
    const other = Uint8Array.from(MESSAGE);
    other[0] = (other[0] ?? 0) ^ 1;
    expect(c.crypto.verify(alice.publicKey, other, signature)).toBe(false);
    expect(c.crypto.verify(bob, MESSAGE, signature)).toBe(false);
    const changed = Uint8Array.from(signature);
    changed[10] = (changed[10] ?? 0) ^ 1; // outside the bytes that index the memory
    expect(c.crypto.verify(alice.publicKey, MESSAGE, changed)).toBe(false);
  });

  it('keeps its own copies: arrays changed by the caller after the check are checked again', () => {
    // A message of its own, so that this check is the first of its triple (the one that is kept).
    const message = new TextEncoder().encode('a head the caller overwrites after the check');
    const mine = c.crypto.sign(alice, message);
    expect(c.crypto.verify(alice.publicKey, message, mine)).toBe(true);
    message[1] = (message[1] ?? 0) ^ 1;
    expect(c.crypto.verify(alice.publicKey, message, mine)).toBe(false);
  });

  it('remembers no failure as a success', () => {
    const bad = Uint8Array.from(signature);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    expect(c.crypto.verify(alice.publicKey, MESSAGE, bad)).toBe(false);
    expect(c.crypto.verify(alice.publicKey, MESSAGE, bad)).toBe(false);
  });
});
