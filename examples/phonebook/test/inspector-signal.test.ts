/**
 * SIGUSR1 against a running leitung-phonebook (docs/client.md "SecurityMonitor findings"): on Node 20 the
 * signal opens the inspector on 127.0.0.1:9229, and Runtime.evaluate in it reads the vault passphrase. The
 * real program, registered with a real relay, is signalled; it must open no listening socket, print no
 * "Debugger listening", keep running (its security monitor reports the attempt) and stop cleanly after.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPhonebookProcess } from '../src/demo/phonebook-process.js';
import { writeEncryptedIdentity } from './support/identities.js';
import { RelayWorld } from './support/relay-world.js';

let world: RelayWorld;
let temp: string;
let relaysFile: string;
let passFile: string;

beforeAll(async () => {
  world = await RelayWorld.start('sigusr1');
  ({ temp, relaysFile, passFile } = world);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

/** TCP ports on which process `pid` listens (its socket inodes matched against /proc/net/tcp{,6}). */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] ("ADDR:PORT" hex), st is f[3] (0A = LISTEN), inode is f[9].
      if (f[3] === '0A' && f[9] !== undefined && inodes.has(f[9]))
        ports.push(Number.parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

describe.skipIf(process.platform !== 'linux')('leitung-phonebook and SIGUSR1', () => {
  it('stays without inspector after SIGUSR1, reports the attempt and keeps running', async () => {
    const key = await writeEncryptedIdentity(temp, 'sam');
    const p = startPhonebookProcess('sam', [
      ...['--data', join(temp, 'sam'), '--relays', relaysFile, '--passphrase-file', passFile],
      ...['--name', 'sam', '--import-identity', key, '--headless'],
    ]);
    await p.waitFor('registration:complete', 30_000);
    const pid = p.process.child.pid!;
    expect(await listeningPorts(pid)).toEqual([]);

    process.kill(pid, 'SIGUSR1');
    // Give an inspector (if one were starting) time to bind its port.
    await new Promise((r) => setTimeout(r, 700));
    expect(await listeningPorts(pid)).toEqual([]);
    expect(p.process.stderr()).not.toContain('Debugger listening');
    expect(p.process.child.exitCode).toBeNull();
    expect(p.process.child.signalCode).toBeNull();
    const finding = await p.waitFor(
      'security:finding',
      5_000,
      (e) => (e.finding as { code?: string }).code === 'inspector-signal',
    );
    expect((finding.finding as { severity: string }).severity).toBe('critical');

    // A second signal changes nothing either; the program still stops cleanly.
    process.kill(pid, 'SIGUSR1');
    await new Promise((r) => setTimeout(r, 300));
    expect(await listeningPorts(pid)).toEqual([]);
    expect(await p.stop()).toBe(0);
  }, 60_000);
});
