/**
 * Serves the built page (dist/www) on 127.0.0.1 and its relay list as `relays.json`: the demo and the
 * tests. Only files of the folder are served (no directory listings, no paths outside it); responses are
 * never cached, so a rebuilt page is what the browser gets.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

export interface PageServer {
  /** `http://127.0.0.1:PORT` — the origin the relay must allow. */
  readonly origin: string;
  /** Sets what `relays.json` returns (the relay starts after the server: it needs the origin). */
  setRelays(entries: readonly unknown[]): void;
  close(): Promise<void>;
}

export async function startPageServer(root: string, port = 0): Promise<PageServer> {
  let relays = '[]';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const send = (status: number, type: string, body: string | Uint8Array) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'text/plain', 'method not allowed');
    if (path === '/relays.json') return send(200, TYPES['.json']!, relays);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep)) return send(404, 'text/plain', 'not found');
    const type = TYPES[extname(file)];
    if (type === undefined) return send(404, 'text/plain', 'not found');
    readFile(file).then(
      (body) => send(200, type, body),
      () => send(404, 'text/plain', 'not found'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${address.port}`,
    setRelays: (entries) => {
      relays = JSON.stringify(entries);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
