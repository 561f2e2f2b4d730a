/**
 * Starting the real leitung-relay program (src/demo/relay-process.ts): the metrics port is chosen free
 * before the relay binds it, so a parallel suite can take it in between. Such a start is tried again with a
 * new port, a bounded number of times; any other failure is not retried.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllChildren } from '../src/demo/child-process.js';
import { startRelayProcess } from '../src/demo/relay-process.js';
import { PhonebookErrorCode } from '../src/errors.js';
import { relayKeyPem } from './support/identities.js';

let temp: string;
let taken: Server;
let takenPort: number;

function listening(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

async function freePort(): Promise<number> {
  const server = await listening();
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'leitung-relay-process-'));
  taken = await listening();
  takenPort = portOf(taken);
});

afterAll(async () => {
  await stopAllChildren();
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  await rm(temp, { recursive: true, force: true });
});

describe('startRelayProcess', () => {
  it('chooses the metrics port again when the one it chose was taken before the relay bound it', async () => {
    const chosen: number[] = [];
    const relay = await startRelayProcess({
      dataDir: join(temp, 'raced'),
      keyPem: await relayKeyPem(),
      choosePort: async () => {
        const port = chosen.length === 0 ? takenPort : await freePort();
        chosen.push(port);
        return port;
      },
    });
    try {
      expect(chosen).toHaveLength(2);
      expect(relay.metricsPort).toBe(chosen[1]);
      expect(await relay.metrics()).toContain('leitung_relay_');
    } finally {
      await relay.stop();
    }
  }, 60_000);

  it('gives up after three starts that all find their port taken', async () => {
    let starts = 0;
    const start = startRelayProcess({
      dataDir: join(temp, 'always-taken'),
      keyPem: await relayKeyPem(),
      choosePort: async () => {
        starts += 1;
        return takenPort;
      },
    });
    await expect(start).rejects.toMatchObject({ code: PhonebookErrorCode.RelayStart });
    expect(starts).toBe(3);
  }, 60_000);
});
