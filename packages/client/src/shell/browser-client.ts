/**
 * The browser Client (docs/client.md "Entry points", "In a browser"): the same shell as Node's, with
 * node-free defaults — the portable @leitung/crypto backend and WebSockets to the relays — so nothing a
 * page loads for it imports a node:* module (test/browser-safe-entry.test.ts walks the graph).
 */
import { createCrypto } from '@leitung/crypto/portable';
import { createWebSocketTransport } from '../transport/web-socket-transport.js';
import type { ClientOptions } from './client-options.js';
import { type ClientDefaults, ClientShell } from './client-shell.js';

const BROWSER_DEFAULTS: ClientDefaults = {
  crypto: () => createCrypto(),
  transport: () => createWebSocketTransport(),
};

/**
 * A Leitung client in a web page (docs/client.md "In a browser"): the API of the Node `Client`, with the
 * portable @leitung/crypto backend and the WebSocket transport (the page's `WebSocket`) as defaults, so
 * every relay entry needs `webSocket`. Build it from {@link ClientOptions} (identity and store from a
 * `BrowserVault`); then `start()`.
 */
export class Client extends ClientShell {
  constructor(options: ClientOptions) {
    super(options, BROWSER_DEFAULTS);
  }
}
