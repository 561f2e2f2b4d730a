/**
 * The WebSocket transport runs in a web page (docs/client.md "Transports"): nothing it imports, directly or
 * through other modules, workspace packages included, is a `node:*` module or a third-party package, and
 * no reachable source uses Node's `Buffer`. Walks the import graph of the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const PACKAGES = resolve(import.meta.dirname, '..', '..');
/** Import and re-export statements; group 1 is `type` for type-only ones (erased at build), group 2 the specifier. */
const IMPORT = /^(?:import|export)\s+(type\s)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** `file -> specifier` for every import reachable from `entry` that a page could not load. */
function unsafeImports(entry: string): { files: number; unsafe: string[] } {
  const seen = new Set<string>();
  const unsafe: string[] = [];
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
    if (/\bBuffer\b/.test(code)) unsafe.push(`${file} uses Buffer`);
    for (const m of source.matchAll(IMPORT)) {
      if (m[1] !== undefined) continue;
      const spec = m[2]!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) walk(target);
      } else if (spec.startsWith('@leitung/')) {
        walk(join(PACKAGES, spec.slice('@leitung/'.length), 'src', 'index.ts'));
      } else {
        unsafe.push(`${file} -> ${spec}`);
      }
    }
  };
  walk(resolve(import.meta.dirname, '..', 'src', entry));
  return { files: seen.size, unsafe };
}

describe('browser-safe transport', () => {
  it('the WebSocket transport reaches no node:* module, no third-party package and no Buffer', () => {
    const { files, unsafe } = unsafeImports('transport/web-socket-transport.ts');
    expect(unsafe).toEqual([]);
    expect(files).toBeGreaterThan(1);
  });

  it('the transport interfaces import nothing at run time', () => {
    expect(unsafeImports('transport/client-transport.ts')).toEqual({ files: 1, unsafe: [] });
  });

  it('the TCP + UDP transport is the one that needs Node (the walk sees node:* there)', () => {
    expect(unsafeImports('transport/tcp-udp-transport.ts').unsafe.some((s) => s.includes('node:'))).toBe(
      true,
    );
  });
});
