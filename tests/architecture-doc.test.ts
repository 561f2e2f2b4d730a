/**
 * docs/architecture.md's layer table is the dependency table of tests/layers.ts, row for row: the document
 * a reader trusts cannot drift from the rule the tests enforce.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_WORKSPACE_DEPENDENCIES } from './layers.js';
import { REPO_ROOT } from './workspace.js';

/** `@leitung/wire` → itself; `examples/relay` → `@leitung/example-relay`; `wire` → `@leitung/wire`. */
function packageName(cell: string): string {
  const name = cell.replace(/`/g, '').trim();
  if (name.startsWith('@leitung/')) return name;
  if (name.startsWith('examples/')) return `@leitung/example-${name.slice('examples/'.length)}`;
  return `@leitung/${name}`;
}

/** The rows of the table under "## Layers" as package → allowed workspace imports (sorted). */
function documentedTable(markdown: string): Record<string, string[]> {
  const section = /## Layers[^\n]*\n([\s\S]*?)\n## /.exec(markdown)?.[1] ?? '';
  const rows = section.split('\n').filter((line) => /^\|\s*`/.test(line));
  const table: Record<string, string[]> = {};
  for (const row of rows) {
    const [pkg, imports] = row
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    table[packageName(pkg!)] =
      imports === '—'
        ? []
        : imports!
            .split(',')
            .map((i) => packageName(i))
            .sort();
  }
  return table;
}

describe('docs/architecture.md', () => {
  it('shows exactly the dependency table the tests enforce', () => {
    const markdown = readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
    const expected = Object.fromEntries(
      Object.entries(ALLOWED_WORKSPACE_DEPENDENCIES).map(([pkg, deps]) => [pkg, [...deps].sort()]),
    );
    expect(documentedTable(markdown)).toEqual(expected);
  });

  it('the parser sees a changed row (the check can fail)', () => {
    const markdown =
      '## Layers\n\n| `@leitung/wire` | crypto |\n| `examples/relay` | relay, client |\n\n## Next\n';
    expect(documentedTable(markdown)).toEqual({
      '@leitung/wire': ['@leitung/crypto'],
      '@leitung/example-relay': ['@leitung/client', '@leitung/relay'],
    });
  });
});
