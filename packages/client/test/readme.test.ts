/**
 * The README's example runs as written against a relay (the double; the example is relay-agnostic): its
 * code block is executed with the package source in place of '@leitung/client', in a scratch directory
 * holding relay.json, while bob is registered and echoes media; it must print what the README says.
 */
import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RsaPrivateKey } from '@leitung/crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from '../src/index.js';
import { ClientPool, crypto, key } from './support/fixtures.js';
import { RelayDouble } from './support/relay-double.js';

let relay: RelayDouble;
let scratch: string;
let bobKey: RsaPrivateKey;
const pool = new ClientPool();

beforeAll(async () => {
  bobKey = await key('bob');
  relay = await RelayDouble.start({ crypto, key: await key('relay') });
  scratch = await mkdtemp(join(tmpdir(), 'leitung-client-readme-'));
});

afterAll(async () => {
  await pool.closeAll();
  await relay.stop();
  await rm(scratch, { recursive: true, force: true });
});

it('the README example works and prints what the README says', async () => {
  const readme = fs.readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const printed = /It prints:\n\n```\n([\s\S]*?)```/.exec(readme)![1]!.trimEnd().split('\n');
  await writeFile(join(scratch, 'relay.json'), JSON.stringify(relay.entry));

  const bob = pool.make(bobKey, 'bob', [relay.entry]);
  bob.on('call:incoming', () => bob.answer());
  bob.mediaTransport().onFrame((frame) => bob.sendFrame({ ...frame }));
  await bob.start();

  const modules: Record<string, unknown> = { 'node:fs': fs, '@leitung/client': client };
  const body = block
    .replace(/import \{([^}]*)\} from '([^']+)';/g, (_all, names: string, from: string) => {
      expect(Object.keys(modules)).toContain(from);
      return `const {${names}} = modules[${JSON.stringify(from)}];`;
    })
    .replace("'relay.json'", JSON.stringify(join(scratch, 'relay.json')))
    .replace("'alice-data'", JSON.stringify(join(scratch, 'alice-data')));
  const lines: string[] = [];
  const warnings: string[] = [];
  const fakeConsole = {
    log: (line: string) => lines.push(line),
    warn: (line: string) => warnings.push(line),
  };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...args: unknown[]) => Promise<void>;
  await new AsyncFunction('modules', 'console', body)(modules, fakeConsole);
  expect(lines).toEqual(printed);
  expect(fs.statSync(join(scratch, 'alice-data', 'vault.leitung')).mode & 0o777).toBe(0o600);
}, 30_000);
