/**
 * The API documentation builds without a warning (docs/architecture.md "Public surface"): no dead link, no
 * public type that points at an unexported one, no document shown as raw markdown. typedoc runs on the
 * sources exactly as `npm run docs` does, without writing the site.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './workspace.js';

describe('API documentation', () => {
  it('typedoc finds no error and no warning', () => {
    const bin = join(REPO_ROOT, 'node_modules', '.bin', 'typedoc');
    let output = '';
    let status = 0;
    try {
      output = execFileSync(bin, ['--emit', 'none', '--treatWarningsAsErrors', '--logLevel', 'Warn'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      });
    } catch (error) {
      const failed = error as { status: number; stdout: string; stderr: string };
      status = failed.status;
      output = `${failed.stdout}${failed.stderr}`;
    }
    expect(
      output
        .split('\n')
        .filter((line) => /warning|error/i.test(line) && !/Found 0 errors and 0 warnings/.test(line)),
    ).toEqual([]);
    expect(status).toBe(0);
  }, 180_000);
});
