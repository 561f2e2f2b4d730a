/**
 * What this package promises to wipe, it wipes (docs/crypto.md §10): derived keys and secrets after use,
 * cipher keys on destroy(), forge's RSA private digits on destroy(). And `open` takes the same path through
 * key derivation and MAC whether the RSA step failed or the tag did (implicit rejection). A spying backend
 * records what the core hands to the backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testKeyPair } from '../../../scripts/test-keys.mjs';
import type { CryptoBackend } from '../src/backend.js';
import { createCrypto, nativeBackend, portableBackend } from '../src/index.js';
import { privateHandle } from '../src/rsa-keys.js';
import { bytes, caught, flipBit } from './helpers.js';

interface Spy {
  readonly backend: CryptoBackend;
  /** Every key array the core passed to `aes` or `hmacKey`, as passed (not copied). */
  readonly keysSeen: Uint8Array[];
  destroyed: number;
  hmacKeys: number;
}

function spyOn(base: CryptoBackend): Spy {
  const spy: Spy = {
    keysSeen: [],
    destroyed: 0,
    hmacKeys: 0,
    backend: {
      ...base,
      aes: (key) => {
        spy.keysSeen.push(key);
        const inner = base.aes(key);
        const destroy = () => {
          spy.destroyed++;
          inner.destroy();
        };
        return { ...bind(inner), destroy };
      },
      hmacKey: (name, key) => {
        spy.keysSeen.push(key);
        spy.hmacKeys++;
        const inner = base.hmacKey(name, key);
        const destroy = () => {
          spy.destroyed++;
          inner.destroy();
        };
        return { mac: (parts) => inner.mac(parts), destroy };
      },
    },
  };
  return spy;
}

function bind(aes: ReturnType<CryptoBackend['aes']>) {
  return { cbcEncrypt: aes.cbcEncrypt.bind(aes), cbcDecrypt: aes.cbcDecrypt.bind(aes) };
}

const allZero = (a: Uint8Array) => a.every((b) => b === 0);

let pem: { publicKeyPem: string; privateKeyPem: string };
beforeAll(async () => {
  pem = await testKeyPair('alice');
});

describe('zeroize', () => {
  it('the packet cipher wipes its HKDF-derived keys after keying the backend, and its keys on destroy', () => {
    const spy = spyOn(nativeBackend());
    const cipher = createCrypto({ backend: spy.backend }).createPacketCipher(bytes(32, 9));
    // Three HKDF runs (each keys an extractor and an expander), then the enc, mac and iv keys.
    expect(spy.keysSeen).toHaveLength(9);
    expect(spy.keysSeen.every(allZero)).toBe(true);
    const before = spy.destroyed;
    cipher.destroy();
    expect(spy.destroyed - before).toBe(3);
  });

  it('seal and open wipe the secret-derived keys and destroy their key schedules', () => {
    const spy = spyOn(nativeBackend());
    const c = createCrypto({ backend: spy.backend });
    const sealed = c.seal(c.importRsaPublicKey(pem.publicKeyPem), bytes(100, 1));
    c.open(c.importRsaPrivateKey(pem.privateKeyPem), sealed);
    const derived = spy.keysSeen.filter((k) => k.length === 32);
    expect(derived.length).toBeGreaterThanOrEqual(4);
    // Subarrays of the wiped HKDF output: zero now.
    expect(derived.slice(-4).every(allZero)).toBe(true);
    expect(spy.destroyed).toBeGreaterThanOrEqual(4);
  });

  it('a message cipher destroys its key schedules, and copies (then can wipe) the caller keys', () => {
    const spy = spyOn(portableBackend());
    const cipher = createCrypto({ backend: spy.backend }).createMessageCipher(bytes(32, 1), bytes(32, 2));
    cipher.destroy();
    cipher.destroy();
    expect(spy.destroyed).toBe(2);
  });

  it("destroying an RSA private key overwrites forge's private BigInteger digits", () => {
    const backend = portableBackend();
    const c = createCrypto({ backend });
    const key = c.importRsaPrivateKey(pem.privateKeyPem);
    const handle = privateHandle(key, backend) as Record<string, { t: number; [i: number]: number }>;
    const fields = ['d', 'p', 'q', 'dP', 'dQ', 'qInv'];
    const before = fields.map((f) => handle[f]!.t);
    expect(before.every((t) => t > 0)).toBe(true);
    const digits = fields.map((f) => Array.from({ length: handle[f]!.t }, (_, i) => i));
    key.destroy();
    fields.forEach((f, n) => {
      expect(handle[f]!.t).toBe(0);
      for (const i of digits[n]!) expect(handle[f]![i]).toBe(0);
    });
  });

  it('destroying an X25519 key makes it unusable (its scalar is overwritten)', () => {
    const c = createCrypto({ backend: nativeBackend() });
    const pair = c.generateX25519KeyPair();
    const peer = c.generateX25519KeyPair();
    expect(c.x25519(pair.privateKey, peer.publicKey)).toHaveLength(32);
    pair.privateKey.destroy();
    expect(pair.privateKey.destroyed).toBe(true);
    expect(caught(() => c.x25519(pair.privateKey, peer.publicKey)).code).toBe('CRYPTO_ERR_KEY_DESTROYED');
  });
});

describe('implicit rejection in open', () => {
  it('a failed RSA unwrap still derives keys and checks the tag, like a failed tag does', () => {
    const spy = spyOn(nativeBackend());
    const c = createCrypto({ backend: spy.backend });
    const priv = c.importRsaPrivateKey(pem.privateKeyPem);
    const sealed = c.seal(priv.publicKey, bytes(64, 3));
    const count = (input: Uint8Array) => {
      const before = spy.hmacKeys;
      caught(() => c.open(priv, input));
      return spy.hmacKeys - before;
    };
    const badTag = count(flipBit(sealed, sealed.length - 1));
    const badWrap = count(flipBit(sealed, 100));
    expect(badTag).toBeGreaterThan(0);
    expect(badWrap).toBe(badTag);
  });
});
