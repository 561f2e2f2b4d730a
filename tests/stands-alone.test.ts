/**
 * The repository stands on its own: source, tests, benchmarks and documents cite docs/ — never a design
 * brief, a lessons file, the seed's section numbers or issue numbers that a reader of the repository does
 * not have (docs/design.md says what "the seed" is; docs/lessons.md lists its failures).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './workspace.js';

const ROOTS = ['packages', 'examples', 'bench', 'docs', 'scripts', 'tests', 'README.md', '.ci'];
const SKIP = new Set(['node_modules', 'dist', 'api', 'test-results', '.turbo', 'coverage']);
const TEXT = /\.(ts|tsx|mts|mjs|js|md|json|sh)$|^run$/;

/** Citations of documents outside the repository. */
const FOREIGN = [
  /\bDESIGN\.md\b/,
  /\bLESSONS(-FROM[\w-]*)?(\.md)?\s*#?\d*/,
  /\.\.\/shared\/(DESIGN|LESSONS|TOOLCHAIN)/,
  /\bseed §/,
  /\bissue #?\d+\b/i,
];

function files(path: string): string[] {
  const full = join(REPO_ROOT, path);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(full);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) return TEXT.test(path) ? [path] : [];
  return readdirSync(full)
    .filter((entry) => !SKIP.has(entry))
    .flatMap((entry) => files(join(path, entry)));
}

describe('the repository stands alone', () => {
  it('cites docs/, never documents a reader does not have', () => {
    const self = relative(REPO_ROOT, import.meta.filename);
    const found: string[] = [];
    for (const file of ROOTS.flatMap(files)) {
      if (file === self) continue;
      const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const pattern of FOREIGN) if (pattern.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
