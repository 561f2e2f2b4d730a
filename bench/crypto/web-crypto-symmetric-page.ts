// The page half of bench/crypto/web-crypto-symmetric.mjs: one media packet's symmetric crypto, sealed and
// opened, on the portable backend (synchronous JavaScript), on the page's WebCrypto (AES-256-CBC and
// HMAC-SHA-256, each call awaited), the same sizes and the same work as the packet cipher (docs/crypto.md §6),
// and with the package's asynchronous packet cipher on WebCrypto (webCryptoPacketCipher), the real thing:
// IV derivation, tag, replay window and the copies it makes.
import { createCrypto, webCryptoPacketCipher } from '@leitung/crypto/portable';

const PAYLOAD = 100;

async function portablePerPacket(n: number): Promise<number> {
  const crypto = createCrypto();
  const sender = crypto.createPacketCipher(new Uint8Array(64).fill(3));
  const receiver = crypto.createPacketCipher(new Uint8Array(64).fill(3));
  const ad = new Uint8Array(12).fill(1);
  const payload = new Uint8Array(PAYLOAD).fill(7);
  for (let i = 1; i <= 200; i++) receiver.open(i, ad, sender.seal(i, ad, payload));
  const started = performance.now();
  for (let i = 201; i <= 200 + n; i++) receiver.open(i, ad, sender.seal(i, ad, payload));
  return ((performance.now() - started) / n) * 1000;
}

async function webCryptoPerPacket(n: number): Promise<number> {
  const subtle = globalThis.crypto.subtle;
  const aes = await subtle.importKey('raw', new Uint8Array(32).fill(3), 'AES-CBC', false, [
    'encrypt',
    'decrypt',
  ]);
  const mac = await subtle.importKey(
    'raw',
    new Uint8Array(32).fill(4),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  const payload = new Uint8Array(PAYLOAD).fill(7);
  const iv = new Uint8Array(16).fill(5);
  const packet = async () => {
    const ciphertext = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, aes, payload));
    const tag = new Uint8Array(await subtle.sign('HMAC', mac, ciphertext));
    if (!(await subtle.verify('HMAC', mac, tag, ciphertext))) throw new Error('tag');
    await subtle.decrypt({ name: 'AES-CBC', iv }, aes, ciphertext);
  };
  for (let i = 0; i < 200; i++) await packet();
  const started = performance.now();
  for (let i = 0; i < n; i++) await packet();
  return ((performance.now() - started) / n) * 1000;
}

async function asyncCipherPerPacket(n: number): Promise<number> {
  const sender = await webCryptoPacketCipher(new Uint8Array(64).fill(3));
  const receiver = await webCryptoPacketCipher(new Uint8Array(64).fill(3));
  const ad = new Uint8Array(12).fill(1);
  const payload = new Uint8Array(PAYLOAD).fill(7);
  for (let i = 1; i <= 200; i++) await receiver.open(i, ad, await sender.seal(i, ad, payload));
  const started = performance.now();
  for (let i = 201; i <= 200 + n; i++) await receiver.open(i, ad, await sender.seal(i, ad, payload));
  return ((performance.now() - started) / n) * 1000;
}

(globalThis as { runSymmetric?: unknown }).runSymmetric = async (n: number) => ({
  portable: await portablePerPacket(n),
  webCrypto: await webCryptoPerPacket(n),
  asyncCipher: await asyncCipherPerPacket(n),
});
