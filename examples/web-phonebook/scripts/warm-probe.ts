import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelayProcess } from '../src/node/relay-process.js';
import { relayKeyPem, TERMINAL_PASSPHRASE, writeEncryptedIdentity } from '../test/support/identities.js';
import {
  RELAY_PROGRAM,
  startTerminalPhonebook,
  stopAllTerminalPhonebooks,
} from '../test/support/terminal-phonebook.js';

export async function probe(calls: number, extra: string[]) {
  const temp = await mkdtemp(join(tmpdir(), 'warm-'));
  const [bobKey, carolKey] = await Promise.all([
    writeEncryptedIdentity(temp, 'bob'),
    writeEncryptedIdentity(temp, 'carol'),
  ]);
  const relay = await startRelayProcess({
    program: RELAY_PROGRAM,
    dataDir: join(temp, 'relay'),
    origin: 'http://127.0.0.1',
    keyPem: await relayKeyPem(),
  });
  const relaysFile = join(temp, 'relays.json');
  await writeFile(relaysFile, JSON.stringify([relay.entry]));
  const t = (name: string, x: string[]) =>
    startTerminalPhonebook(
      ['--data', join(temp, name), '--relays', relaysFile, '--timeout', '40', '--tone', ...x],
      TERMINAL_PASSPHRASE,
    );
  try {
    for (const [n, k] of [
      ['bob', bobKey],
      ['carol', carolKey],
    ])
      await t(n!, ['--name', n!, '--import-identity', k!, '--duration', '1']).exited;
    const a = t('carol', ['--auto-answer', '--calls', String(calls), ...extra]);
    await a.waitFor('registration:complete', 40000);
    const d = t('bob', ['--call', 'carol', '--calls', String(calls), '--duration', '1', ...extra]);
    await Promise.all([a.exited, d.exited]);
    const nth = (p: typeof a, ev: string, i: number) => p.events.filter((e) => e.event === ev)[i];
    for (let i = 0; i < calls; i++) {
      const dial = nth(d, 'call:stats', i)?.dialAt as number;
      const rel = (p: typeof a, ev: string) => ((nth(p, ev, i)?.t ?? NaN) - dial).toFixed(1);
      console.log(
        `call ${i + 1}: caller ringing ${rel(d, 'call:ringing')} · callee incoming ${rel(a, 'call:incoming')} accepted ${rel(a, 'call:accepted')} bound ${rel(a, 'media:bound')} · caller accepted ${rel(d, 'call:accepted')} bound ${rel(d, 'media:bound')} · callee first frame ${(((nth(a, 'media:first-frame', i)?.firstDecodedAt as number) ?? NaN) - dial).toFixed(1)}`,
      );
    }
    console.log([...new Set(d.events.map((e) => e.event))].join(' '));
  } finally {
    await stopAllTerminalPhonebooks();
    await relay.stop();
  }
}
