/**
 * Where the programs are, found from this file's location so it works from src/ (tests) and from the
 * bundled dist/ (the demo): the phonebook package root is the nearest directory up whose package.json
 * is @leitung/example-phonebook; the relay program is the `leitung-relay` bin of its sibling
 * examples/relay (LEITUNG_RELAY_BIN overrides it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhonebookError, PhonebookErrorCode } from '../errors.js';

export function phonebookRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === '@leitung/example-phonebook') return dir;
    }
    const up = dirname(dir);
    if (up === dir)
      throw new PhonebookError(PhonebookErrorCode.DemoFailed, 'cannot find the phonebook package');
    dir = up;
  }
}

/** The built phonebook program (dist/main.js). */
export function phonebookProgram(): string {
  return join(phonebookRoot(), 'dist', 'main.js');
}

export function relayProgram(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LEITUNG_RELAY_BIN) return resolve(env.LEITUNG_RELAY_BIN);
  const relayDir = join(phonebookRoot(), '..', 'relay');
  const manifest = join(relayDir, 'package.json');
  if (!existsSync(manifest)) {
    throw new PhonebookError(PhonebookErrorCode.RelayStart, `no relay program: ${manifest} is missing`);
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
  const path = typeof bin === 'string' ? bin : bin?.['leitung-relay'];
  if (path === undefined) {
    throw new PhonebookError(
      PhonebookErrorCode.RelayStart,
      'examples/relay/package.json has no leitung-relay bin',
    );
  }
  return join(relayDir, path);
}
