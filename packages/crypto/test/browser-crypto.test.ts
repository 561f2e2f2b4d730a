/**
 * The browser entry in a real browser (docs/crypto.md §12 "In a real browser"): Debian's Chromium, driven
 * by playwright-core, runs the Wycheproof RSA-4096 files on the portable backend and on WebCrypto RSA,
 * generates an identity with progress whose key and signature Node's native backend then checks, runs the
 * Wycheproof AES-CBC, HMAC-SHA256, HKDF-SHA256 and X25519 files on Chromium's WebCrypto, reports which
 * X25519 it took, and seals and opens packets and control frames with the asynchronous ciphers, compared
 * byte for byte with Node's native ones in both directions. The page
 * is this package's browser entry bundled by esbuild for the browser platform, so the bundle step itself
 * fails if the entry reaches a Node module. Skips with a notice where Chromium or the vectors are missing.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_SKIP_NOTICE,
  chromiumAvailable,
  type LaunchedChromium,
  launchChromium,
} from '../../../tests/browser/launch-chromium.js';
import { CryptoErrorCode, createCrypto, toHex } from '../src/index.js';
import type { CryptoPage, FrameInput } from './browser/crypto-page.js';
import {
  deterministicRandom,
  HAVE_WYCHEPROOF,
  loadWycheproof,
  native,
  WYCHEPROOF_DIR,
  warnIfNoVectors,
} from './helpers.js';

const HAVE_CHROMIUM = chromiumAvailable();
if (!HAVE_CHROMIUM) console.warn(CHROMIUM_SKIP_NOTICE);
warnIfNoVectors();

const VECTOR_FILES = new Set([
  'rsa_oaep_4096_sha256_mgf1sha256_test.json',
  'rsa_pss_4096_sha256_mgf1_32_test.json',
  'aes_cbc_pkcs5_test.json',
  'hmac_sha256_test.json',
  'hkdf_sha256_test.json',
  'x25519_test.json',
]);
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

describe.skipIf(!HAVE_CHROMIUM || !HAVE_WYCHEPROOF)('@leitung/crypto/portable in Chromium', () => {
  let server: Server | undefined;
  let browser: LaunchedChromium | undefined;
  let page: Page;

  /** Calls the page's test API (test/browser/crypto-page.ts) and returns its result. */
  const inPage = <K extends keyof CryptoPage>(
    name: K,
    ...args: Parameters<CryptoPage[K]>
  ): Promise<Awaited<ReturnType<CryptoPage[K]>>> =>
    page.evaluate(
      ([n, a]) => {
        const api = (globalThis as unknown as { leitungCrypto: Record<string, (...x: unknown[]) => unknown> })
          .leitungCrypto;
        return api[n as string]!(...(a as unknown[]));
      },
      [name, args] as const,
    ) as Promise<Awaited<ReturnType<CryptoPage[K]>>>;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(import.meta.dirname, 'browser/crypto-page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0]!.contents;
    server = createServer((request, response) => {
      const path = request.url ?? '/';
      if (path === '/') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<!doctype html><script type="module" src="/page.js"></script>');
      } else if (path === '/page.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' });
        response.end(script);
      } else if (path.startsWith('/vectors/') && VECTOR_FILES.has(path.slice('/vectors/'.length))) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(readFileSync(join(WYCHEPROOF_DIR, path.slice('/vectors/'.length))));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => 'leitungCrypto' in globalThis);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it.each(['portable', 'webcrypto'] as const)(
    'RSA-OAEP-4096 Wycheproof on %s: every case right, every failure the one decryption error',
    async (kind) => {
      const outcome = await inPage('oaep', kind);
      expect(outcome.cases).toBe(37);
      expect(outcome.mismatches).toEqual([]);
      expect(outcome.failureTexts).toEqual([`${CryptoErrorCode.Decrypt} decryption failed`]);
    },
    60_000,
  );

  it.each(['portable', 'webcrypto'] as const)(
    'RSA-PSS-4096 Wycheproof on %s: valid verify, invalid refuse',
    async (kind) => {
      const outcome = await inPage('pss', kind);
      expect(outcome.cases).toBeGreaterThan(0);
      expect(outcome.mismatches).toEqual([]);
    },
    60_000,
  );

  it('generates an identity with progress; Node accepts the key and verifies its signature', async () => {
    const made = await inPage('identity');
    expect(made.progress[0]).toBe('started');
    expect(made.progress.at(-1)).toBe('done');
    const key = native.importRsaPublicKey(fromHex(made.spki));
    expect(native.verify(key, fromHex(made.message), fromHex(made.signature))).toBe(true);
    const other = fromHex(made.message);
    other[0] = other[0]! ^ 1;
    expect(native.verify(key, other, fromHex(made.signature))).toBe(false);
  }, 120_000);

  it('AES-CBC-PKCS5 Wycheproof on WebCrypto: every case of every key size Chromium has, bad padding one CRYPTO_ERR_AUTH', async () => {
    const outcome = await inPage('symmetricVectors', 'aes-cbc');
    // Chromium has no 192-bit AES (its WebCrypto refuses the key); 128 and 256 run in full.
    expect(outcome.unsupportedKeySizes.filter((bits) => bits !== 192)).toEqual([]);
    const file = loadWycheproof<{ keySize: number; tests: unknown[] }>('aes_cbc_pkcs5_test.json');
    const expected = file.testGroups
      .filter((g) => !outcome.unsupportedKeySizes.includes(g.keySize))
      .reduce((n, g) => n + g.tests.length, 0);
    expect(outcome.cases).toBe(expected);
    expect(outcome.cases).toBeGreaterThanOrEqual(144);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.failureTexts).toEqual([`${CryptoErrorCode.Auth} authentication failed`]);
  }, 60_000);

  it.each([
    ['hmac', 'hmac_sha256_test.json'],
    ['hkdf', 'hkdf_sha256_test.json'],
    ['x25519', 'x25519_test.json'],
  ] as const)(
    '%s Wycheproof on WebCrypto: every case',
    async (kind, fileName) => {
      const outcome = await inPage('symmetricVectors', kind);
      expect(outcome.cases).toBe(loadWycheproof(fileName).numberOfTests);
      expect(outcome.mismatches).toEqual([]);
      if (kind === 'x25519') {
        expect(outcome.zeroRefused).toBe(31);
        expect(outcome.failureTexts.map((t) => t.split(' ')[0])).toEqual([CryptoErrorCode.ZeroSharedSecret]);
      }
    },
    60_000,
  );

  it('takes WebCrypto for X25519 exactly when Chromium has it', async () => {
    const path = await inPage('x25519Path');
    expect(path.implementation).toBe(path.platformHasX25519 ? 'webcrypto' : 'noble');
    // X25519 shipped in Chromium's WebCrypto in 2025; from version 140 on it must be there, so the probe
    // above cannot quietly say "no" on a current Chromium (Debian's here is 150).
    const major = Number(/Chrome\/(\d+)/.exec(path.userAgent)?.[1] ?? 0);
    expect(major).toBeGreaterThan(0);
    if (major >= 140) expect(path.implementation).toBe('webcrypto');
  }, 60_000);

  it('packets and control frames: Chromium seals what Node seals, each opens the other', async () => {
    const random = deterministicRandom('browser round trip');
    const [keyMaterial, encKey, macKey] = [random(64), random(32), random(32)];
    const sizes = [0, 1, 15, 16, 17, 100, 160, 1000];
    const ivs = random(16 * sizes.length);
    let seq = 0;
    const frames: FrameInput[] = sizes.map((size) => {
      seq += 1 + (random(1)[0]! % 4);
      return { seq, ad: toHex(random(12)), plaintext: toHex(random(size)) };
    });
    const ivQueue = [...ivs];
    const nativeWithIvs = createCrypto({ randomBytes: (n) => Uint8Array.from(ivQueue.splice(0, n)) });
    const packets = native.createPacketCipher(keyMaterial);
    const control = nativeWithIvs.createMessageCipher(encKey, macKey);
    const nativeSealed = {
      packets: frames.map((f) => toHex(packets.seal(f.seq, fromHex(f.ad), fromHex(f.plaintext)))),
      control: frames.map((f) => toHex(control.seal(fromHex(f.plaintext), fromHex(f.ad)))),
    };
    const page = await inPage(
      'cipherRoundTrip',
      toHex(keyMaterial),
      toHex(encKey),
      toHex(macKey),
      toHex(ivs),
      frames,
      nativeSealed,
    );
    expect(page.packets).toEqual(nativeSealed.packets);
    expect(page.control).toEqual(nativeSealed.control);
    expect(page.openedPackets).toEqual(frames.map((f) => f.plaintext));
    expect(page.openedControl).toEqual(frames.map((f) => f.plaintext));
    expect(page.portableAgrees).toBe(true);
    const receiver = native.createPacketCipher(keyMaterial);
    const opener = native.createMessageCipher(encKey, macKey);
    for (const [i, f] of frames.entries()) {
      expect(toHex(receiver.open(f.seq, fromHex(f.ad), fromHex(page.packets[i]!)))).toBe(f.plaintext);
      expect(toHex(opener.open(fromHex(page.control[i]!), fromHex(f.ad)))).toBe(f.plaintext);
    }
  }, 60_000);
});
