/** Starts relays on ports 0 and stops everything a test started (afterEach). */
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
      const relay = await startRelay({ port: 0, mediaPort: 0, ...options, dataDir });
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
