// One media packet's symmetric crypto in Chromium: the portable backend's packet cipher (synchronous
// JavaScript: node-forge AES-256-CBC, @noble HMAC-SHA-256) against the page's WebCrypto doing the same work
// (AES-CBC encrypt, HMAC sign, HMAC verify, AES-CBC decrypt, each awaited) and against the package's
// asynchronous packet cipher on WebCrypto (webCryptoPacketCipher, docs/crypto.md "WebCrypto symmetric
// operations"), next to Node's native backend and the same asynchronous cipher on Node's WebCrypto, in one
// run (docs/benchmarks.md "WebCrypto for packets"). Why the page keeps its per-packet crypto synchronous:
// see the figures.
//
//   npx turbo run build --filter=@leitung/crypto && node bench/crypto/web-crypto-symmetric.mjs [--packets N]
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { createCrypto, webCryptoPacketCipher } from '@leitung/crypto';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const i = process.argv.indexOf('--packets');
const N = i >= 0 ? Number(process.argv[i + 1]) : 5000;
const executablePath = process.env.LEITUNG_CHROMIUM ?? '/usr/bin/chromium';

function nativePerPacket(n) {
  const crypto = createCrypto();
  const sender = crypto.createPacketCipher(new Uint8Array(64).fill(3));
  const receiver = crypto.createPacketCipher(new Uint8Array(64).fill(3));
  const ad = new Uint8Array(12).fill(1);
  const payload = new Uint8Array(100).fill(7);
  for (let s = 1; s <= 200; s++) receiver.open(s, ad, sender.seal(s, ad, payload));
  const started = performance.now();
  for (let s = 201; s <= 200 + n; s++) receiver.open(s, ad, sender.seal(s, ad, payload));
  return ((performance.now() - started) / n) * 1000;
}

async function nodeAsyncPerPacket(n) {
  const sender = await webCryptoPacketCipher(new Uint8Array(64).fill(3));
  const receiver = await webCryptoPacketCipher(new Uint8Array(64).fill(3));
  const ad = new Uint8Array(12).fill(1);
  const payload = new Uint8Array(100).fill(7);
  for (let s = 1; s <= 200; s++) await receiver.open(s, ad, await sender.seal(s, ad, payload));
  const started = performance.now();
  for (let s = 201; s <= 200 + n; s++) await receiver.open(s, ad, await sender.seal(s, ad, payload));
  return ((performance.now() - started) / n) * 1000;
}

const bundle = await build({
  entryPoints: [new URL('./web-crypto-symmetric-page.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  write: false,
  logLevel: 'warning',
});
// WebCrypto's subtle exists only in a secure context: a page served from 127.0.0.1 is one.
const server = createServer((_, response) => response.end('<!doctype html><title>bench</title>'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const loadBefore = loadavg()[0];
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
let page;
try {
  const context = await browser.newContext();
  page = await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const inPage = await page.evaluate((n) => globalThis.runSymmetric(n), N);
  const native = nativePerPacket(N);
  const nodeAsync = await nodeAsyncPerPacket(N);
  const loadAfter = loadavg()[0];
  console.log(
    `\nseal + open of one 100-byte media packet, µs per packet, ${N} packets after 200 warm-up; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('| where | backend | µs per packet | vs portable in the page |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| Chromium | portable (forge AES, noble HMAC), synchronous | ${inPage.portable.toFixed(1)} | 1.00 |`,
  );
  console.log(
    `| Chromium | WebCrypto AES-CBC + HMAC, 4 awaited calls | ${inPage.webCrypto.toFixed(1)} | ${(inPage.webCrypto / inPage.portable).toFixed(2)} |`,
  );
  console.log(
    `| Chromium | webCryptoPacketCipher (the package's asynchronous packet cipher) | ${inPage.asyncCipher.toFixed(1)} | ${(inPage.asyncCipher / inPage.portable).toFixed(2)} |`,
  );
  console.log(
    `| Node | native (node:crypto), synchronous | ${native.toFixed(1)} | ${(native / inPage.portable).toFixed(2)} |`,
  );
  console.log(
    `| Node | webCryptoPacketCipher on Node's WebCrypto | ${nodeAsync.toFixed(1)} | ${(nodeAsync / inPage.portable).toFixed(2)} |`,
  );
} finally {
  await browser.close();
  server.close();
}
