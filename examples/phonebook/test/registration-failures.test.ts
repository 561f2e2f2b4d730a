/**
 * What the headless phonebook says when registration or a call cannot succeed, against the real
 * leitung-relay program: a taken name and an invalid one exit with status 2 and say which (and which rule),
 * a relay showing another key than the pinned one is a SECURITY ALARM that is not retried, a dead relay is
 * named with host:port and tried again until --timeout, a second process on one data directory is refused
 * (the lock file), and a call to the own name or to a name the directory does not have fails at once
 * while an offline name is waited for. Every line names its code once, and every event its phonebook.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/config/data-lock.js';
import { type ManagedChild, startChild } from '../src/demo/child-process.js';
import {
  type EventLine,
  type PhonebookProcess,
  startPhonebookProcess,
} from '../src/demo/phonebook-process.js';
import { phonebookProgram } from '../src/demo/workspace-paths.js';
import { writeEncryptedIdentity } from './support/identities.js';
import { RelayWorld } from './support/relay-world.js';

let world: RelayWorld;
let passFile: string;
const env = { ...process.env, LEITUNG_PASSPHRASE: '' };
/** Every process a test starts; afterEach stops them, also when the test failed. */
const started: { stop(): Promise<unknown> }[] = [];

beforeAll(async () => {
  world = await RelayWorld.start('registration');
  passFile = world.passFile;
}, 60_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await world?.close();
});

/** A first run of `keyName`'s test identity under `name` (JSON events), in its own data directory. */
async function phonebook(
  label: string,
  keyName: string,
  name: string | undefined,
  extra: readonly string[],
  relays = world.relaysFile,
  data = join(world.temp, label),
): Promise<PhonebookProcess> {
  const key = await writeEncryptedIdentity(world.temp, keyName);
  const p = startPhonebookProcess(
    label,
    [
      ...['--data', data, '--relays', relays, '--passphrase-file', passFile, '--import-identity', key],
      ...(name === undefined ? [] : ['--name', name]),
      ...extra,
    ],
    env,
  );
  started.push(p);
  return p;
}

/** The same, as text lines (no --json). */
async function phonebookText(label: string, keyName: string, name: string, extra: readonly string[]) {
  const key = await writeEncryptedIdentity(world.temp, keyName);
  const child: ManagedChild = startChild(
    label,
    process.execPath,
    [
      phonebookProgram(),
      ...['--data', join(world.temp, label), '--relays', world.relaysFile, '--passphrase-file', passFile],
      ...['--import-identity', key, '--name', name, ...extra],
    ],
    { env },
  );
  started.push(child);
  return child;
}

function errorOf(events: readonly EventLine[]): EventLine | undefined {
  return events.find((e) => e.event === 'error');
}

/** Every stable code on a line appears on it once. */
function expectCodesOnce(text: string): void {
  for (const line of text.split('\n')) {
    const codes = line.match(/\b[A-Z]+_ERR_[A-Z0-9_]+\b/g) ?? [];
    expect(new Set(codes).size, line).toBe(codes.length);
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('registration failures, headless', () => {
  it('a taken name (alice, ALICE) exits 2 and says so once, in words; --name of a free one registers', async () => {
    const alice = await phonebook('alice', 'alice', 'alice', ['--headless', '--duration', '0.3']);
    expect(await alice.process.exited).toBe(0);

    for (const taken of ['alice', 'ALICE']) {
      const p = await phonebook(`taken-${taken}`, 'bob', taken, ['--headless', '--duration', '0.3']);
      expect(await p.process.exited).toBe(2);
      expect(errorOf(p.events)).toMatchObject({
        code: 'RELAY_ERR_NAME_TAKEN',
        message: `The name "${taken}" is already taken on this relay. Choose another name: run again with --name NAME.`,
      });
      // Stopped at the relay's first answer: no attempt after it.
      expect(p.events.filter((e) => e.event === 'registration:failed')).toEqual([]);
      expect(p.events.at(-1)).toMatchObject({ event: 'exit', code: 2, self: taken });
    }

    // As text: the code once on the error line, the phonebook's name in front of every line.
    const text = await phonebookText('taken-text', 'bob', 'Alice', ['--headless']);
    expect(await text.exited).toBe(2);
    const out = text.stdout();
    expect(out).toMatch(
      /^\[Alice\] \d\d:\d\d:\d\d\.\d{3} error code=RELAY_ERR_NAME_TAKEN message="The name \\"Alice\\" is already taken on this relay\. Choose another name: run again with --name NAME\."$/m,
    );
    for (const line of out.trim().split('\n')) expect(line).toMatch(/^\[Alice\] /);
    expectCodesOnce(out);
    expectCodesOnce(text.stderr());
  });

  it('a look-alike of a bound name (Cyrillic А for alice) exits 2 and names the bound name', async () => {
    const alice = await phonebook('alice-first', 'alice', 'alice', ['--headless', '--duration', '0.3']);
    expect(await alice.process.exited).toBe(0);
    const p = await phonebook('confusable', 'bob', '\u0410lice', ['--headless', '--duration', '0.3']);
    expect(await p.process.exited).toBe(2);
    expect(errorOf(p.events)).toMatchObject({
      code: 'RELAY_ERR_NAME_CONFUSABLE',
      message:
        'The name "\u0410lice" is too easy to mistake for a name someone else uses here (this name looks like the bound name "alice"): it differs only by look-alike letters. Choose another name: run again with --name NAME.',
    });
    expect(p.events.filter((e) => e.event === 'registration:failed')).toEqual([]);
  });

  it('an invalid name exits 2 naming the rule it breaks, before any relay is asked; NFD Zoë registers as NFC', async () => {
    const cases: [string, string][] = [
      ['a/b', 'a name is letters and digits, separated by single spaces, dots, dashes or apostrophes'],
      ['bob😀', 'a name is letters and digits, separated by single spaces, dots, dashes or apostrophes'],
      ['x'.repeat(40), 'a name has at most 32 characters'],
      [
        'bob\u202Eevil',
        'a name is letters and digits, separated by single spaces, dots, dashes or apostrophes',
      ],
    ];
    for (const [index, [name, rule]] of cases.entries()) {
      const p = await phonebook(`invalid-${index}`, 'bob', name, ['--headless', '--duration', '0.3']);
      expect(await p.process.exited).toBe(2);
      const error = errorOf(p.events);
      expect(error?.code).toBe('PHONEBOOK_ERR_NAME_INVALID');
      expect(error?.message).toContain(
        `cannot be used: ${rule}. Choose another name: run again with --name NAME.`,
      );
      expect(p.events.some((e) => e.event === 'connection:state')).toBe(false);
      // The bidi override is shown as a visible escape, never raw.
      if (name.includes('\u202E')) expect(error?.message).toContain('"bob\\u202eevil"');
    }

    const zoe = await phonebook('zoe', 'bob', 'Zoe\u0308', ['--headless', '--duration', '0.3']);
    expect(await zoe.process.exited).toBe(0);
    expect(zoe.events.find((e) => e.event === 'registration:complete')?.name).toBe('Zo\u00EB');
  });

  it('a relay that shows another key than the pinned one is a SECURITY ALARM, not retried', async () => {
    const { host, port } = world.relay.entry;
    const forged = join(world.temp, 'forged.json');
    await writeFile(forged, JSON.stringify([{ ...world.relay.entry, fingerprint: 'ab'.repeat(32) }]));
    const p = await phonebook('forged', 'carol', 'carol', ['--headless', '--timeout', '30'], forged);
    const startedAt = Date.now();
    expect(await p.process.exited).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const error = errorOf(p.events);
    expect(error?.code).toBe('SESSION_ERR_RELAY_KEY_MISMATCH');
    expect(error?.message).toContain(
      `SECURITY ALARM: the relay at ${host}:${port} presented a different key than the one pinned`,
    );
    expect(error?.message).toContain('possible attack; do not continue');
    expect(p.events.filter((e) => e.event === 'registration:failed')).toEqual([]);
  });

  it('a dead relay is named with host:port and tried again, attempt by attempt, until --timeout', async () => {
    const port = await closedPort();
    const dead = join(world.temp, 'dead.json');
    await writeFile(dead, JSON.stringify([{ ...world.relay.entry, port }]));
    const startedAt = Date.now();
    const p = await phonebook('dead', 'dave', 'dave', ['--headless', '--timeout', '2'], dead);
    expect(await p.process.exited).toBe(1);
    const attempts = p.events.filter((e) => e.event === 'registration:failed');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    attempts.forEach((a, i) => {
      expect(a).toMatchObject({ relay: `127.0.0.1:${port}`, attempt: i + 1, problem: 'unreachable' });
      expect(a.text).toBe(
        `Cannot reach the relay at 127.0.0.1:${port} (attempt ${i + 1}); trying again until 2 s have passed (--timeout).`,
      );
    });
    const error = errorOf(p.events);
    expect(error?.code).toBe('CLIENT_ERR_NO_RELAY');
    expect(error?.message).toMatch(
      new RegExp(`^Cannot reach the relay at 127\\.0\\.0\\.1:${port}: \\d+ attempts in 2 s failed\\.`),
    );
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThan(2000);
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe('exit statuses', () => {
  it('the terminal UI without a terminal is a usage error: status 2, the code once', async () => {
    const child = startChild('no-tty', process.execPath, [
      phonebookProgram(),
      ...['--data', join(world.temp, 'no-tty'), '--relays', world.relaysFile],
    ]);
    started.push(child);
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toBe(
      'leitung-phonebook: the terminal UI needs a terminal; use --headless (or --json, --call, --auto-answer) in scripts (PHONEBOOK_ERR_USAGE)\n',
    );
  });
});

describe('one process per data directory', () => {
  it('refuses a second phonebook on the same data directory, removes the lock on SIGINT, takes over a stale one', async () => {
    const data = join(world.temp, 'locked');
    const first = await phonebook('lock-1', 'dave', 'dave', ['--headless'], world.relaysFile, data);
    await first.waitFor('registration:complete', 20_000);
    expect(existsSync(join(data, LOCK_FILE))).toBe(true);

    const second = await phonebook('lock-2', 'dave', undefined, ['--headless'], world.relaysFile, data);
    expect(await second.process.exited).toBe(1);
    expect(errorOf(second.events)).toMatchObject({
      code: 'PHONEBOOK_ERR_DATA_LOCKED',
      message: `another leitung-phonebook is using ${data} (pid ${first.process.child.pid}): quit it first, or start this one with another --data directory`,
    });
    expect(second.events.some((e) => e.event === 'setup:progress')).toBe(false);

    first.process.child.kill('SIGINT');
    expect(await first.process.exited).toBe(0);
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);

    // A lock left by a process that is gone (the second one's pid: it has exited) is taken over.
    await writeFile(join(data, LOCK_FILE), `${second.process.child.pid}\n`);
    const third = await phonebook(
      'lock-3',
      'dave',
      undefined,
      ['--headless', '--duration', '0.3'],
      world.relaysFile,
      data,
    );
    expect(await third.process.exited).toBe(0);
    expect(third.events.find((e) => e.event === 'registration:complete')?.name).toBe('dave');
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);
  });
});

describe('calls that cannot come about, headless', () => {
  it('a call to the own name fails at once (PHONEBOOK_ERR_SELF_CALL)', async () => {
    const p = await phonebook('self', 'carol', 'carol', ['--call', 'Carol', '--timeout', '30']);
    expect(await p.process.exited).toBe(1);
    const registered = p.events.find((e) => e.event === 'registration:complete');
    const error = errorOf(p.events);
    expect(error).toMatchObject({
      code: 'PHONEBOOK_ERR_SELF_CALL',
      message: '"Carol" is your own name: a phonebook cannot call itself',
      self: 'carol',
    });
    const ms = error!.t - registered!.t;
    console.log(`self call failed ${ms.toFixed(1)} ms after registration`);
    expect(ms).toBeLessThan(2000);
  });

  it('a call to a name no one registered fails at once (PHONEBOOK_ERR_NOT_REGISTERED)', async () => {
    const p = await phonebook('unknown', 'erin', 'erin', ['--call', 'zed', '--timeout', '30']);
    expect(await p.process.exited).toBe(1);
    const dialing = p.events.find((e) => e.event === 'call:dialing');
    const failed = p.events.find((e) => e.event === 'call:failed');
    expect(failed).toMatchObject({
      code: 'RELAY_ERR_NOT_FOUND',
      text: 'No one is registered as "zed" on this relay (the directory says so). Check the name.',
    });
    const error = errorOf(p.events);
    expect(error).toMatchObject({
      code: 'PHONEBOOK_ERR_NOT_REGISTERED',
      message: 'no one is registered as "zed" on this relay',
    });
    const ms = error!.t - dialing!.t;
    console.log(`unknown name failed ${ms.toFixed(1)} ms after dialing`);
    expect(ms).toBeLessThan(2000);
    expect(p.events.every((e) => e.self === 'erin')).toBe(true);
  });

  it('a known name that is offline is called again until --timeout, and the output says it is offline', async () => {
    const frank = await phonebook('frank', 'frank', 'frank', ['--headless', '--duration', '0.3']);
    expect(await frank.process.exited).toBe(0);
    const p = await phonebook('to-frank', 'mallory', 'mallory', ['--call', 'frank', '--timeout', '2']);
    expect(await p.process.exited).toBe(1);
    expect(p.events).toContainEqual(
      expect.objectContaining({
        event: 'notice',
        text: '"frank" is offline; calling again every second until --timeout (2 s)',
      }),
    );
    expect(p.events.filter((e) => e.event === 'call:ended' && e.reason === 'offline').length).toBeGreaterThan(
      1,
    );
    expect(errorOf(p.events)).toMatchObject({
      code: 'PHONEBOOK_ERR_CONTACT_UNAVAILABLE',
      message: '"frank" is offline and did not come online within --timeout (2 s)',
    });
  });
});
