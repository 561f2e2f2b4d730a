/**
 * The Node Client (docs/client.md "Entry points"): the shell with node:crypto (`createCrypto()` of
 * @leitung/crypto) and TCP + UDP as its defaults. The browser entry builds the same shell with node-free
 * defaults (browser-client.ts).
 */
import { createCrypto } from '@leitung/crypto';
import { tcpUdpTransport } from '../transport/tcp-udp-transport.js';
import type { ClientOptions } from './client-options.js';
import { type ClientDefaults, ClientShell } from './client-shell.js';

export type { RelayLostEvent, RelaySwitchedEvent } from '../relays/relay-actions.js';
export type { CallOptions, ClientEvents, ClientOptions, PrepareCallOptions } from './client-options.js';

const NODE_DEFAULTS: ClientDefaults = {
  crypto: () => createCrypto(),
  transport: () => tcpUdpTransport,
};

/**
 * A Leitung client (docs/client.md): registers with a pinned relay, keeps the phonebook and presence,
 * looks keys up with proof and pins them, places and answers end-to-end encrypted calls, carries their
 * media ({@link ClientShell.mediaTransport}), and chooses relays with failover. Events are typed
 * ({@link ClientEvents}, `noun:verb`); the current call is {@link ClientShell.currentCall}. Build one with
 * `setupClient` (vault, identity, monitor) or directly from {@link ClientOptions}; then `start()`.
 * Defaults: `createCrypto()` of @leitung/crypto and TCP + UDP to the relays.
 */
export class Client extends ClientShell {
  constructor(options: ClientOptions) {
    super(options, NODE_DEFAULTS);
  }
}
