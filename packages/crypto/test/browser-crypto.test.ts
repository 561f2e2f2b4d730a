/**
 * The browser entry in a real browser (docs/crypto.md §12 "In a real browser"): Debian's Chromium, driven
 * by playwright-core, runs the Wycheproof RSA-4096 files on the portable backend and on WebCrypto RSA, and
 * generates an identity with progress whose key and signature Node's native backend then checks. The page
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
import { CryptoErrorCode } from '../src/index.js';
import type { CryptoPage } from './browser/crypto-page.js';
import { HAVE_WYCHEPROOF, native, WYCHEPROOF_DIR, warnIfNoVectors } from './helpers.js';

const HAVE_CHROMIUM = chromiumAvailable();
if (!HAVE_CHROMIUM) console.warn(CHROMIUM_SKIP_NOTICE);
warnIfNoVectors();

const VECTOR_FILES = new Set([
  'rsa_oaep_4096_sha256_mgf1sha256_test.json',
  'rsa_pss_4096_sha256_mgf1_32_test.json',
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
});
