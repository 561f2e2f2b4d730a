/**
 * The README's first example runs as written (with the package source in place of the published
 * entry points) and prints what the README says it prints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as analysis from '../src/analysis.js';
import * as core from '../src/core.js';
import * as root from '../src/index.js';
import * as node from '../src/node/index.js';
import * as testing from '../src/testing.js';

it('the README example works and prints what the README says', async () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const block = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  const printed = /It prints:\n\n```\n([\s\S]*?)```/.exec(readme)![1]!.trimEnd().split('\n');
  const modules: Record<string, unknown> = {
    '@leitung/audio': root,
    '@leitung/audio/node': node,
    '@leitung/audio/core': core,
    '@leitung/audio/testing': testing,
    '@leitung/audio/analysis': analysis,
  };
  const body = block.replace(/import \{([^}]*)\} from '([^']+)';/g, (_all, names: string, from: string) => {
    expect(Object.keys(modules)).toContain(from);
    return `const {${names}} = modules[${JSON.stringify(from)}];`;
  });
  const lines: string[] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...args: unknown[]) => Promise<void>;
  await new AsyncFunction('modules', 'console', body)(modules, { log: (l: string) => lines.push(l) });
  expect(lines).toEqual(printed);
});
