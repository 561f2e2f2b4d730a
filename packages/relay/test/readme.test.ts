/** The README's example runs as written (against the built package, as a user would import it). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirWithKey, removeDir } from './support/keys.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

describe('README', () => {
  it('the example starts a relay, prints its entry and stops', async () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = await dataDirWithKey();
    dirs.push(dir);
    // The example's ./relay-data is the working directory's; seed it with the cached test key.
    mkdirSync(join(dir, 'relay-data'));
    writeFileSync(join(dir, 'relay-data', 'relay-key.pem'), readFileSync(join(dir, 'relay-key.pem')), {
      mode: 0o600,
    });
    const built = resolve(import.meta.dirname, '../dist/index.js');
    const script = join(dir, 'example.mjs');
    writeFileSync(script, example!.replace("from '@leitung/relay'", `from ${JSON.stringify(built)}`));
    const output = execFileSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
    expect(output).toMatch(/^relay [0-9a-f]{64} on 127\.0\.0\.1:\d+, media on \d+$/m);
  });
});
