/**
 * One error pattern in every library package (docs/errors.md "One pattern"): a `<Pkg>ErrorCode` object of
 * named codes, a `<PKG>_ERROR_CODES` list holding exactly the codes with the package's prefix that its
 * sources mention, one base class `<Pkg>Error` with a stable `code`, its class name as `name` and an
 * optional `cause`, and an `is<Pkg>Error(err, code?)` guard. Loaded from the built packages, as a user
 * imports them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkspacePackages } from './workspace.js';

const libraries = listWorkspacePackages().filter((p) => !p.private);

type ErrorClass = new (
  code: string,
  message: string,
  options?: { cause?: unknown },
) => Error & {
  code: string;
};

function sourceCodes(dir: string, prefix: string): Set<string> {
  const found = new Set<string>();
  const pattern = new RegExp(`['"\`](${prefix}_ERR_[A-Z0-9_]+)['"\`]`, 'g');
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(pattern)) found.add(m[1]!);
    }
  };
  walk(join(dir, 'src'));
  return found;
}

describe('error pattern', () => {
  it.each(libraries.map((p) => [p.name, p] as const))('%s follows it', async (name, pkg) => {
    const short = name.replace('@leitung/', '');
    const pascal = short[0]!.toUpperCase() + short.slice(1);
    const prefix = short.toUpperCase();
    const mod = (await import(name)) as Record<string, unknown>;

    const named = mod[`${pascal}ErrorCode`] as Record<string, string>;
    const list = mod[`${prefix}_ERROR_CODES`] as readonly string[];
    const ErrorClass = mod[`${pascal}Error`] as ErrorClass;
    const guard = mod[`is${pascal}Error`] as (err: unknown, code?: string) => boolean;
    expect(typeof named).toBe('object');
    expect(Array.isArray(list)).toBe(true);
    expect(typeof ErrorClass).toBe('function');
    expect(typeof guard).toBe('function');

    expect([...list].sort()).toEqual(Object.values(named).sort());
    expect(new Set(list).size).toBe(list.length);
    expect([...list].sort()).toEqual([...sourceCodes(pkg.dir, prefix)].sort());

    const [first, second] = list;
    const cause = new Error('underlying');
    const error = new ErrorClass(first!, 'what happened', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(`${pascal}Error`);
    expect(error.code).toBe(first);
    expect(error.cause).toBe(cause);
    expect(guard(error)).toBe(true);
    expect(guard(error, first)).toBe(true);
    expect(guard(error, second)).toBe(false);
    expect(guard(new Error('plain'))).toBe(false);
    expect(guard({ code: first })).toBe(false);
  });
});
