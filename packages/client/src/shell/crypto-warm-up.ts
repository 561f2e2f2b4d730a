/**
 * Warms the portable crypto code of a page before its first login and its first call (docs/client.md
 * "Identity held elsewhere", docs/benchmarks.md "Web phonebook"). A page starts with every JavaScript
 * function cold: its first RSA-PSS verification, OAEP encryption, SHA3, HKDF and AES-CBC + HMAC run in
 * V8's interpreter, and the login handshake measured 20–25 ms of such first-use cost in Chromium. Run at
 * page load (while the passphrase is typed), this pays it off the critical path. It uses a fixed public key and a signature
 * made for this purpose (RSA-4096, PSS-SHA-256, salt 32, over {@link WARM_UP_MESSAGE}); nothing secret,
 * and nothing it computes is kept. Returns whether the signature verified (a self-check of the backend).
 */
import { createCrypto, type LeitungCrypto } from '@leitung/crypto';
import { fromBase64 } from '../vault/base64.js';
import { warmUpCallKeys } from './call-key-warm-up.js';

/** The message the embedded warm-up signature signs. */
export const WARM_UP_MESSAGE = new TextEncoder().encode('leitung/v1 crypto warm-up: not a protocol message');

const WARM_UP_SPKI =
  'MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAoj0QxZ6hhWv7IcvkQaizTXp6+7HRX3sHnKIIWjq69jsSnLAzJQRB' +
  'o89ngPQqsONqKcI47uO6Pg+34HLip4G0KBj5ON9VoJMwYTxuL29Nfx62P8smTv1K7USKXQlrFGmXpFqsZFAPs8D42C/B1/3t' +
  'IvJAiA9CSmN94tV/wlmx8sXVoV6VkyNCO3uLhBgNMqkUK867Dm3kx1rBdQwShHECOdpp2OC1pMYy79CWAwrVyxgQ5XuuRnDd' +
  '92OZ69Rp7KoePn6+rjum8p4LRHvMq3GFwzWuwouKv5noqpT9J4oZUjPtTJBYpZhDfrQi2ZkLmSah2cOHE4mZk9UUBcoqJbvO' +
  'Fj4/bXWjTqRR7TF/gBV4y9ihcOKUMtDOZ9l3DF2Frb7eRSJcD+8FpvfZeQYbrNO6bu6ySMqUThbqnj00wmBPlrUeZNZWLtt+' +
  'EYFggUqmSiKeP81n6YV9UbaKD2spYIN6Y9QAIOQ5L818QRIu8CZWLjcF0YcdZGAEa7iiktsXylUWoSH21OaU7O+UhetjInL/' +
  'JwounY9TuEnfcSvAJy5brXEPE17M++Uk0WXelUVL8457H1sAM6e2DsNY2oMJ1a2yNKf1nLF8a5Lo7p0fysjjlgJiLUIRWyLw' +
  'JqkEXVONNh7kcsJnC7qSekAUXmiWeznDIn/3KZa98vOz9phHFR5/jZ8CAwEAAQ==';

const WARM_UP_SIGNATURE =
  'la8zBmAoTUdoOPwZavXFtm6NO3O5BgL5zQkQv6GGV5rxWSG4XaixI0JiFSDVZSbfzmhXCWT9KI2KRRpZJ2HgtuvpE8/pBTWp' +
  'UUwW+XbljDbOL4JE/YmTf5h5hYy6Z3rln2ewqsnf3gKpT6Apa5eIaQFm3otupgSKA+QkDAJWHUfkHJp0B+VR3j7YBZ8CSepT' +
  'nTgQvJTqcaMUPQtke97FoT+Fuv74twEMddw1QYN1oqbrzleMsW2WOc8CvkMhXM/RJkmnobiEwdV+aw7lNO0YFmrkkWOr/0SM' +
  '0gBWYvg/zix+eGa3smBk10Ht96cJ97bHdQpe4vqVd9gG/GUsLuDDy6dsPZmb4FCg9fUSKbN02zx5vBrgfFE9ckpYb7hm3l9h' +
  'RXkyRcj2HiItRShoQZZs8y2yDjMsnA/UIOdeVVX1rYsBqM1l++SRLQArZ+kMjAsW6hHstQR1UH5Xz1TcAeo1OxYJ1Z//BcJz' +
  'r6Jg/A6cCypLzn5WQWSh2fVRzARk3vKpAL8paIddEvBqDrUUNTAWnZe4+DocpyJ3mYgfVRTU3wjnylM4KRYuCbCDctGf3g72' +
  'fmyXSGbGrDs3BpS3Ckrm/mdx7gxCIIBLgH12+zFdZTjwRZroHlXYWYUQAt6LM0/tNaS1XFdt0e6zGj8CrtjrnyLI5kX41knv' +
  'bCHYIz1Qz74=';

/** About the size of an offer's call data, sealed per round like one. */
const CALL_DATA_BYTES = 1_600;
/** One Opus frame's payload at 24 kbit/s, sealed and opened per round like a media packet. */
const MEDIA_PAYLOAD_BYTES = 61;

/** Bytes hashed and sealed per round: enough blocks that the loops inside SHA3, AES and HMAC get optimised. */
const BULK_BYTES = 16 * 1024;

/**
 * Runs each code path of a login and of a call's JavaScript crypto `rounds` times (default 3: past V8's
 * first tiers): besides the login's, the call keys (ML-KEM-768, X25519 — where `@noble/curves` runs it,
 * its first key pair builds the base point's table), the sealed box an offer travels in, and a media
 * packet sealed and opened. A page's first call, medians of 5: offer out 66.9 → 58.7 ms, connected
 * 169.2 → 146.2 ms (docs/benchmarks.md "Web phonebook").
 */
export function warmUpCrypto(crypto: LeitungCrypto, rounds = 3): boolean {
  const spki = fromBase64(WARM_UP_SPKI)!;
  const signature = fromBase64(WARM_UP_SIGNATURE)!;
  const bulk = new Uint8Array(BULK_BYTES).fill(0x5a);
  let verified = true;
  for (let round = 0; round < rounds; round++) {
    // A crypto object keeps the keys it imported (docs/crypto.md "Public key cache"): importing the same key
    // into `crypto` again would skip the import's code, so each round imports into a fresh one on its backend.
    const key = createCrypto({ backend: crypto.backend }).importRsaPublicKey(spki);
    verified &&= crypto.verify(key, WARM_UP_MESSAGE, signature);
    crypto.rsaEncrypt(key, crypto.sha3_256(bulk), WARM_UP_MESSAGE.subarray(0, 8));
    const keys = crypto.hkdf('sha256', crypto.sha3_256(spki), new Uint8Array(0), WARM_UP_MESSAGE, 64);
    const cipher = crypto.createMessageCipher(keys.subarray(0, 32), keys.subarray(32));
    cipher.open(cipher.seal(bulk, spki.subarray(0, 8)), spki.subarray(0, 8));
    cipher.destroy();
    crypto.seal(key, bulk.subarray(0, CALL_DATA_BYTES), spki.subarray(0, 8));
    const sender = crypto.createPacketCipher(keys.subarray(0, 32));
    const receiver = crypto.createPacketCipher(keys.subarray(0, 32));
    const header = spki.subarray(0, 14);
    receiver.open(round + 1, header, sender.seal(round + 1, header, bulk.subarray(0, MEDIA_PAYLOAD_BYTES)));
    sender.destroy();
    receiver.destroy();
    keys.fill(0);
    warmUpCallKeys(crypto);
  }
  return verified;
}
