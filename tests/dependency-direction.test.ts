import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOWED_WORKSPACE_DEPENDENCIES, layerViolations } from './layers.js';
import { listWorkspacePackages } from './workspace.js';

const packages = listWorkspacePackages();

describe('dependency direction (docs/design.md §1)', () => {
  it('finds the six library packages', () => {
    const names = packages.map((p) => p.name);
    for (const n of ['wire', 'crypto', 'merkle', 'audio', 'session', 'client', 'relay'])
      expect(names).toContain(`@leitung/${n}`);
  });

  it('every workspace package depends only on what the table allows', () => {
    expect(layerViolations(packages)).toEqual([]);
  });

  it('no package imports a workspace package its manifest does not declare', () => {
    // A source import of an undeclared sibling would pass the manifest check but break consumers.
    const names = packages.map((p) => p.name);
    const problems: string[] = [];
    for (const pkg of packages) {
      for (const file of sourceFiles(pkg.dir)) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"](@leitung\/[a-z0-9-]+)/g)) {
          const dep = m[1]!;
          if (dep !== pkg.name && names.includes(dep) && !pkg.allDependencies.includes(dep)) {
            problems.push(`${file}: imports ${dep} undeclared`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('the check itself catches forbidden edges', () => {
    // Guards against a check that cannot fail: each of these edges breaks the table.
    const bad = [
      { name: '@leitung/wire', allDependencies: ['@leitung/crypto'] },
      { name: '@leitung/client', allDependencies: ['@leitung/relay'] },
      { name: '@leitung/relay', allDependencies: ['@leitung/client'] },
      { name: '@leitung/audio', allDependencies: ['@leitung/client'] },
      { name: '@leitung/crypto', allDependencies: [] },
      { name: '@leitung/merkle', allDependencies: [] },
    ];
    expect(layerViolations(bad, ALLOWED_WORKSPACE_DEPENDENCIES)).toHaveLength(4);
    expect(layerViolations([{ name: '@leitung/unknown', allDependencies: [] }])).toHaveLength(1);
  });
});

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['src', 'bin']) {
    const walk = (d: string): void => {
      let entries: string[];
      try {
        entries = readdirSync(d);
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(e)) out.push(p);
      }
    };
    walk(join(dir, sub));
  }
  return out;
}
