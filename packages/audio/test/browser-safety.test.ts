/**
 * The main entry point must run in browsers: no module outside src/node may import a Node built-in or
 * use Node globals. (The check scans sources, so it also fails for a new file that slips one in.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');
const coreFiles = readdirSync(src).filter((f) => f.endsWith('.ts'));
const NODE_ONLY = [
  /from\s+['"]node:/,
  /from\s+['"](fs|path|os|child_process|crypto|module|stream|url|util)['"]/,
  /\brequire\(/,
  /\bprocess\./,
  /\bBuffer\b/,
  /\b__dirname\b/,
];

function nodeOnlyUses(text: string): string[] {
  return NODE_ONLY.filter((re) => re.test(text)).map(String);
}

describe('browser-safe core', () => {
  it('has core modules to check', () => {
    expect(coreFiles.length).toBeGreaterThan(20);
    expect(coreFiles).toContain('jitter-buffer.ts');
  });

  it.each(coreFiles)('%s uses nothing Node-only', (file) => {
    expect(nodeOnlyUses(readFileSync(join(src, file), 'utf8'))).toEqual([]);
  });

  it('the check itself catches Node imports', () => {
    expect(nodeOnlyUses("import { readFileSync } from 'node:fs';")).toHaveLength(1);
    expect(nodeOnlyUses('const b = Buffer.from(x); process.env.X;')).toHaveLength(2);
  });
});
