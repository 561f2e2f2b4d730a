/** The README example runs against the sources and prints exactly what the README says it prints. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const packageRoot = join(import.meta.dirname, '..');
const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'leitung-crypto-readme-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README', () => {
  it('the example runs and prints what the README says', async () => {
    const code = readme.match(/```ts\n([\s\S]*?)```/)![1]!;
    const printed = readme.match(/It prints:\n\n```\n([\s\S]*?)```/)![1]!;
    const file = join(scratch, 'example.ts');
    writeFileSync(
      file,
      code.replace("from '@leitung/crypto'", `from ${JSON.stringify(join(packageRoot, 'src', 'index.ts'))}`),
    );
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    expect(lines.join('\n')).toBe(printed.trimEnd());
  }, 60_000);
});
