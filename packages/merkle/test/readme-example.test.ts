/**
 * The README's example runs as written: its code block is executed with the package (source) and
 * node:crypto in place of its imports, must finish without throwing, and prints what it says it prints.
 */
import * as nodeCrypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as verify from '../src/verify.js';

it('the README example works', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const modules: Record<string, unknown> = {
    'node:crypto': nodeCrypto,
    '@leitung/merkle': main,
    '@leitung/merkle/verify': verify,
  };
  let imports = 0;
  const body = block!.replace(/import \{([^}]*)\} from '([^']+)';/g, (_all, names: string, from: string) => {
    expect(Object.keys(modules)).toContain(from);
    imports++;
    return `const {${names}} = modules[${JSON.stringify(from)}];`;
  });
  expect(imports).toBe(3);
  const printed: unknown[] = [];
  new Function('modules', 'console', body)(modules, { log: (value: unknown) => printed.push(value) });
  expect(printed).toEqual(['grown']);
});
