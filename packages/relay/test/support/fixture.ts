/**
 * Starts relays on ports 0 and stops everything a test started (afterEach). The media I/O path comes from
 * LEITUNG_RELAY_MEDIA_IO (`native`, `batched`, `dgram`; `auto` when unset) and its thread from LEITUNG_RELAY_MEDIA_THREAD (`worker`; the
 * relay's own loop when unset), so the media tests run against every path
 * (vitest.config.ts, docs/relay.md "Batched media I/O"). LEITUNG_RELAY_CRYPTO_WORKERS sets `cryptoWorkers`, so the
 * registration tests also run with the RSA decryptions on crypto workers (docs/relay.md "Crypto workers").
 */
import { afterEach } from 'vitest';
import { type Relay, type StartRelayOptions, startRelay } from '../../src/index.js';
import { dataDirWithKey, removeDir } from './keys.js';
import { TestClient } from './test-client.js';

export interface Fixture {
  relay(options?: Partial<StartRelayOptions>): Promise<Relay>;
  client(relay: Relay, localAddress?: string): Promise<TestClient>;
  dataDir(): Promise<string>;
  /** Stops a relay early (its data dir stays for a restart). */
  stop(relay: Relay): Promise<void>;
}

/** The crypto workers the relays of this test run start (LEITUNG_RELAY_CRYPTO_WORKERS; 0, inline, when unset). */
export function cryptoWorkersUnderTest(): number {
  const workers = Number(process.env.LEITUNG_RELAY_CRYPTO_WORKERS ?? '0');
  return Number.isInteger(workers) && workers > 0 ? workers : 0;
}

/** The media I/O path the relays of this test run use (LEITUNG_RELAY_MEDIA_IO). */
export function mediaIoUnderTest(): 'auto' | 'native' | 'batched' | 'dgram' {
  const io = process.env.LEITUNG_RELAY_MEDIA_IO;
  return io === 'native' || io === 'batched' || io === 'dgram' ? io : 'auto';
}

export function useFixture(): Fixture {
  const relays = new Set<Relay>();
  const clients = new Set<TestClient>();
  const dirs = new Set<string>();
  afterEach(async () => {
    for (const client of clients) client.close();
    clients.clear();
    await Promise.all([...relays].map((relay) => relay.close()));
    relays.clear();
    for (const dir of dirs) removeDir(dir);
    dirs.clear();
  });
  const fixture: Fixture = {
    async dataDir() {
      const dir = await dataDirWithKey();
      dirs.add(dir);
      return dir;
    },
    async relay(options = {}) {
      const dataDir = options.dataDir ?? (await fixture.dataDir());
      const relay = await startRelay({
        port: 0,
        mediaPort: 0,
        mediaIo: mediaIoUnderTest(),
        cryptoWorkers: cryptoWorkersUnderTest(),
        ...options,
        dataDir,
      });
      relays.add(relay);
      return relay;
    },
    async client(relay, localAddress) {
      const client = await TestClient.connect({ host: relay.host, port: relay.port }, localAddress);
      clients.add(client);
      return client;
    },
    async stop(relay) {
      await relay.close();
      relays.delete(relay);
    },
  };
  return fixture;
}
