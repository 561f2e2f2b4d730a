/**
 * Every stable error code a package can raise is listed in docs/errors.md (the developer guide: "errors are
 * classes with a stable code, listed in docs/errors.md"). Codes are found as string literals of the form
 * PKG_ERR_NAME in each package's src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkspacePackages, REPO_ROOT } from './workspace.js';

const CODE = /['"`]([A-Z][A-Z0-9]*_ERR_[A-Z0-9_]+)['"`]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts|mjs)$/.test(e)) out.push(p);
    }
  };
  try {
    walk(join(dir, 'src'));
  } catch {
    return out;
  }
  return out;
}

describe('docs/errors.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const codes = new Map<string, string>();
  for (const pkg of listWorkspacePackages()) {
    for (const file of sourceFiles(pkg.dir)) {
      for (const m of readFileSync(file, 'utf8').matchAll(CODE)) codes.set(m[1]!, pkg.name);
    }
  }

  it('finds the codes of the packages', () => {
    expect(codes.size).toBeGreaterThan(20);
  });

  it('lists every code a package can raise', () => {
    const missing = [...codes]
      .filter(([code]) => !doc.includes(code))
      .map(([code, pkg]) => `${pkg}: ${code}`);
    expect(missing).toEqual([]);
  });
});
