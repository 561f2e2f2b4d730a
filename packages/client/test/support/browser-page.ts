/**
 * The test page of the browser tests (docs/client.md "In a browser"): the built `@leitung/client/browser`
 * plus the portable crypto, bundled by esbuild as a bundler resolves them and put on `globalThis.leitung`,
 * served with a blank HTML page from a node http server on 127.0.0.1, port 0.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type * as Portable from '@leitung/crypto/portable';
import { build } from 'esbuild';
import type * as BrowserEntry from '../../src/browser.js';

/** What the test page puts on `globalThis.leitung`: the browser entry plus the portable crypto. */
export type PageApi = typeof BrowserEntry & {
  readonly createCrypto: typeof Portable.createCrypto;
  readonly webCryptoRsa: typeof Portable.webCryptoRsa;
};

const PAGE_SCRIPT = `
import * as client from '@leitung/client/browser';
import { createCrypto, webCryptoRsa } from '@leitung/crypto/portable';
globalThis.leitung = { ...client, createCrypto, webCryptoRsa };
`;
const PAGE_HTML =
  '<!doctype html><meta charset="utf-8"><title>leitung</title><script type="module" src="/page.js"></script>';

/** A served test page: its URL and origin; `close()` stops the server. */
export interface ServedPage {
  readonly url: string;
  readonly origin: string;
  close(): Promise<void>;
}

async function bundlePage(): Promise<string> {
  const result = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: resolve(import.meta.dirname, '..', '..'), loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Bundles the page and serves it. */
export async function servePage(): Promise<ServedPage> {
  const script = await bundlePage();
  const server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE_HTML);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
