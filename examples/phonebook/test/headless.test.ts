/**
 * The leitung-phonebook program in headless mode, as scripts use it: exit statuses, typed error codes in
 * the JSON events, a second run that reuses the vault, the text output, and a clean stop on SIGTERM.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from '../src/demo/child-process.js';
import { type EventLine, startPhonebookProcess } from '../src/demo/phonebook-process.js';
import { phonebookProgram } from '../src/demo/workspace-paths.js';
import { writeEncryptedIdentity } from './support/identities.js';
import { RelayWorld } from './support/relay-world.js';

let world: RelayWorld;
let temp: string;
let relaysFile: string;
let passFile: string;
const env = { ...process.env, LEITUNG_PASSPHRASE: '' };

beforeAll(async () => {
  world = await RelayWorld.start('headless');
  ({ temp, relaysFile, passFile } = world);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

function errorOf(events: EventLine[]): string | undefined {
  return events.find((e) => e.event === 'error')?.code as string | undefined;
}

describe('leitung-phonebook, headless', () => {
  it('exits 2 on a usage error and prints help with --help', async () => {
    const bad = startChild('bad', process.execPath, [phonebookProgram(), '--call']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain('PHONEBOOK_ERR_USAGE');
    const help = startChild('help', process.execPath, [phonebookProgram(), '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('--auto-answer');
  });

  it('needs the vault passphrase from a file or LEITUNG_PASSPHRASE', async () => {
    const p = startPhonebookProcess(
      'nopass',
      ['--data', join(temp, 'nopass'), '--relays', relaysFile, '--auto-answer'],
      env,
    );
    expect(await p.process.exited).toBe(1);
    expect(errorOf(p.events)).toBe('PHONEBOOK_ERR_NO_PASSPHRASE');
    expect(p.events.at(-1)).toMatchObject({ event: 'exit', code: 1 });
  });

  it('fails at once, before creating anything, when the --input file is missing', async () => {
    const data = join(temp, 'noinput');
    const p = startPhonebookProcess(
      'noinput',
      ['--data', data, '--relays', relaysFile, '--passphrase-file', passFile, '--auto-answer'].concat([
        '--input',
        join(temp, 'missing.wav'),
      ]),
      env,
    );
    expect(await p.process.exited).toBe(1);
    expect(errorOf(p.events)).toBe('AUDIO_ERR_FILE');
    expect(p.events.some((e) => e.event === 'setup:progress')).toBe(false);
  });

  it('fails at once with PHONEBOOK_ERR_NOT_REGISTERED for a name the directory does not have', async () => {
    const key = await writeEncryptedIdentity(temp, 'alice');
    const args = ['--data', join(temp, 'alice'), '--relays', relaysFile, '--passphrase-file', passFile];
    const p = startPhonebookProcess(
      'alice',
      [...args, '--name', 'alice', '--import-identity', key, '--call', 'nobody', '--timeout', '30'],
      env,
    );
    expect(await p.process.exited).toBe(1);
    expect(errorOf(p.events)).toBe('PHONEBOOK_ERR_NOT_REGISTERED');
    const setup = p.events.filter((e) => e.event === 'setup:progress');
    // First run with an imported identity: no key generated (the vault was seeded with the import), name
    // from the option.
    expect(setup).not.toContainEqual(expect.objectContaining({ step: 'identity', created: true }));
    expect(setup).toContainEqual(expect.objectContaining({ step: 'identity', created: false }));
    expect(setup).toContainEqual(expect.objectContaining({ step: 'name', source: 'options' }));
    const registered = p.events.find((e) => e.event === 'registration:complete');
    expect(registered).toMatchObject({ name: 'alice', treeHeadChange: 'first' });
    expect(registered?.handshakeMs).toBeGreaterThan(0);

    // Second run: the vault has identity, name and the relay's tree head; a wrong passphrase is refused.
    const again = startPhonebookProcess('alice-again', [...args, '--headless', '--duration', '0.5'], env);
    expect(await again.process.exited).toBe(0);
    expect(again.events).toContainEqual(
      expect.objectContaining({ event: 'setup:progress', step: 'name', source: 'vault' }),
    );
    expect(again.events.find((e) => e.event === 'registration:complete')).toMatchObject({
      clientId: registered?.clientId,
      treeHeadChange: 'unchanged',
    });
    const wrong = startPhonebookProcess(
      'alice-wrong',
      ['--data', join(temp, 'alice'), '--relays', relaysFile, '--headless'],
      {
        ...env,
        LEITUNG_PASSPHRASE: 'not the passphrase',
      },
    );
    expect(await wrong.process.exited).toBe(1);
    expect(errorOf(wrong.events)).toBe('CLIENT_ERR_VAULT_WRONG_PASSPHRASE');
  });

  it('--rotate-key moves the name to a new key: the next run registers with it', async () => {
    const key = await writeEncryptedIdentity(temp, 'erin');
    const args = ['--data', join(temp, 'erin'), '--relays', relaysFile, '--passphrase-file', passFile];
    const first = startPhonebookProcess(
      'erin',
      [...args, '--name', 'erin', '--import-identity', key, '--headless', '--duration', '0.3'],
      env,
    );
    expect(await first.process.exited).toBe(0);
    const before = first.events.find((e) => e.event === 'registration:complete')?.clientId;

    const rotate = startPhonebookProcess('erin-rotate', [...args, '--rotate-key'], env);
    expect(await rotate.process.exited).toBe(0);
    const rotated = rotate.events.find((e) => e.event === 'identity:rotated');
    expect(rotated).toMatchObject({ previousClientId: before });
    expect(rotated?.clientId).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated?.clientId).not.toBe(before);

    const after = startPhonebookProcess('erin-after', [...args, '--headless', '--duration', '0.3'], env);
    expect(await after.process.exited).toBe(0);
    expect(after.events.find((e) => e.event === 'registration:complete')).toMatchObject({
      name: 'erin',
      clientId: rotated?.clientId,
    });
  });

  it('--call keeps calling while the callee is offline and gets through once it comes online', async () => {
    // Presence needs a mutual watch (docs/protocol.md "Presence"); an auto-answering callee watches nobody,
    // so the caller cannot wait for an online flag: it retries on CALL_END offline.
    const [daveKey, malloryKey] = await Promise.all([
      writeEncryptedIdentity(temp, 'dave'),
      writeEncryptedIdentity(temp, 'mallory'),
    ]);
    const common = ['--relays', relaysFile, '--passphrase-file', passFile];
    const dave = (extra: string[]) =>
      startPhonebookProcess(
        'dave',
        [...common, '--data', join(temp, 'dave'), '--name', 'dave', '--import-identity', daveKey, ...extra],
        env,
      );
    // dave exists in the directory but is offline when mallory starts calling.
    expect(await dave(['--headless', '--duration', '0.2']).process.exited).toBe(0);
    const mallory = startPhonebookProcess(
      'mallory',
      [
        ...common,
        ...['--data', join(temp, 'mallory'), '--name', 'mallory', '--import-identity', malloryKey],
        ...['--call', 'dave', '--timeout', '30', '--duration', '0.5'],
      ],
      env,
    );
    await mallory.waitFor('call:ended', 20_000, (e) => e.reason === 'offline');
    const answering = startPhonebookProcess(
      'dave-answers',
      [...common, '--data', join(temp, 'dave'), '--auto-answer', '--duration', '0.5'],
      env,
    );
    expect(await mallory.process.exited).toBe(0);
    expect(await answering.process.exited).toBe(0);
    expect(
      mallory.events.filter((e) => e.event === 'call:ended' && e.reason === 'offline').length,
    ).toBeGreaterThan(0);
    expect(mallory.events.some((e) => e.event === 'call:accepted')).toBe(true);
  }, 60_000);

  it('--calls N places and answers N calls in one process each, then exits 0', async () => {
    const [erinKey, frankKey] = await Promise.all([
      writeEncryptedIdentity(temp, 'erin'),
      writeEncryptedIdentity(temp, 'frank'),
    ]);
    const common = ['--relays', relaysFile, '--passphrase-file', passFile];
    const erin = startPhonebookProcess(
      'erin',
      [
        ...common,
        ...['--data', join(temp, 'erin'), '--name', 'erin', '--import-identity', erinKey],
        ...['--auto-answer', '--calls', '3', '--timeout', '30'],
      ],
      env,
    );
    await erin.waitFor('registration:complete', 20_000);
    const frank = startPhonebookProcess(
      'frank',
      [
        ...common,
        ...['--data', join(temp, 'frank'), '--name', 'frank', '--import-identity', frankKey],
        ...['--call', 'erin', '--calls', '3', '--duration', '0.3', '--timeout', '30', '--tone'],
      ],
      env,
    );
    expect(await frank.process.exited).toBe(0);
    expect(await erin.process.exited).toBe(0);
    for (const side of [erin, frank]) {
      const stats = side.events.filter((e) => e.event === 'call:stats');
      expect(stats).toHaveLength(3);
      expect(new Set(stats.map((e) => e.callId)).size).toBe(3);
    }
    // Every call carried audio to the callee: one first decoded frame per call.
    expect(erin.events.filter((e) => e.event === 'media:first-frame')).toHaveLength(3);
  }, 60_000);

  it('prints text lines without --json, lets an unanswered call time out, and stops cleanly on SIGTERM', async () => {
    const key = await writeEncryptedIdentity(temp, 'bob');
    const child = startChild(
      'bob',
      process.execPath,
      [
        phonebookProgram(),
        ...['--data', join(temp, 'bob'), '--relays', relaysFile, '--passphrase-file', passFile],
        ...['--name', 'bob', '--import-identity', key, '--headless'],
      ],
      { env },
    );
    const end = Date.now() + 20_000;
    while (!child.stdout().includes('registration:complete') && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(child.stdout()).toMatch(
      /\d\d:\d\d:\d\d\.\d{3} registration:complete name=bob clientId=[0-9a-f]{64}/,
    );

    // Bob is online but does not answer: a caller gives up at --timeout with PHONEBOOK_ERR_CALL_FAILED.
    const carolKey = await writeEncryptedIdentity(temp, 'carol');
    const carol = startPhonebookProcess(
      'carol',
      [
        ...['--data', join(temp, 'carol'), '--relays', relaysFile, '--passphrase-file', passFile],
        ...['--name', 'carol', '--import-identity', carolKey, '--call', 'bob', '--timeout', '4'],
      ],
      env,
    );
    expect(await carol.process.exited).toBe(1);
    expect(errorOf(carol.events)).toBe('PHONEBOOK_ERR_CALL_FAILED');
    expect(carol.events.some((e) => e.event === 'call:ringing')).toBe(true);
    expect(child.stdout()).toContain('call:incoming');

    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toMatch(/exit code=0 why=stopped/);
  });
});
