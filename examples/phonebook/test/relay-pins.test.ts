/**
 * Relay pins of the real leitung-phonebook (docs/client.md "Relay pins"). After a first run pinned relay
 * A, a relays.json planted in the working directory (naming relay B) must not be read, B must never be
 * contacted and the vault's pins must not change; a relay list naming A's address with another key is a
 * security alarm (CLIENT_ERR_RELAY_PIN_CONFLICT), and one naming an unpinned relay is refused unless it is
 * added explicitly (--add-relay). "Relay B" is a TCP/UDP listener that counts every contact.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RelayEntry, SecureVault, VAULT_FILE } from '@leitung/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllChildren } from '../src/demo/child-process.js';
import { type EventLine, startPhonebookProcess } from '../src/demo/phonebook-process.js';
import { type RelayProcess, startRelayProcess } from '../src/demo/relay-process.js';
import { relayKeyPem, TEST_PASSPHRASE, writeEncryptedIdentity } from './support/identities.js';

let temp: string;
let relayA: RelayProcess;
let trap: Server;
let trapUdp: UdpSocket;
let contacts = 0;
let entryB: RelayEntry;
let passFile: string;
const env = { ...process.env, LEITUNG_PASSPHRASE: '' };

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'leitung-phonebook-pins-'));
  relayA = await startRelayProcess({ dataDir: join(temp, 'relay-a'), keyPem: await relayKeyPem() });
  trap = createServer((socket) => {
    contacts += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapUdp = createSocket('udp4');
  trapUdp.on('message', () => {
    contacts += 1;
  });
  await new Promise<void>((resolve) => trapUdp.bind(0, '127.0.0.1', resolve));
  const port = (trap.address() as { port: number }).port;
  entryB = { host: '127.0.0.1', port, mediaPort: trapUdp.address().port, fingerprint: 'cd'.repeat(32) };
  passFile = join(temp, 'passphrase');
  await writeFile(passFile, TEST_PASSPHRASE);
}, 60_000);

afterAll(async () => {
  await stopAllChildren();
  // Set up only as far as beforeAll got: a server that never listened would never call back.
  if (trap?.listening) await new Promise<void>((resolve) => trap.close(() => resolve()));
  trapUdp?.close();
  await rm(temp, { recursive: true, force: true });
});

async function pins(data: string): Promise<RelayEntry[]> {
  const vault = await SecureVault.open(join(data, VAULT_FILE), TEST_PASSPHRASE);
  const relays = vault.relays();
  vault.close();
  return relays;
}

function errorOf(events: EventLine[]): string | undefined {
  return events.find((e) => e.event === 'error')?.code as string | undefined;
}

describe('leitung-phonebook relay pins', () => {
  it('ignores a planted ./relays.json, never contacts its relay, alarms on a re-keyed pin', async () => {
    const data = join(temp, 'alice');
    const listA = join(temp, 'a.json');
    await writeFile(listA, JSON.stringify([relayA.entry]));
    const key = await writeEncryptedIdentity(temp, 'alice');
    const common = ['--data', data, '--passphrase-file', passFile, '--headless', '--duration', '0.5'];

    // First run: --relays pins relay A and prints its fingerprint.
    const first = startPhonebookProcess(
      'first',
      [...common, '--relays', listA, '--name', 'alice', '--import-identity', key],
      env,
    );
    expect(await first.process.exited).toBe(0);
    expect(first.events).toContainEqual(
      expect.objectContaining({ event: 'relay:pinned', fingerprint: relayA.entry.fingerprint }),
    );
    expect(await pins(data)).toEqual([relayA.entry]);

    // The attack: a directory holding a planted relays.json (relay B), the program started there.
    const planted = join(temp, 'planted');
    await mkdir(planted);
    await writeFile(join(planted, 'relays.json'), JSON.stringify([entryB]));
    const second = startPhonebookProcess('second', common, env, undefined, planted);
    expect(await second.process.exited).toBe(0);
    const notice = second.events.find((e) => e.event === 'notice');
    expect(String(notice?.text)).toContain(join(planted, 'relays.json'));
    expect(second.events.find((e) => e.event === 'registration:complete')).toMatchObject({
      relay: expect.objectContaining({ fingerprint: relayA.entry.fingerprint }),
    });
    expect(second.events.some((e) => e.event === 'relay:pinned')).toBe(false);
    expect(contacts).toBe(0);
    expect(await pins(data)).toEqual([relayA.entry]);

    // Named explicitly, a list that gives A's address another key is a refused security alarm.
    const rekeyed = join(temp, 'rekeyed.json');
    await writeFile(rekeyed, JSON.stringify([{ ...relayA.entry, fingerprint: 'cd'.repeat(32) }]));
    const third = startPhonebookProcess('third', [...common, '--relays', rekeyed], env);
    expect(await third.process.exited).toBe(1);
    expect(errorOf(third.events)).toBe('CLIENT_ERR_RELAY_PIN_CONFLICT');
    expect(third.events.some((e) => e.event === 'registration:complete')).toBe(false);
    const addRekeyed = startPhonebookProcess('third-add', [...common, '--add-relay', rekeyed], env);
    expect(await addRekeyed.process.exited).toBe(1);
    expect(errorOf(addRekeyed.events)).toBe('CLIENT_ERR_RELAY_PIN_CONFLICT');

    // An unpinned relay named with --relays on a later run is refused, not silently pinned.
    const listB = join(temp, 'b.json');
    await writeFile(listB, JSON.stringify([entryB]));
    const fourth = startPhonebookProcess('fourth', [...common, '--relays', listB], env);
    expect(await fourth.process.exited).toBe(1);
    expect(errorOf(fourth.events)).toBe('CLIENT_ERR_RELAY_NOT_PINNED');
    expect(contacts).toBe(0);
    expect(await pins(data)).toEqual([relayA.entry]);
  }, 90_000);
});
